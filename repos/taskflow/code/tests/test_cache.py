import pytest

from taskflow.core.clock import SimulatedClock
from taskflow.errors import ConfigurationError
from taskflow.execution.cache import MISS, ResultCache
from taskflow.execution.hashing import fingerprint


def test_miss_then_hit():
    cache = ResultCache(SimulatedClock())
    assert cache.get("k") is MISS
    cache.put("k", 0)
    assert cache.get("k") == 0
    assert (cache.stats.hits, cache.stats.misses) == (1, 1)
    assert cache.stats.hit_rate == 0.5


def test_falsy_values_are_cached():
    cache = ResultCache(SimulatedClock())
    cache.put("none", None)
    assert cache.get("none") is None
    assert cache.stats.hits == 1


def test_get_default():
    assert ResultCache(SimulatedClock()).get("x", default="d") == "d"


def test_lru_eviction_order():
    cache = ResultCache(SimulatedClock(), max_entries=2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.get("a")
    cache.put("c", 3)
    assert cache.keys() == ["a", "c"]
    assert cache.stats.evictions == 1


def test_put_existing_refreshes_recency():
    cache = ResultCache(SimulatedClock(), max_entries=2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 10)
    cache.put("c", 3)
    assert cache.keys() == ["a", "c"]
    assert cache.get("a") == 10


def test_ttl_expiry_boundary():
    clock = SimulatedClock(0)
    cache = ResultCache(clock, ttl=10)
    cache.put("k", "v")
    clock.advance(9.999)
    assert cache.get("k") == "v"
    clock.advance(0.001)
    assert cache.get("k") is MISS
    assert cache.stats.expirations == 1
    assert len(cache) == 0


def test_put_resets_ttl():
    clock = SimulatedClock(0)
    cache = ResultCache(clock, ttl=10)
    cache.put("k", 1)
    clock.advance(8)
    cache.put("k", 2)
    clock.advance(8)
    assert cache.get("k") == 2


def test_purge_expired():
    clock = SimulatedClock(0)
    cache = ResultCache(clock, ttl=5)
    cache.put("old", 1)
    clock.advance(3)
    cache.put("new", 2)
    clock.advance(2)
    assert cache.purge_expired() == 1
    assert cache.keys() == ["new"]


def test_invalidate_and_clear():
    cache = ResultCache(SimulatedClock())
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.invalidate("a") is True
    assert cache.invalidate("a") is False
    cache.clear()
    assert len(cache) == 0


def test_validation():
    with pytest.raises(ConfigurationError):
        ResultCache(SimulatedClock(), max_entries=0)
    with pytest.raises(ConfigurationError):
        ResultCache(SimulatedClock(), ttl=0)


def test_call_computes_once_per_inputs():
    cache = ResultCache(SimulatedClock())
    calls = []

    def square(x):
        calls.append(x)
        return x * x

    assert cache.call("sq", square, 3) == 9
    assert cache.call("sq", square, 3) == 9
    assert cache.call("sq", square, 4) == 16
    assert calls == [3, 4]
    assert fingerprint("sq", (3,), {}) in cache.keys()


def test_miss_sentinel_is_falsy_and_named():
    assert repr(MISS) == "MISS"
    assert bool(MISS) is False


def test_defaults_and_minimum_sizes():
    clock = SimulatedClock()
    assert ResultCache(clock).max_entries == 128
    tiny = ResultCache(clock, max_entries=1, ttl=1)
    tiny.put("a", 1)
    tiny.put("b", 2)
    assert tiny.keys() == ["b"]
    assert ResultCache(clock).stats.hit_rate == 0.0


def test_expired_read_counts_as_miss():
    clock = SimulatedClock(0)
    cache = ResultCache(clock, ttl=1)
    cache.put("k", 1)
    clock.advance(1)
    cache.get("k")
    assert (cache.stats.hits, cache.stats.misses) == (0, 1)
