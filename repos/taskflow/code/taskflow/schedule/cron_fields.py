"""Parsing of the individual fields of a cron expression."""

from taskflow.errors import CronSyntaxError


class FieldSpec:
    def __init__(self, name, low, high, aliases=None):
        self.name = name
        self.low = low
        self.high = high
        self.aliases = aliases or {}

    @property
    def full(self):
        return frozenset(range(self.low, self.high + 1))


MONTH_ALIASES = {
    name: index + 1
    for index, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
DOW_ALIASES = {
    name: index for index, name in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])
}

MINUTE = FieldSpec("minute", 0, 59)
HOUR = FieldSpec("hour", 0, 23)
DAY_OF_MONTH = FieldSpec("day-of-month", 1, 31)
MONTH = FieldSpec("month", 1, 12, MONTH_ALIASES)
# 7 is accepted as an alias of Sunday and folded onto 0 after parsing.
DAY_OF_WEEK = FieldSpec("day-of-week", 0, 7, DOW_ALIASES)

FIELDS = (MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK)


def _value(token, spec):
    text = token.strip().lower()
    if text in spec.aliases:
        return spec.aliases[text]
    if not text.isdigit():
        raise CronSyntaxError(f"invalid value {token!r}", spec.name)
    number = int(text)
    if number < spec.low or number > spec.high:
        raise CronSyntaxError(
            f"value {number} out of range {spec.low}-{spec.high}", spec.name
        )
    return number


def _parse_part(part, spec):
    step = 1
    if "/" in part:
        base, _, step_text = part.partition("/")
        if not step_text.isdigit() or int(step_text) == 0:
            raise CronSyntaxError(f"invalid step {step_text!r}", spec.name)
        step = int(step_text)
    else:
        base = part
    if base in ("*", "?"):
        start, end = spec.low, spec.high
    elif "-" in base:
        first, _, last = base.partition("-")
        start, end = _value(first, spec), _value(last, spec)
        if start > end:
            raise CronSyntaxError(f"range {base!r} is reversed", spec.name)
    else:
        start = _value(base, spec)
        end = spec.high if "/" in part else start
    return set(range(start, end + 1, step))


def parse_field(text, spec):
    """Parse one cron field into the sorted tuple of values it selects."""
    if text is None or not text.strip():
        raise CronSyntaxError("empty field", spec.name)
    values = set()
    for part in text.split(","):
        if not part:
            raise CronSyntaxError("empty list element", spec.name)
        values |= _parse_part(part, spec)
    if spec is DAY_OF_WEEK and 7 in values:
        values.discard(7)
        values.add(0)
    return tuple(sorted(values))


def is_wildcard(text):
    """True when a field places no restriction (``*`` or ``?``)."""
    return text.strip() in ("*", "?")
