"""Daily quotas that reset at a fixed UTC hour."""

import math

from taskflow.errors import ConfigurationError, RateLimitExceeded

DAY = 86400.0


class DailyQuota:
    """At most ``limit`` units per day; the day starts at ``reset_hour`` UTC."""

    def __init__(self, limit, clock, reset_hour=0):
        if limit < 0:
            raise ConfigurationError("quota limit must not be negative")
        if not 0 <= reset_hour <= 23:
            raise ConfigurationError("reset hour must be within 0-23")
        self.limit = limit
        self.clock = clock
        self.reset_hour = reset_hour
        self._period = self._period_of(clock.now())
        self._used = 0

    def _period_of(self, timestamp):
        return math.floor((timestamp - self.reset_hour * 3600) / DAY)

    def _sync(self):
        period = self._period_of(self.clock.now())
        if period != self._period:
            self._period = period
            self._used = 0

    @property
    def used(self):
        self._sync()
        return self._used

    @property
    def remaining(self):
        return max(0, self.limit - self.used)

    def next_reset(self):
        self._sync()
        return (self._period + 1) * DAY + self.reset_hour * 3600

    def consume(self, amount=1):
        if amount < 1:
            raise ConfigurationError("must consume at least one unit")
        self._sync()
        if self._used + amount > self.limit:
            raise RateLimitExceeded(self.next_reset() - self.clock.now())
        self._used += amount
        return self.limit - self._used
