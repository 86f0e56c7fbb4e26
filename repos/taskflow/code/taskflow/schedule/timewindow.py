"""Daily time windows (business hours, maintenance blackouts)."""

from datetime import timedelta

from taskflow.errors import ConfigurationError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60


def parse_hhmm(text):
    """``"09:30"`` -> 570 minutes after midnight; ``"24:00"`` is allowed."""
    hours, sep, minutes = text.partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ConfigurationError(f"invalid time of day: {text!r}")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > MINUTES_PER_DAY:
        raise ConfigurationError(f"invalid time of day: {text!r}")
    return value


def parse_days(days):
    if days is None:
        return frozenset(range(7))
    result = set()
    for day in days:
        if isinstance(day, int):
            if not 0 <= day <= 6:
                raise ConfigurationError(f"weekday out of range: {day}")
            result.add(day)
        else:
            key = str(day).strip().lower()[:3]
            if key not in DAY_NAMES:
                raise ConfigurationError(f"unknown weekday: {day!r}")
            result.add(DAY_NAMES.index(key))
    return frozenset(result)


class TimeWindow:
    """A window ``[start, end)`` repeated on selected weekdays (Monday = 0).

    If ``end`` is earlier than ``start`` the window wraps past midnight; the
    part after midnight belongs to the weekday on which the window opened.
    """

    def __init__(self, start, end, days=None):
        self.start = parse_hhmm(start)
        self.end = parse_hhmm(end)
        if self.start == self.end:
            raise ConfigurationError("time window must not be empty")
        self.days = parse_days(days)

    @property
    def wraps(self):
        return self.end < self.start

    def contains(self, moment):
        minute = moment.hour * 60 + moment.minute
        weekday = moment.weekday()
        if not self.wraps:
            return weekday in self.days and self.start <= minute < self.end
        if minute >= self.start:
            return weekday in self.days
        if minute < self.end:
            return (weekday - 1) % 7 in self.days
        return False

    def end_of_occurrence(self, moment):
        """End instant of the occurrence containing ``moment``."""
        if not self.contains(moment):
            raise ConfigurationError("moment is not inside the window")
        midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        minute = moment.hour * 60 + moment.minute
        if self.wraps and minute >= self.start:
            return midnight + timedelta(days=1, minutes=self.end)
        return midnight + timedelta(minutes=self.end)


class BlackoutCalendar:
    """A set of windows during which jobs must not start."""

    def __init__(self, windows=()):
        self.windows = list(windows)

    def add(self, window):
        self.windows.append(window)

    def is_blocked(self, moment):
        return any(window.contains(moment) for window in self.windows)

    def next_allowed(self, moment):
        """The earliest instant at or after ``moment`` outside every window."""
        current = moment
        for _ in range(len(self.windows) * 16 + 1):
            active = [w for w in self.windows if w.contains(current)]
            if not active:
                return current
            current = max(w.end_of_occurrence(current) for w in active)
        raise ConfigurationError("blackout windows cover all time")
