"""Human readable durations such as ``"1h30m"`` or ``"250ms"``."""

import re

from taskflow.errors import DurationParseError

UNIT_SECONDS = {
    "w": 7 * 86400.0,
    "d": 86400.0,
    "h": 3600.0,
    "m": 60.0,
    "s": 1.0,
    "ms": 0.001,
}

_TOKEN = re.compile(r"(\d+(?:\.\d+)?)(ms|w|d|h|m|s)")
_FORMAT_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def parse_duration(value):
    """Return the number of seconds described by ``value``.

    Accepts numbers (taken as seconds), numeric strings and compound unit
    strings like ``"1d2h"``, ``"1.5h"`` or ``"90s"``.
    """
    if isinstance(value, bool):
        raise DurationParseError(f"invalid duration: {value!r}")
    if isinstance(value, (int, float)):
        if value < 0:
            raise DurationParseError(f"negative duration: {value!r}")
        return float(value)
    if not isinstance(value, str):
        raise DurationParseError(f"invalid duration: {value!r}")
    text = value.strip().lower().replace(" ", "")
    if not text:
        raise DurationParseError("empty duration")
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    total = 0.0
    position = 0
    for match in _TOKEN.finditer(text):
        if match.start() != position:
            raise DurationParseError(f"invalid duration: {value!r}")
        total += float(match.group(1)) * UNIT_SECONDS[match.group(2)]
        position = match.end()
    if position != len(text):
        raise DurationParseError(f"invalid duration: {value!r}")
    return total


def format_duration(seconds):
    """Render seconds compactly, e.g. ``5400`` -> ``"1h30m"``."""
    if seconds < 0:
        raise DurationParseError(f"negative duration: {seconds!r}")
    millis = int(round(seconds * 1000))
    if millis == 0:
        return "0s"
    whole, millis = divmod(millis, 1000)
    parts = []
    for unit, size in _FORMAT_UNITS:
        count, whole = divmod(whole, size)
        if count:
            parts.append(f"{count}{unit}")
    if millis:
        parts.append(f"{millis}ms")
    return "".join(parts)
