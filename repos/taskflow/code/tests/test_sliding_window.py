import pytest

from taskflow.core.clock import SimulatedClock
from taskflow.errors import ConfigurationError, RateLimitExceeded
from taskflow.limits.sliding_window import SlidingWindowCounter, SlidingWindowLog


def test_log_allows_up_to_limit():
    limiter = SlidingWindowLog(3, 10, SimulatedClock(0))
    assert [limiter.allow() for _ in range(4)] == [True, True, True, False]
    assert limiter.count() == 3


def test_log_events_expire_after_window():
    clock = SimulatedClock(0)
    limiter = SlidingWindowLog(2, 10, clock)
    limiter.allow()
    clock.advance(4)
    limiter.allow()
    clock.advance(5.9)
    assert not limiter.allow()
    clock.advance(0.1)
    assert limiter.allow()
    assert limiter.count() == 2


def test_log_retry_after():
    clock = SimulatedClock(0)
    limiter = SlidingWindowLog(1, 10, clock)
    assert limiter.retry_after() == 0
    limiter.allow()
    clock.advance(3)
    assert limiter.retry_after() == 7


def test_log_check_raises():
    limiter = SlidingWindowLog(1, 5, SimulatedClock(0))
    limiter.check()
    with pytest.raises(RateLimitExceeded) as info:
        limiter.check()
    assert info.value.retry_after == 5


def test_validation():
    with pytest.raises(ConfigurationError):
        SlidingWindowLog(0, 1, SimulatedClock())
    with pytest.raises(ConfigurationError):
        SlidingWindowCounter(1, 0, SimulatedClock())


def test_counter_within_single_window():
    limiter = SlidingWindowCounter(2, 60, SimulatedClock(0))
    assert [limiter.allow() for _ in range(3)] == [True, True, False]


def test_counter_weights_previous_window():
    clock = SimulatedClock(0)
    limiter = SlidingWindowCounter(10, 60, clock)
    for _ in range(10):
        assert limiter.allow()
    clock.set(90)  # halfway through the next window
    assert limiter.estimated() == 5
    assert sum(limiter.allow() for _ in range(10)) == 5


def test_counter_forgets_after_two_windows():
    clock = SimulatedClock(0)
    limiter = SlidingWindowCounter(4, 60, clock)
    for _ in range(4):
        limiter.allow()
    clock.set(125)
    assert limiter.estimated() == 0


def test_minimal_valid_configuration():
    clock = SimulatedClock(0)
    assert SlidingWindowLog(1, 0.5, clock).allow() is True
    assert SlidingWindowCounter(1, 0.5, clock).allow() is True
    with pytest.raises(ConfigurationError):
        SlidingWindowLog(1, 0, clock)
    with pytest.raises(ConfigurationError):
        SlidingWindowCounter(0, 1, clock)


def test_counter_starting_mid_window_uses_clock_window():
    clock = SimulatedClock(130)  # window index 2 for a 60s window, 10s into it
    limiter = SlidingWindowCounter(2, 60, clock)
    assert limiter.allow() and limiter.allow()
    clock.set(150)  # still the same window
    assert not limiter.allow()
    clock.set(180)  # next window, previous fully weighted at its start
    assert limiter.estimated() == 2
