from datetime import datetime

import pytest

from taskflow.errors import ConfigurationError
from taskflow.schedule.timewindow import BlackoutCalendar, TimeWindow, parse_days, parse_hhmm


def test_parse_hhmm():
    assert parse_hhmm("09:30") == 570
    assert parse_hhmm("00:00") == 0
    assert parse_hhmm("24:00") == 1440


@pytest.mark.parametrize("bad", ["9", "09:60", "24:01", "ab:cd", "9:5"])
def test_parse_hhmm_rejects(bad):
    with pytest.raises(ConfigurationError):
        parse_hhmm(bad)


def test_parse_days():
    assert parse_days(None) == frozenset(range(7))
    assert parse_days(["Mon", "friday", 6]) == frozenset({0, 4, 6})
    with pytest.raises(ConfigurationError):
        parse_days(["funday"])
    with pytest.raises(ConfigurationError):
        parse_days([7])


def test_business_hours_contains_half_open():
    window = TimeWindow("09:00", "17:00", days=["mon", "tue", "wed", "thu", "fri"])
    assert window.contains(datetime(2024, 6, 3, 9, 0))
    assert window.contains(datetime(2024, 6, 3, 16, 59))
    assert not window.contains(datetime(2024, 6, 3, 17, 0))
    assert not window.contains(datetime(2024, 6, 3, 8, 59))
    assert not window.contains(datetime(2024, 6, 8, 10, 0))  # Saturday


def test_wrapping_window_belongs_to_opening_day():
    window = TimeWindow("22:00", "02:00", days=["fri"])
    assert window.wraps
    assert window.contains(datetime(2024, 6, 7, 23, 0))  # Friday night
    assert window.contains(datetime(2024, 6, 8, 1, 30))  # early Saturday
    assert not window.contains(datetime(2024, 6, 7, 1, 30))  # early Friday
    assert not window.contains(datetime(2024, 6, 8, 2, 0))


def test_empty_window_rejected():
    with pytest.raises(ConfigurationError):
        TimeWindow("10:00", "10:00")


def test_end_of_occurrence():
    window = TimeWindow("22:00", "02:00")
    assert window.end_of_occurrence(datetime(2024, 6, 7, 23, 15)) == datetime(2024, 6, 8, 2, 0)
    assert window.end_of_occurrence(datetime(2024, 6, 8, 0, 15)) == datetime(2024, 6, 8, 2, 0)
    with pytest.raises(ConfigurationError):
        window.end_of_occurrence(datetime(2024, 6, 8, 12, 0))


def test_blackout_next_allowed_chains_windows():
    blackout = BlackoutCalendar([TimeWindow("01:00", "02:00"), TimeWindow("01:30", "03:00")])
    assert blackout.is_blocked(datetime(2024, 1, 1, 1, 10))
    assert blackout.next_allowed(datetime(2024, 1, 1, 1, 10)) == datetime(2024, 1, 1, 3, 0)
    assert blackout.next_allowed(datetime(2024, 1, 1, 4, 0)) == datetime(2024, 1, 1, 4, 0)


def test_blackout_covering_everything():
    blackout = BlackoutCalendar([TimeWindow("00:00", "24:00")])
    with pytest.raises(ConfigurationError):
        blackout.next_allowed(datetime(2024, 1, 1))


def test_blackout_add():
    blackout = BlackoutCalendar()
    assert not blackout.is_blocked(datetime(2024, 1, 1, 12))
    blackout.add(TimeWindow("12:00", "13:00"))
    assert blackout.is_blocked(datetime(2024, 1, 1, 12, 30))


def test_parse_hhmm_last_minute_of_hour():
    assert parse_hhmm("09:59") == 599


def test_parse_days_extremes():
    assert parse_days([0, 6]) == frozenset({0, 6})
    with pytest.raises(ConfigurationError):
        parse_days([-1])


def test_wrapping_window_starts_inclusive():
    window = TimeWindow("22:00", "02:00", days=["fri"])
    assert window.contains(datetime(2024, 6, 7, 22, 0))
    assert not window.contains(datetime(2024, 6, 7, 21, 59))
    assert window.end_of_occurrence(datetime(2024, 6, 7, 22, 0)) == datetime(2024, 6, 8, 2, 0)
    assert window.end_of_occurrence(datetime(2024, 6, 7, 22, 5)) == datetime(2024, 6, 8, 2, 0)


def test_end_of_plain_window_same_day():
    window = TimeWindow("09:00", "17:30")
    assert window.end_of_occurrence(datetime(2024, 6, 7, 17, 29)) == datetime(2024, 6, 7, 17, 30)


def test_sunday_night_window_wraps_into_monday():
    window = TimeWindow("22:00", "02:00", days=["sun"])
    assert window.contains(datetime(2024, 6, 10, 1, 0))  # Monday 01:00
    assert not window.contains(datetime(2024, 6, 9, 1, 0))  # Sunday 01:00
