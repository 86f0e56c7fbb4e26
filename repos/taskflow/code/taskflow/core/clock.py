"""Injectable clocks.

Nothing in taskflow reads the wall clock directly.  Components receive a
clock object whose ``now()`` returns POSIX seconds as a float.
"""

from datetime import datetime, timezone

from taskflow.errors import ConfigurationError


def to_datetime(timestamp):
    """Convert POSIX seconds to a naive UTC datetime."""
    return datetime.fromtimestamp(timestamp, timezone.utc).replace(tzinfo=None)


def from_datetime(moment):
    """Convert a naive (UTC) or aware datetime to POSIX seconds."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


class Clock:
    """Interface of all clocks."""

    def now(self):
        raise NotImplementedError

    def now_datetime(self):
        return to_datetime(self.now())

    def sleep(self, seconds):
        raise NotImplementedError


class FixedClock(Clock):
    """A clock frozen at one instant; sleeping is not allowed."""

    def __init__(self, timestamp):
        self._timestamp = float(timestamp)

    def now(self):
        return self._timestamp

    def sleep(self, seconds):
        raise ConfigurationError("a FixedClock cannot sleep")


class SimulatedClock(Clock):
    """A manually driven clock used for simulation and tests.

    Time only moves forward, through :meth:`advance`, :meth:`sleep` or
    :meth:`set`.  Registered alarms fire when time passes their instant.
    """

    def __init__(self, start=0.0):
        self._now = float(start)
        self._alarms = []
        self._alarm_seq = 0

    def now(self):
        return self._now

    def advance(self, seconds):
        if seconds < 0:
            raise ConfigurationError(f"cannot advance by a negative amount: {seconds}")
        self._move_to(self._now + seconds)
        return self._now

    def sleep(self, seconds):
        self.advance(seconds)

    def set(self, timestamp):
        if timestamp < self._now:
            raise ConfigurationError("a simulated clock cannot go backwards")
        self._move_to(float(timestamp))
        return self._now

    def call_at(self, timestamp, callback):
        """Run ``callback(timestamp)`` once the clock reaches ``timestamp``."""
        self._alarm_seq += 1
        self._alarms.append((timestamp, self._alarm_seq, callback))
        self._alarms.sort(key=lambda alarm: (alarm[0], alarm[1]))
        return self._alarm_seq

    def pending_alarms(self):
        return len(self._alarms)

    def _move_to(self, target):
        while self._alarms and self._alarms[0][0] <= target:
            when, _seq, callback = self._alarms.pop(0)
            self._now = max(self._now, when)
            callback(when)
        self._now = target
