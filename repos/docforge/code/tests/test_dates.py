import datetime

import pytest

from docforge.site.dates import archive_key, format_date, month_number, ordinal, parse_date

D = datetime.date


@pytest.mark.parametrize("text", ["2024-03-05", "2024/3/5", "March 5, 2024", "Mar. 5 2024",
                                  "5 March 2024", "5 mar, 2024", " 2024-03-05 "])
def test_parse_date_formats(text):
    assert parse_date(text) == D(2024, 3, 5)


def test_parse_date_passes_dates_through():
    assert parse_date(D(2020, 1, 2)) == D(2020, 1, 2)
    assert parse_date(datetime.datetime(2020, 1, 2, 3, 4)) == D(2020, 1, 2)


def test_parse_date_leap_year():
    assert parse_date("2024-02-29") == D(2024, 2, 29)
    with pytest.raises(ValueError, match="invalid date"):
        parse_date("2023-02-29")


def test_parse_date_unknown_format():
    with pytest.raises(ValueError, match="unrecognized date format"):
        parse_date("05.03.2024")


def test_month_number():
    assert month_number("Sept") == 9
    assert month_number("DEC") == 12
    assert month_number("january") == 1
    with pytest.raises(ValueError):
        month_number("Ju")


def test_format_date_styles():
    date = D(2024, 3, 5)
    assert format_date(date) == "March 5, 2024"
    assert format_date(date, "short") == "Mar 5, 2024"
    assert format_date(date, "iso") == "2024-03-05"
    assert format_date(date, "numeric") == "03/05/2024"


def test_format_date_unknown_style():
    with pytest.raises(ValueError):
        format_date(D(2024, 1, 1), "fancy")


def test_archive_key():
    assert archive_key(D(2024, 3, 5)) == "2024/03"


@pytest.mark.parametrize("number,expected", [
    (1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (13, "13th"),
    (21, "21st"), (22, "22nd"), (101, "101st"), (111, "111th")])
def test_ordinal(number, expected):
    assert ordinal(number) == expected


def test_ordinal_uses_last_two_digits():
    assert ordinal(1011) == "1011th"
    assert ordinal(1001) == "1001st"
