from datetime import datetime

import pytest

from taskflow.schedule import calendar


def test_leap_years():
    assert calendar.is_leap_year(2024)
    assert calendar.is_leap_year(2000)
    assert not calendar.is_leap_year(1900)
    assert not calendar.is_leap_year(2023)


def test_days_in_month():
    assert calendar.days_in_month(2024, 2) == 29
    assert calendar.days_in_month(2023, 2) == 28
    assert calendar.days_in_month(2023, 4) == 30
    assert calendar.days_in_month(2023, 12) == 31
    with pytest.raises(ValueError):
        calendar.days_in_month(2023, 13)


def test_cron_weekday_sunday_is_zero():
    assert calendar.cron_weekday(datetime(2024, 6, 2)) == 0  # Sunday
    assert calendar.cron_weekday(datetime(2024, 6, 3)) == 1  # Monday
    assert calendar.cron_weekday(datetime(2024, 6, 8)) == 6  # Saturday


def test_next_minute_is_strictly_after():
    assert calendar.next_minute(datetime(2024, 1, 1, 10, 0)) == datetime(2024, 1, 1, 10, 1)
    assert calendar.next_minute(datetime(2024, 1, 1, 10, 0, 59)) == datetime(2024, 1, 1, 10, 1)
    assert calendar.next_minute(datetime(2024, 12, 31, 23, 59, 30)) == datetime(2025, 1, 1)


def test_start_of_next_day_and_hour():
    moment = datetime(2024, 2, 28, 22, 15, 7)
    assert calendar.start_of_next_day(moment) == datetime(2024, 2, 29)
    assert calendar.start_of_next_hour(moment) == datetime(2024, 2, 28, 23)
    assert calendar.start_of_day(moment) == datetime(2024, 2, 28)


def test_start_of_next_month_handles_december():
    assert calendar.start_of_next_month(datetime(2024, 12, 15, 8)) == datetime(2025, 1, 1)
    assert calendar.start_of_next_month(datetime(2024, 1, 31, 23)) == datetime(2024, 2, 1)


def test_add_months_clamps_day():
    assert calendar.add_months(datetime(2024, 1, 31), 1) == datetime(2024, 2, 29)
    assert calendar.add_months(datetime(2023, 1, 31), 1) == datetime(2023, 2, 28)
    assert calendar.add_months(datetime(2024, 11, 15), 3) == datetime(2025, 2, 15)
    assert calendar.add_months(datetime(2024, 3, 31), -1) == datetime(2024, 2, 29)
    assert calendar.add_months(datetime(2024, 1, 10), -1) == datetime(2023, 12, 10)


def test_last_day_of_month():
    assert calendar.last_day_of_month(datetime(2024, 2, 3)) == 29


def test_days_in_every_month():
    lengths = [calendar.days_in_month(2023, month) for month in range(1, 13)]
    assert lengths == [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    with pytest.raises(ValueError):
        calendar.days_in_month(2023, 0)
    assert calendar.days_in_month(2023, 1) == 31
