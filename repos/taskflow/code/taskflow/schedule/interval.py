"""Fixed-interval schedules anchored at a reference instant."""

import math

from taskflow.errors import ConfigurationError
from taskflow.schedule.durations import parse_duration


class IntervalSchedule:
    """Fires at ``anchor + k * every`` for every integer ``k >= 0``."""

    def __init__(self, every, anchor=0.0):
        self.every = parse_duration(every)
        if self.every <= 0:
            raise ConfigurationError("interval must be positive")
        self.anchor = float(anchor)

    def __repr__(self):
        return f"IntervalSchedule(every={self.every}, anchor={self.anchor})"

    def next_after(self, timestamp):
        """The first fire time strictly after ``timestamp``."""
        if timestamp < self.anchor:
            return self.anchor
        periods = math.floor((timestamp - self.anchor) / self.every) + 1
        return self.anchor + periods * self.every

    def previous_at_or_before(self, timestamp):
        if timestamp < self.anchor:
            return None
        periods = math.floor((timestamp - self.anchor) / self.every)
        return self.anchor + periods * self.every

    def fires_between(self, start, end):
        """All fire times ``t`` with ``start < t <= end``."""
        times = []
        current = self.next_after(start)
        while current <= end:
            times.append(current)
            current += self.every
        return times

    def count_between(self, start, end):
        return len(self.fires_between(start, end))
