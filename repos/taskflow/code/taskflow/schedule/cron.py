"""Cron expressions and next-fire-time calculation."""

from datetime import timedelta

from taskflow.errors import CronSyntaxError
from taskflow.schedule import calendar
from taskflow.schedule.cron_fields import (
    DAY_OF_MONTH,
    DAY_OF_WEEK,
    FIELDS,
    HOUR,
    MINUTE,
    MONTH,
    is_wildcard,
    parse_field,
)

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}

# Give up searching after this many years (e.g. "0 0 30 2 *" never fires).
SEARCH_LIMIT_YEARS = 5


class CronSchedule:
    """A standard five-field cron schedule evaluated in UTC.

    When both day-of-month and day-of-week are restricted, a day matches if
    either field matches (classic Vixie cron behaviour).
    """

    def __init__(self, expression):
        self.expression = expression
        text = MACROS.get(expression.strip().lower(), expression)
        parts = text.split()
        if len(parts) != len(FIELDS):
            raise CronSyntaxError(f"expected 5 fields, got {len(parts)} in {expression!r}")
        self.minutes = parse_field(parts[0], MINUTE)
        self.hours = parse_field(parts[1], HOUR)
        self.days = parse_field(parts[2], DAY_OF_MONTH)
        self.months = parse_field(parts[3], MONTH)
        self.weekdays = parse_field(parts[4], DAY_OF_WEEK)
        self._dom_any = is_wildcard(parts[2])
        self._dow_any = is_wildcard(parts[4])

    def __repr__(self):
        return f"CronSchedule({self.expression!r})"

    def day_matches(self, moment):
        dom_ok = moment.day in self.days
        dow_ok = calendar.cron_weekday(moment) in self.weekdays
        if self._dom_any and self._dow_any:
            return True
        if self._dom_any:
            return dow_ok
        if self._dow_any:
            return dom_ok
        return dom_ok or dow_ok

    def matches(self, moment):
        return (
            moment.minute in self.minutes
            and moment.hour in self.hours
            and moment.month in self.months
            and self.day_matches(moment)
        )

    def next_after(self, moment):
        """The first matching minute strictly after ``moment``."""
        candidate = calendar.next_minute(moment)
        limit = calendar.add_months(candidate, 12 * SEARCH_LIMIT_YEARS)
        while candidate < limit:
            if candidate.month not in self.months:
                candidate = calendar.start_of_next_month(candidate)
                continue
            if not self.day_matches(candidate):
                candidate = calendar.start_of_next_day(candidate)
                continue
            if candidate.hour not in self.hours:
                candidate = calendar.start_of_next_hour(candidate)
                continue
            if candidate.minute not in self.minutes:
                candidate += timedelta(minutes=1)
                continue
            return candidate
        raise CronSyntaxError(f"{self.expression!r} never fires")

    def next_n(self, moment, count):
        times = []
        current = moment
        for _ in range(count):
            current = self.next_after(current)
            times.append(current)
        return times

    def previous_before(self, moment):
        """The last matching minute strictly before ``moment``."""
        candidate = calendar.truncate_to_minute(moment)
        if candidate == moment:
            candidate -= timedelta(minutes=1)
        limit = calendar.add_months(candidate, -12 * SEARCH_LIMIT_YEARS)
        while candidate > limit:
            if self.matches(candidate):
                return candidate
            if not (candidate.month in self.months and self.day_matches(candidate)):
                candidate = calendar.start_of_day(candidate) - timedelta(minutes=1)
            elif candidate.hour not in self.hours:
                candidate = candidate.replace(minute=0) - timedelta(minutes=1)
            else:
                candidate -= timedelta(minutes=1)
        raise CronSyntaxError(f"{self.expression!r} never fired")


def is_valid(expression):
    try:
        CronSchedule(expression)
    except CronSyntaxError:
        return False
    return True
