"""Calendar helpers: month arithmetic, business days and ISO parsing."""

from datetime import date, timedelta

from ledger.core.errors import ParseError


def is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year: int, month: int) -> int:
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, got {month}")
    if month == 2:
        return 29 if is_leap(year) else 28
    if month in (4, 6, 9, 11):
        return 30
    return 31


def end_of_month(d: date) -> date:
    return date(d.year, d.month, days_in_month(d.year, d.month))


def start_of_month(d: date) -> date:
    return date(d.year, d.month, 1)


def add_months(d: date, months: int) -> date:
    """Shift by whole months, clamping the day to the target month's length."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, days_in_month(year, month)))


def add_days(d: date, days: int) -> date:
    return d + timedelta(days=days)


def quarter_of(d: date) -> int:
    return (d.month - 1) // 3 + 1


def is_business_day(d: date, holidays=()) -> bool:
    return d.weekday() < 5 and d not in holidays


def next_business_day(d: date, holidays=()) -> date:
    """``d`` itself if it is a business day, otherwise the following one."""
    while not is_business_day(d, holidays):
        d += timedelta(days=1)
    return d


def business_days_between(start: date, end: date, holidays=()) -> int:
    """Business days after ``start`` up to and including ``end``."""
    if end <= start:
        return 0
    count = 0
    d = start + timedelta(days=1)
    while d <= end:
        if is_business_day(d, holidays):
            count += 1
        d += timedelta(days=1)
    return count


def parse_iso_date(text: str) -> date:
    """Parse ``YYYY-MM-DD``; raises ParseError on anything else."""
    if not isinstance(text, str):
        raise ParseError(f"expected a date string, got {text!r}")
    s = text.strip()
    parts = s.split("-")
    if len(parts) != 3 or len(parts[0]) != 4 or not all(p.isdigit() for p in parts):
        raise ParseError(f"not an ISO date: {text!r}")
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError as exc:
        raise ParseError(f"invalid date {text!r}: {exc}") from None


def date_range(start: date, end: date):
    """Yield every date from ``start`` to ``end`` inclusive."""
    d = start
    while d <= end:
        yield d
        d += timedelta(days=1)
