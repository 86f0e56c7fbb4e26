"""A client-side rate limiter for model endpoints: requests and tokens per minute, shared by a run.

One ``RateLimiter`` serves every concurrent episode of a run, whether they call from worker threads
(the thread runner calls ``Policy.act``) or from coroutines on one event loop (``Policy.aact``).
It never holds its lock while waiting: ``reserve`` computes, under a ``threading.Lock``, the moment
a request may start and books it; the caller then sleeps until then with ``time.sleep`` or
``asyncio.sleep``. So a thread never blocks an event loop, and a coroutine never blocks a thread.

The schedule is smooth rather than bursty (a generic cell rate algorithm): request starts are
spaced at least ``60 / rpm`` seconds apart, and each request pushes the token schedule forward by
``tokens * 60 / tpm`` seconds, so no minute ever holds more than ``rpm`` requests (+1) or ``tpm``
tokens (+ one request's worth). Hosted endpoints enforce their per-minute limits over sub-minute
windows too, so a burst of a minute's budget at once would be refused anyway.

Tokens are not known until the response comes back: a request books an estimate up front and
``settle`` books the difference once the endpoint reports its usage. ``defer`` pushes every later
start back (an endpoint answered 429 with ``Retry-After``: every episode waits, not only the one
that was told).
"""

from __future__ import annotations

import asyncio
import threading
import time


class RateLimiter:
    """Shared limits on request starts. ``rpm`` / ``tpm`` of ``None`` or 0 mean no limit."""

    def __init__(self, rpm: float | None = None, tpm: float | None = None, clock=time.monotonic) -> None:
        for name, value in (("rpm", rpm), ("tpm", tpm)):
            if value is not None and value < 0:
                raise ValueError(f"{name} must be a positive number (or unset for no limit), got {value!r}")
        self.rpm = rpm or None
        self.tpm = tpm or None
        self._clock = clock
        self._lock = threading.Lock()
        self._next_request = 0.0  # earliest start of the next request, on ``clock``
        self._next_tokens = 0.0   # when the tokens booked so far have been paid for
        self._hold_until = 0.0    # a 429's Retry-After, for everyone

    def reserve(self, tokens: int = 0) -> float:
        """Book a request of about ``tokens`` tokens; returns the seconds to wait before sending it."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next_request, self._next_tokens, self._hold_until)
            if self.rpm:
                self._next_request = start + 60.0 / self.rpm
            if self.tpm:
                self._next_tokens = start + max(0, tokens) * 60.0 / self.tpm
            return start - now

    def settle(self, booked: int, used: int) -> None:
        """Correct a booking once the real token count is known (may give time back)."""
        if self.tpm and used != booked:
            with self._lock:
                self._next_tokens += (used - booked) * 60.0 / self.tpm

    def defer(self, seconds: float) -> None:
        """No request starts for ``seconds`` from now (the endpoint asked us to back off)."""
        with self._lock:
            self._hold_until = max(self._hold_until, self._clock() + max(0.0, seconds))

    def acquire(self, tokens: int = 0) -> None:
        """Wait, in this thread, until a request of ``tokens`` tokens may start."""
        delay = self.reserve(tokens)
        if delay > 0:
            time.sleep(delay)

    async def aacquire(self, tokens: int = 0) -> None:
        """Wait, without blocking the event loop, until a request of ``tokens`` tokens may start."""
        delay = self.reserve(tokens)
        if delay > 0:
            await asyncio.sleep(delay)
