import pytest

from taskflow.errors import ConfigurationError
from taskflow.limits.concurrency import ConcurrencyLimiter


def test_default_limit_applies_per_key():
    limiter = ConcurrencyLimiter(default_limit=2)
    assert limiter.try_acquire("a")
    assert limiter.try_acquire("a")
    assert not limiter.try_acquire("a")
    assert limiter.try_acquire("b")
    assert limiter.rejected == 1


def test_per_key_override():
    limiter = ConcurrencyLimiter(default_limit=1, limits={"db": 3})
    assert limiter.limit_for("db") == 3
    assert limiter.limit_for("other") == 1
    assert all(limiter.try_acquire("db") for _ in range(3))
    assert limiter.available("db") == 0


def test_release_frees_slot():
    limiter = ConcurrencyLimiter()
    limiter.try_acquire("k")
    limiter.release("k")
    assert limiter.in_use("k") == 0
    assert limiter.busy_keys() == []
    assert limiter.try_acquire("k")


def test_release_without_acquire():
    with pytest.raises(ConfigurationError):
        ConcurrencyLimiter().release("k")


def test_partial_release_keeps_count():
    limiter = ConcurrencyLimiter(default_limit=3)
    for _ in range(3):
        limiter.try_acquire("k")
    limiter.release("k")
    assert limiter.in_use("k") == 2
    assert limiter.busy_keys() == ["k"]


def test_set_limit_and_validation():
    limiter = ConcurrencyLimiter()
    limiter.set_limit("x", 4)
    assert limiter.available("x") == 4
    with pytest.raises(ConfigurationError):
        limiter.set_limit("x", 0)
    with pytest.raises(ConfigurationError):
        ConcurrencyLimiter(default_limit=0)
    with pytest.raises(ConfigurationError):
        ConcurrencyLimiter(limits={"y": 0})


def test_limit_of_one_is_valid_everywhere():
    limiter = ConcurrencyLimiter(default_limit=1, limits={"a": 1})
    limiter.set_limit("b", 1)
    assert limiter.try_acquire("a") is True
    assert limiter.try_acquire("a") is False
    assert ConcurrencyLimiter().limit_for("zzz") == 1
