from datetime import datetime

import pytest

from taskflow.core.clock import FixedClock, SimulatedClock, from_datetime, to_datetime
from taskflow.errors import ConfigurationError


def test_to_datetime_epoch():
    assert to_datetime(0) == datetime(1970, 1, 1)


def test_round_trip_datetime():
    moment = datetime(2024, 2, 29, 13, 45)
    assert to_datetime(from_datetime(moment)) == moment


def test_from_datetime_known_value():
    assert from_datetime(datetime(2024, 1, 1)) == 1704067200.0


def test_fixed_clock_is_constant_and_cannot_sleep():
    clock = FixedClock(12.5)
    assert clock.now() == 12.5
    with pytest.raises(ConfigurationError):
        clock.sleep(1)


def test_simulated_clock_advance_and_sleep():
    clock = SimulatedClock(100)
    assert clock.advance(5) == 105
    clock.sleep(2.5)
    assert clock.now() == 107.5


def test_simulated_clock_rejects_negative_advance():
    with pytest.raises(ConfigurationError):
        SimulatedClock().advance(-1)


def test_simulated_clock_set_forward_only():
    clock = SimulatedClock(10)
    assert clock.set(20) == 20
    with pytest.raises(ConfigurationError):
        clock.set(19)


def test_now_datetime():
    assert SimulatedClock(86400).now_datetime() == datetime(1970, 1, 2)


def test_alarms_fire_in_order_when_time_passes():
    clock = SimulatedClock(0)
    fired = []
    clock.call_at(5, lambda t: fired.append(("b", t, clock.now())))
    clock.call_at(3, lambda t: fired.append(("a", t, clock.now())))
    clock.advance(4)
    assert fired == [("a", 3, 3)]
    assert clock.pending_alarms() == 1
    clock.advance(1)
    assert fired[-1] == ("b", 5, 5)
    assert clock.now() == 5


def test_alarm_at_exact_time_fires():
    clock = SimulatedClock(0)
    fired = []
    clock.call_at(10, fired.append)
    clock.set(10)
    assert fired == [10]


def test_from_datetime_respects_aware_offset():
    from datetime import timedelta, timezone

    aware = datetime(2024, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=1)))
    assert from_datetime(aware) == 1704067200.0


def test_default_start_and_set_to_same_instant():
    clock = SimulatedClock()
    assert clock.now() == 0.0
    assert clock.set(0) == 0


def test_call_at_returns_increasing_ids_and_ties_fire_in_registration_order():
    clock = SimulatedClock(0)
    fired = []
    assert clock.call_at(2, lambda t: fired.append("first")) == 1
    assert clock.call_at(2, lambda t: fired.append("second")) == 2
    clock.advance(2)
    assert fired == ["first", "second"]
