import pytest

from taskflow.core.clock import SimulatedClock
from taskflow.errors import ConfigurationError, RateLimitExceeded
from taskflow.limits.quota import DAY, DailyQuota


def test_consume_until_exhausted():
    quota = DailyQuota(3, SimulatedClock(0))
    assert quota.consume() == 2
    assert quota.consume(2) == 0
    with pytest.raises(RateLimitExceeded) as info:
        quota.consume()
    assert info.value.retry_after == DAY


def test_resets_at_midnight_utc():
    clock = SimulatedClock(DAY - 1)
    quota = DailyQuota(1, clock)
    quota.consume()
    assert quota.remaining == 0
    clock.advance(1)
    assert quota.used == 0
    assert quota.remaining == 1


def test_reset_hour_offsets_day():
    clock = SimulatedClock(5 * 3600)  # 05:00 UTC
    quota = DailyQuota(2, clock, reset_hour=6)
    quota.consume(2)
    assert quota.next_reset() == 6 * 3600
    clock.set(6 * 3600 - 1)
    assert quota.remaining == 0
    clock.set(6 * 3600)
    assert quota.remaining == 2
    assert quota.next_reset() == DAY + 6 * 3600


def test_validation():
    with pytest.raises(ConfigurationError):
        DailyQuota(-1, SimulatedClock())
    with pytest.raises(ConfigurationError):
        DailyQuota(1, SimulatedClock(), reset_hour=24)
    with pytest.raises(ConfigurationError):
        DailyQuota(1, SimulatedClock()).consume(0)


def test_failed_consume_does_not_use_quota():
    quota = DailyQuota(2, SimulatedClock(0))
    quota.consume()
    with pytest.raises(RateLimitExceeded):
        quota.consume(2)
    assert quota.used == 1


def test_day_length_and_retry_after_mid_day():
    clock = SimulatedClock(3600)
    quota = DailyQuota(0, clock)
    assert quota.next_reset() == 86400
    with pytest.raises(RateLimitExceeded) as info:
        quota.consume()
    assert info.value.retry_after == 86400 - 3600


def test_zero_limit_and_last_reset_hour_allowed():
    assert DailyQuota(0, SimulatedClock()).remaining == 0
    assert DailyQuota(1, SimulatedClock(), reset_hour=23).next_reset() == 23 * 3600
