from datetime import date

import pytest

from ledger.core.dates import (
    add_days,
    add_months,
    business_days_between,
    date_range,
    days_in_month,
    end_of_month,
    is_business_day,
    is_leap,
    next_business_day,
    parse_iso_date,
    quarter_of,
    start_of_month,
)
from ledger.core.errors import ParseError


def test_leap_years():
    assert is_leap(2024)
    assert not is_leap(2023)
    assert not is_leap(1900)
    assert is_leap(2000)
    assert is_leap(2020)
    assert not is_leap(2100)


def test_days_in_month():
    assert days_in_month(2024, 2) == 29
    assert days_in_month(2023, 2) == 28
    assert days_in_month(2024, 4) == 30
    assert days_in_month(2024, 12) == 31
    with pytest.raises(ValueError):
        days_in_month(2024, 13)


def test_end_and_start_of_month():
    assert end_of_month(date(2024, 2, 10)) == date(2024, 2, 29)
    assert start_of_month(date(2024, 2, 10)) == date(2024, 2, 1)


def test_add_months_clamps():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 3, 31), 1) == date(2024, 4, 30)


def test_add_months_across_years():
    assert add_months(date(2024, 11, 15), 3) == date(2025, 2, 15)
    assert add_months(date(2024, 1, 15), -1) == date(2023, 12, 15)
    assert add_months(date(2024, 12, 1), 12) == date(2025, 12, 1)


def test_add_days():
    assert add_days(date(2024, 2, 28), 2) == date(2024, 3, 1)


def test_quarter():
    assert [quarter_of(date(2024, m, 1)) for m in (1, 3, 4, 6, 7, 10, 12)] == [1, 1, 2, 2, 3, 4, 4]


def test_business_days():
    assert is_business_day(date(2024, 3, 1))       # Friday
    assert not is_business_day(date(2024, 3, 2))   # Saturday
    assert not is_business_day(date(2024, 12, 25), holidays={date(2024, 12, 25)})


def test_next_business_day():
    assert next_business_day(date(2024, 3, 2)) == date(2024, 3, 4)
    assert next_business_day(date(2024, 3, 4)) == date(2024, 3, 4)
    assert next_business_day(date(2024, 3, 2), {date(2024, 3, 4)}) == date(2024, 3, 5)


def test_business_days_between():
    assert business_days_between(date(2024, 3, 1), date(2024, 3, 8)) == 5
    assert business_days_between(date(2024, 3, 8), date(2024, 3, 1)) == 0
    assert business_days_between(date(2024, 3, 1), date(2024, 3, 4)) == 1


def test_parse_iso_date():
    assert parse_iso_date(" 2024-02-29 ") == date(2024, 2, 29)


def test_parse_iso_date_errors():
    for bad in ("2023-02-29", "24-01-01", "2024/01/01", "2024-1", "", "abcd-ef-gh"):
        with pytest.raises(ParseError):
            parse_iso_date(bad)
    with pytest.raises(ParseError):
        parse_iso_date(None)


def test_date_range_inclusive():
    assert list(date_range(date(2024, 1, 30), date(2024, 2, 1))) == [
        date(2024, 1, 30), date(2024, 1, 31), date(2024, 2, 1)]
    assert list(date_range(date(2024, 1, 2), date(2024, 1, 1))) == []
