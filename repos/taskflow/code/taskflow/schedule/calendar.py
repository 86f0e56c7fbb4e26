"""Calendar arithmetic helpers used by schedules and windows."""

from datetime import datetime, timedelta

MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def is_leap_year(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year, month):
    if not 1 <= month <= 12:
        raise ValueError(f"month out of range: {month}")
    if month == 2 and is_leap_year(year):
        return 29
    return MONTH_DAYS[month - 1]


def cron_weekday(moment):
    """Day of week in cron numbering: Sunday = 0 ... Saturday = 6."""
    return (moment.weekday() + 1) % 7


def truncate_to_minute(moment):
    return moment.replace(second=0, microsecond=0)


def next_minute(moment):
    """The first whole minute strictly after ``moment``."""
    return truncate_to_minute(moment) + timedelta(minutes=1)


def start_of_day(moment):
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def start_of_next_day(moment):
    return start_of_day(moment) + timedelta(days=1)


def start_of_next_hour(moment):
    return moment.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def start_of_next_month(moment):
    if moment.month == 12:
        return datetime(moment.year + 1, 1, 1)
    return datetime(moment.year, moment.month + 1, 1)


def add_months(moment, months):
    """Shift by whole months, clamping the day to the target month's length."""
    index = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    day = min(moment.day, days_in_month(year, month))
    return moment.replace(year=year, month=month, day=day)


def last_day_of_month(moment):
    return days_in_month(moment.year, moment.month)
