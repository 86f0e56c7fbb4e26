import pytest

from taskflow.errors import ConfigurationError
from taskflow.execution.jitter import (
    DecorrelatedJitter,
    EqualJitter,
    FullJitter,
    NoJitter,
    ProportionalJitter,
    make_jitter,
)


def test_no_jitter_is_identity():
    assert NoJitter().apply(7.5) == 7.5


def test_full_jitter_bounds_and_determinism():
    a, b = FullJitter(seed=42), FullJitter(seed=42)
    values = [a.apply(10) for _ in range(50)]
    assert values == [b.apply(10) for _ in range(50)]
    assert all(0 <= v <= 10 for v in values)
    assert len(set(values)) > 40


def test_different_seeds_differ():
    assert FullJitter(seed=1).apply(10) != FullJitter(seed=2).apply(10)


def test_equal_jitter_at_least_half():
    jitter = EqualJitter(seed=3)
    values = [jitter.apply(8) for _ in range(100)]
    assert min(values) >= 4
    assert max(values) <= 8
    assert max(values) > 7


def test_proportional_jitter_range():
    jitter = ProportionalJitter(0.2, seed=5)
    values = [jitter.apply(100) for _ in range(100)]
    assert min(values) >= 80
    assert max(values) <= 120
    assert min(values) < 90 and max(values) > 110


def test_proportional_jitter_fraction_validation():
    with pytest.raises(ConfigurationError):
        ProportionalJitter(1.5)


def test_decorrelated_jitter_respects_cap_and_base():
    jitter = DecorrelatedJitter(base=1, cap=20, seed=9)
    values = [jitter.apply(0) for _ in range(200)]
    assert min(values) >= 1
    assert max(values) <= 20
    assert values.count(20) > 0


def test_decorrelated_jitter_grows_from_previous():
    jitter = DecorrelatedJitter(base=1, cap=1000, seed=0)
    first = jitter.apply(0)
    assert 1 <= first <= 3
    second = jitter.apply(0)
    assert 1 <= second <= first * 3
    jitter.reset()
    assert jitter._previous == 1


def test_decorrelated_validation():
    with pytest.raises(ConfigurationError):
        DecorrelatedJitter(base=5, cap=1)
    with pytest.raises(ConfigurationError):
        DecorrelatedJitter(base=0, cap=1)


def test_make_jitter():
    assert isinstance(make_jitter(None), NoJitter)
    assert isinstance(make_jitter("Full"), FullJitter)
    assert isinstance(make_jitter("equal"), EqualJitter)
    assert make_jitter("proportional", fraction=0.3).fraction == 0.3
    assert make_jitter("decorrelated", base=2, cap=9).cap == 9
    with pytest.raises(ConfigurationError):
        make_jitter("chaotic")


def test_make_jitter_passes_seed():
    assert make_jitter("full", seed=11).apply(10) == FullJitter(11).apply(10)


def test_default_seeds_are_zero():
    assert FullJitter().apply(10) == FullJitter(seed=0).apply(10)
    assert EqualJitter().apply(10) == EqualJitter(seed=0).apply(10)
    assert ProportionalJitter().apply(10) == ProportionalJitter(0.1, seed=0).apply(10)
    assert DecorrelatedJitter(1, 10).apply(0) == DecorrelatedJitter(1, 10, seed=0).apply(0)
    assert make_jitter("full").apply(10) == FullJitter(seed=0).apply(10)


def test_full_jitter_can_go_near_zero():
    jitter = FullJitter(seed=1)
    values = [jitter.apply(1) for _ in range(50)]
    assert min(values) < 0.1


def test_equal_jitter_can_go_near_half():
    jitter = EqualJitter(seed=1)
    values = [jitter.apply(2) for _ in range(50)]
    assert min(values) < 1.05


def test_proportional_exact_value():
    import random

    reference = random.Random(5)
    assert ProportionalJitter(0.2, seed=5).apply(100) == 100 * (1 + reference.uniform(-0.2, 0.2))


def test_proportional_fraction_bounds_inclusive():
    assert ProportionalJitter(0.0).apply(7) == 7
    assert ProportionalJitter(1.0).fraction == 1.0
    with pytest.raises(ConfigurationError):
        ProportionalJitter(-0.1)


def test_decorrelated_base_equal_cap_allowed():
    assert DecorrelatedJitter(base=2, cap=2).apply(0) == 2


def test_make_jitter_defaults():
    assert make_jitter("proportional").fraction == 0.1
    decorrelated = make_jitter("decorrelated")
    assert (decorrelated.base, decorrelated.cap) == (1.0, 60.0)
