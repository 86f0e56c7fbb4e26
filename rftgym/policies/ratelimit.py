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

Across processes (``backend="ray"``) the run's limiter is one ``RateLimiter`` living in a Ray actor,
on the wall clock; each rollout actor's policy talks to it through ``RemoteRateLimiter``, which has
the same methods: ``reserve`` is a round trip to the actor that books a start time, and the caller
sleeps until that time (not for a delay, so a slow reply does not push its request late; across
nodes this trusts their clocks to agree, as NTP keeps them); ``settle`` and ``defer`` are sent
without waiting (Ray runs one caller's calls to an actor in the order they were sent, so a
``defer`` lands before that caller's next ``reserve``).
"""

from __future__ import annotations

import asyncio
import threading
import time


class _Waits:
    """``acquire``/``aacquire`` for a limiter that has ``reserve`` (and ``areserve`` for event loops)."""

    def reserve(self, tokens: int = 0) -> float:
        raise NotImplementedError

    async def areserve(self, tokens: int = 0) -> float:
        return self.reserve(tokens)

    def acquire(self, tokens: int = 0) -> None:
        """Wait, in this thread, until a request of ``tokens`` tokens may start."""
        delay = self.reserve(tokens)
        if delay > 0:
            time.sleep(delay)

    async def aacquire(self, tokens: int = 0) -> None:
        """Wait, without blocking the event loop, until a request of ``tokens`` tokens may start."""
        delay = await self.areserve(tokens)
        if delay > 0:
            await asyncio.sleep(delay)


class RateLimiter(_Waits):
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

    def book(self, tokens: int = 0) -> float:
        """Book a request of about ``tokens`` tokens; returns the moment, on ``clock``, it may start."""
        with self._lock:
            start = max(self._clock(), self._next_request, self._next_tokens, self._hold_until)
            if self.rpm:
                self._next_request = start + 60.0 / self.rpm
            if self.tpm:
                self._next_tokens = start + max(0, tokens) * 60.0 / self.tpm
            return start

    def reserve(self, tokens: int = 0) -> float:
        """Book a request of about ``tokens`` tokens; returns the seconds to wait before sending it."""
        return max(0.0, self.book(tokens) - self._clock())

    def settle(self, booked: int, used: int) -> None:
        """Correct a booking once the real token count is known (may give time back)."""
        if self.tpm and used != booked:
            with self._lock:
                self._next_tokens += (used - booked) * 60.0 / self.tpm

    def defer(self, seconds: float) -> None:
        """No request starts for ``seconds`` from now (the endpoint asked us to back off)."""
        with self._lock:
            self._hold_until = max(self._hold_until, self._clock() + max(0.0, seconds))


class RemoteRateLimiter(_Waits):
    """A ``RateLimiter`` in a Ray actor, shared by every process of a run (see the module docstring)."""

    def __init__(self, handle, rpm: float | None = None, tpm: float | None = None) -> None:
        self._handle = handle
        self.rpm, self.tpm = rpm, tpm  # what the actor keeps to, for ``Policy.rate_limits``

    def reserve(self, tokens: int = 0) -> float:
        import ray

        return max(0.0, ray.get(self._handle.book.remote(tokens)) - time.time())

    def settle(self, booked: int, used: int) -> None:
        self._handle.settle.remote(booked, used)

    async def areserve(self, tokens: int = 0) -> float:
        return max(0.0, await self._handle.book.remote(tokens) - time.time())

    def defer(self, seconds: float) -> None:
        self._handle.defer.remote(seconds)
