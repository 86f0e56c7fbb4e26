import pytest

from taskflow.core.clock import SimulatedClock
from taskflow.errors import ConfigurationError, RateLimitExceeded
from taskflow.limits.token_bucket import TokenBucket


def test_starts_full_and_drains():
    bucket = TokenBucket(3, 1, SimulatedClock())
    assert [bucket.try_acquire() for _ in range(4)] == [True, True, True, False]


def test_refills_over_time_up_to_capacity():
    clock = SimulatedClock(0)
    bucket = TokenBucket(5, 2, clock, initial=0)
    clock.advance(1.5)
    assert bucket.tokens == 3
    clock.advance(100)
    assert bucket.tokens == 5


def test_initial_clamped_to_capacity():
    assert TokenBucket(2, 1, SimulatedClock(), initial=10).tokens == 2


def test_multi_token_acquire():
    clock = SimulatedClock(0)
    bucket = TokenBucket(10, 1, clock, initial=4)
    assert not bucket.try_acquire(5)
    assert bucket.try_acquire(4)
    assert bucket.tokens == 0


def test_wait_time():
    clock = SimulatedClock(0)
    bucket = TokenBucket(10, 4, clock, initial=1)
    assert bucket.wait_time(1) == 0
    assert bucket.wait_time(3) == 0.5


def test_acquire_raises_with_retry_after():
    bucket = TokenBucket(1, 0.5, SimulatedClock(), initial=0)
    with pytest.raises(RateLimitExceeded) as info:
        bucket.acquire()
    assert info.value.retry_after == 2


def test_acquire_blocking_sleeps_on_clock():
    clock = SimulatedClock(0)
    bucket = TokenBucket(2, 1, clock, initial=0)
    assert bucket.acquire_blocking(2) == 2
    assert clock.now() == 2
    assert bucket.tokens == 0


def test_request_larger_than_capacity():
    bucket = TokenBucket(2, 1, SimulatedClock())
    with pytest.raises(ConfigurationError):
        bucket.try_acquire(3)
    with pytest.raises(ConfigurationError):
        bucket.wait_time(0)


def test_constructor_validation():
    with pytest.raises(ConfigurationError):
        TokenBucket(0, 1, SimulatedClock())
    with pytest.raises(ConfigurationError):
        TokenBucket(1, 0, SimulatedClock())


def test_default_amounts_and_successful_acquire():
    clock = SimulatedClock(0)
    bucket = TokenBucket(3, 1, clock, initial=1)
    assert bucket.wait_time() == 0
    bucket.acquire()
    assert bucket.wait_time() == 1
    assert bucket.acquire_blocking() == 1
    assert clock.now() == 1


def test_acquire_blocking_without_wait_keeps_remaining_tokens():
    clock = SimulatedClock(0)
    bucket = TokenBucket(5, 1, clock)
    assert bucket.acquire_blocking(2) == 0
    assert bucket.tokens == 3
    assert clock.now() == 0
