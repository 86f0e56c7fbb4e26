"""Parsing and formatting of calendar dates found in front matter."""

import datetime
import re

MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July",
               "August", "September", "October", "November", "December"]

ISO_RE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
MONTH_FIRST_RE = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})$")
DAY_FIRST_RE = re.compile(r"^(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})$")


def month_number(name):
    """``"March"``, ``"mar"`` and ``"Sept"`` style names to 1-12."""
    lowered = name.lower()
    for number, month in enumerate(MONTH_NAMES, start=1):
        full = month.lower()
        if len(lowered) >= 3 and full.startswith(lowered):
            return number
    raise ValueError(f"unknown month name: {name!r}")


def parse_date(value):
    """Parse ``2024-03-05``, ``2024/3/5``, ``March 5, 2024`` or ``5 Mar 2024``."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    match = ISO_RE.match(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
    else:
        match = MONTH_FIRST_RE.match(text)
        if match:
            month_name, day, year = match.groups()
        else:
            match = DAY_FIRST_RE.match(text)
            if not match:
                raise ValueError(f"unrecognized date format: {value!r}")
            day, month_name, year = match.groups()
        year, month, day = int(year), month_number(month_name), int(day)
    try:
        return datetime.date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"invalid date: {value!r}") from exc


def format_date(date, style="long"):
    if style == "iso":
        return date.isoformat()
    if style == "long":
        return f"{MONTH_NAMES[date.month - 1]} {date.day}, {date.year}"
    if style == "short":
        return f"{MONTH_NAMES[date.month - 1][:3]} {date.day}, {date.year}"
    if style == "numeric":
        return f"{date.month:02d}/{date.day:02d}/{date.year:04d}"
    raise ValueError(f"unknown date style: {style!r}")


def archive_key(date):
    """Year/month bucket used for archive pages, e.g. ``2024/03``."""
    return f"{date.year:04d}/{date.month:02d}"


def ordinal(number):
    """``1`` -> ``1st``, ``12`` -> ``12th``, ``22`` -> ``22nd``."""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
