import pytest

from taskflow.errors import CronSyntaxError
from taskflow.schedule.cron_fields import (
    DAY_OF_MONTH,
    DAY_OF_WEEK,
    HOUR,
    MINUTE,
    MONTH,
    is_wildcard,
    parse_field,
)


def test_star_selects_full_range():
    assert parse_field("*", HOUR) == tuple(range(24))
    assert parse_field("?", DAY_OF_MONTH) == tuple(range(1, 32))


def test_single_value_and_list():
    assert parse_field("5", MINUTE) == (5,)
    assert parse_field("30,5,15", MINUTE) == (5, 15, 30)


def test_range_inclusive():
    assert parse_field("9-17", HOUR) == tuple(range(9, 18))


def test_step_over_star():
    assert parse_field("*/15", MINUTE) == (0, 15, 30, 45)
    assert parse_field("*/5", HOUR) == (0, 5, 10, 15, 20)


def test_step_over_range():
    assert parse_field("10-20/5", MINUTE) == (10, 15, 20)


def test_start_with_step_runs_to_maximum():
    assert parse_field("50/4", MINUTE) == (50, 54, 58)


def test_month_and_weekday_names():
    assert parse_field("jan,MAR,Dec", MONTH) == (1, 3, 12)
    assert parse_field("mon-fri", DAY_OF_WEEK) == (1, 2, 3, 4, 5)


def test_sunday_as_seven_folds_to_zero():
    assert parse_field("7", DAY_OF_WEEK) == (0,)
    assert parse_field("5-7", DAY_OF_WEEK) == (0, 5, 6)
    assert parse_field("*", DAY_OF_WEEK) == tuple(range(7))


@pytest.mark.parametrize(
    "text,spec",
    [("60", MINUTE), ("24", HOUR), ("0", DAY_OF_MONTH), ("13", MONTH), ("8", DAY_OF_WEEK)],
)
def test_out_of_range_values(text, spec):
    with pytest.raises(CronSyntaxError):
        parse_field(text, spec)


def test_boundary_values_accepted():
    assert parse_field("59", MINUTE) == (59,)
    assert parse_field("31", DAY_OF_MONTH) == (31,)
    assert parse_field("1", MONTH) == (1,)


@pytest.mark.parametrize("text", ["", "1,,2", "*/0", "*/x", "5-1", "abc", "1-"])
def test_malformed_fields(text):
    with pytest.raises(CronSyntaxError):
        parse_field(text, MINUTE)


def test_error_mentions_field_name():
    with pytest.raises(CronSyntaxError) as info:
        parse_field("99", HOUR)
    assert info.value.field == "hour"


def test_is_wildcard():
    assert is_wildcard("*")
    assert is_wildcard(" ? ")
    assert not is_wildcard("*/5")


def test_field_spec_full_range():
    assert MINUTE.full == frozenset(range(60))
    assert DAY_OF_WEEK.full == frozenset(range(8))


def test_numeric_sunday_and_single_value_range():
    assert parse_field("0", DAY_OF_WEEK) == (0,)
    assert parse_field("5-5", HOUR) == (5,)


def test_none_field_rejected():
    with pytest.raises(CronSyntaxError):
        parse_field(None, MINUTE)
    with pytest.raises(CronSyntaxError):
        parse_field("   ", MINUTE)
