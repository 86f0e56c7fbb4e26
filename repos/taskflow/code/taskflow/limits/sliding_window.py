"""Sliding window rate limiters (exact log and weighted counter)."""

import math
from collections import deque

from taskflow.errors import ConfigurationError, RateLimitExceeded


class SlidingWindowLog:
    """Allows at most ``limit`` events in any ``window`` seconds."""

    def __init__(self, limit, window, clock):
        if limit < 1 or window <= 0:
            raise ConfigurationError("sliding window needs limit >= 1 and window > 0")
        self.limit = limit
        self.window = float(window)
        self.clock = clock
        self._events = deque()

    def _evict(self, now):
        boundary = now - self.window
        while self._events and self._events[0] <= boundary:
            self._events.popleft()

    def count(self):
        self._evict(self.clock.now())
        return len(self._events)

    def allow(self):
        now = self.clock.now()
        self._evict(now)
        if len(self._events) < self.limit:
            self._events.append(now)
            return True
        return False

    def retry_after(self):
        """Seconds until another event would be allowed."""
        now = self.clock.now()
        self._evict(now)
        if len(self._events) < self.limit:
            return 0.0
        return self._events[0] + self.window - now

    def check(self):
        if not self.allow():
            raise RateLimitExceeded(self.retry_after())


class SlidingWindowCounter:
    """Approximate limiter weighting the previous fixed window's count."""

    def __init__(self, limit, window, clock):
        if limit < 1 or window <= 0:
            raise ConfigurationError("sliding window needs limit >= 1 and window > 0")
        self.limit = limit
        self.window = float(window)
        self.clock = clock
        self._window_index = math.floor(clock.now() / self.window)
        self._current = 0
        self._previous = 0

    def _roll(self, now):
        index = math.floor(now / self.window)
        if index == self._window_index:
            return
        self._previous = self._current if index == self._window_index + 1 else 0
        self._current = 0
        self._window_index = index

    def estimated(self):
        now = self.clock.now()
        self._roll(now)
        elapsed_fraction = (now - self._window_index * self.window) / self.window
        return self._previous * (1.0 - elapsed_fraction) + self._current

    def allow(self):
        if self.estimated() + 1 > self.limit:
            return False
        self._current += 1
        return True
