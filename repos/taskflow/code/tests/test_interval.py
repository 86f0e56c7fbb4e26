import pytest

from taskflow.errors import ConfigurationError
from taskflow.schedule.interval import IntervalSchedule


def test_next_after_strict():
    schedule = IntervalSchedule(60)
    assert schedule.next_after(0) == 60
    assert schedule.next_after(59.9) == 60
    assert schedule.next_after(60) == 120


def test_anchor_offsets_fire_times():
    schedule = IntervalSchedule(10, anchor=3)
    assert schedule.next_after(3) == 13
    assert schedule.next_after(14) == 23


def test_before_anchor_returns_anchor():
    schedule = IntervalSchedule(10, anchor=100)
    assert schedule.next_after(5) == 100


def test_duration_strings():
    assert IntervalSchedule("5m").every == 300


def test_previous_at_or_before():
    schedule = IntervalSchedule(10, anchor=5)
    assert schedule.previous_at_or_before(25) == 25
    assert schedule.previous_at_or_before(24.9) == 15
    assert schedule.previous_at_or_before(4) is None


def test_fires_between_half_open():
    schedule = IntervalSchedule(10)
    assert schedule.fires_between(10, 40) == [20, 30, 40]
    assert schedule.fires_between(11, 19) == []
    assert schedule.count_between(0, 100) == 10


def test_rejects_non_positive():
    with pytest.raises(ConfigurationError):
        IntervalSchedule(0)


def test_repr_and_exact_anchor():
    schedule = IntervalSchedule(15, anchor=30)
    assert repr(schedule) == "IntervalSchedule(every=15.0, anchor=30.0)"
    assert schedule.next_after(30) == 45
    assert schedule.previous_at_or_before(30) == 30


def test_small_positive_interval_allowed():
    assert IntervalSchedule(0.5).next_after(0) == 0.5
