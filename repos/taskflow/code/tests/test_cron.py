from datetime import datetime

import pytest

from taskflow.errors import CronSyntaxError
from taskflow.schedule.cron import CronSchedule, is_valid


def test_every_minute_next_after():
    cron = CronSchedule("* * * * *")
    assert cron.next_after(datetime(2024, 1, 1, 0, 0)) == datetime(2024, 1, 1, 0, 1)
    assert cron.next_after(datetime(2024, 1, 1, 0, 0, 30)) == datetime(2024, 1, 1, 0, 1)


def test_next_after_is_strict():
    cron = CronSchedule("30 9 * * *")
    assert cron.next_after(datetime(2024, 5, 1, 9, 30)) == datetime(2024, 5, 2, 9, 30)
    assert cron.next_after(datetime(2024, 5, 1, 9, 29)) == datetime(2024, 5, 1, 9, 30)


def test_hour_rollover():
    cron = CronSchedule("0 */6 * * *")
    assert cron.next_after(datetime(2024, 5, 1, 13, 5)) == datetime(2024, 5, 1, 18, 0)
    assert cron.next_after(datetime(2024, 5, 1, 18, 0)) == datetime(2024, 5, 2, 0, 0)


def test_weekday_restriction():
    cron = CronSchedule("*/15 * * * 1-5")
    # Friday 23:50: the last weekday slot (23:45) has passed, so Monday 00:00 is next
    assert cron.next_after(datetime(2024, 6, 7, 23, 50)) == datetime(2024, 6, 10, 0, 0)


def test_day_of_month_and_month():
    cron = CronSchedule("0 0 1 */3 *")
    assert cron.next_after(datetime(2024, 2, 10)) == datetime(2024, 4, 1)
    assert cron.next_after(datetime(2024, 10, 1)) == datetime(2025, 1, 1)


def test_leap_day_schedule():
    cron = CronSchedule("0 12 29 2 *")
    assert cron.next_after(datetime(2024, 3, 1)) == datetime(2028, 2, 29, 12, 0)


def test_dom_and_dow_both_restricted_is_or():
    cron = CronSchedule("0 0 13 * 5")  # the 13th or any Friday
    assert cron.next_after(datetime(2024, 9, 1)) == datetime(2024, 9, 6)  # Friday
    assert cron.next_after(datetime(2024, 9, 10)) == datetime(2024, 9, 13)


def test_only_dow_restricted_ignores_dom():
    cron = CronSchedule("0 8 * * 0")
    assert cron.next_after(datetime(2024, 6, 3)) == datetime(2024, 6, 9, 8, 0)


def test_macros():
    assert CronSchedule("@hourly").next_after(datetime(2024, 1, 1, 5, 1)) == datetime(2024, 1, 1, 6)
    assert CronSchedule("@daily").next_after(datetime(2024, 1, 1, 5)) == datetime(2024, 1, 2)
    assert CronSchedule("@weekly").next_after(datetime(2024, 6, 3)) == datetime(2024, 6, 9)
    assert CronSchedule("@monthly").next_after(datetime(2024, 1, 31)) == datetime(2024, 2, 1)
    assert CronSchedule("@yearly").next_after(datetime(2024, 3, 1)) == datetime(2025, 1, 1)


def test_matches():
    cron = CronSchedule("15 10 * * 1")
    assert cron.matches(datetime(2024, 6, 3, 10, 15))
    assert not cron.matches(datetime(2024, 6, 4, 10, 15))
    assert not cron.matches(datetime(2024, 6, 3, 10, 16))


def test_next_n():
    cron = CronSchedule("0 9,17 * * *")
    assert cron.next_n(datetime(2024, 1, 1, 12), 3) == [
        datetime(2024, 1, 1, 17),
        datetime(2024, 1, 2, 9),
        datetime(2024, 1, 2, 17),
    ]


def test_never_firing_expression_raises():
    with pytest.raises(CronSyntaxError):
        CronSchedule("0 0 30 2 *").next_after(datetime(2024, 1, 1))


def test_wrong_field_count():
    with pytest.raises(CronSyntaxError):
        CronSchedule("* * * *")
    with pytest.raises(CronSyntaxError):
        CronSchedule("* * * * * *")


def test_is_valid():
    assert is_valid("*/5 * * * *")
    assert not is_valid("61 * * * *")


def test_previous_before():
    cron = CronSchedule("30 9 * * *")
    assert cron.previous_before(datetime(2024, 5, 2, 9, 30)) == datetime(2024, 5, 1, 9, 30)
    assert cron.previous_before(datetime(2024, 5, 2, 9, 30, 5)) == datetime(2024, 5, 2, 9, 30)
    assert cron.previous_before(datetime(2024, 5, 2, 8)) == datetime(2024, 5, 1, 9, 30)


def test_previous_before_across_month():
    cron = CronSchedule("0 0 15 * *")
    assert cron.previous_before(datetime(2024, 3, 10)) == datetime(2024, 2, 15)


def test_next_after_from_leap_day_does_not_crash():
    cron = CronSchedule("0 0 1 1 *")
    assert cron.next_after(datetime(2024, 2, 29, 12)) == datetime(2025, 1, 1)


def test_repr():
    assert repr(CronSchedule("@daily")) == "CronSchedule('@daily')"


def test_previous_before_hour_and_weekday_restrictions():
    assert CronSchedule("15 10 * * *").previous_before(datetime(2024, 5, 2, 10, 0)) == datetime(2024, 5, 1, 10, 15)
    assert CronSchedule("0 12 * * 1").previous_before(datetime(2024, 6, 5, 9)) == datetime(2024, 6, 3, 12, 0)
    assert CronSchedule("* * * * *").previous_before(datetime(2024, 6, 5, 10)) == datetime(2024, 6, 5, 9, 59)
    assert CronSchedule("59 23 * * *").previous_before(datetime(2024, 6, 5, 23, 58)) == datetime(2024, 6, 4, 23, 59)


def test_previous_before_month_restriction():
    cron = CronSchedule("30 6 * 3 *")
    assert cron.previous_before(datetime(2024, 6, 1)) == datetime(2024, 3, 31, 6, 30)


def test_previous_before_never_fired():
    with pytest.raises(CronSyntaxError):
        CronSchedule("0 0 31 2 *").previous_before(datetime(2024, 1, 1))


def test_is_valid_returns_bools():
    assert is_valid("@daily") is True
    assert is_valid("bogus") is False


def test_next_after_steps_minute_by_minute():
    cron = CronSchedule("*/15 * * * *")
    assert cron.next_after(datetime(2024, 5, 1, 10, 1)) == datetime(2024, 5, 1, 10, 15)
    assert cron.next_after(datetime(2024, 5, 1, 10, 14, 59)) == datetime(2024, 5, 1, 10, 15)


def test_previous_before_day_boundary_keeps_last_minute():
    cron = CronSchedule("59 23 * * 1")
    assert cron.previous_before(datetime(2024, 6, 5, 12)) == datetime(2024, 6, 3, 23, 59)
