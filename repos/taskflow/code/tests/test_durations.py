import pytest

from taskflow.errors import DurationParseError
from taskflow.schedule.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    "text,seconds",
    [
        ("90", 90.0),
        ("1.5", 1.5),
        ("45s", 45.0),
        ("2m", 120.0),
        ("1h30m", 5400.0),
        ("1d2h", 93600.0),
        ("1w", 604800.0),
        ("250ms", 0.25),
        ("1m30s500ms", 90.5),
        ("1.5h", 5400.0),
        (" 1H 30M ", 5400.0),
    ],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


def test_parse_numbers_pass_through():
    assert parse_duration(3) == 3.0
    assert parse_duration(0.5) == 0.5


@pytest.mark.parametrize("bad", ["", "abc", "5x", "h1", "1h-2m", "1h 30", -1, True, None])
def test_parse_duration_rejects(bad):
    with pytest.raises(DurationParseError):
        parse_duration(bad)


def test_format_duration_compound():
    assert format_duration(5400) == "1h30m"
    assert format_duration(90061) == "1d1h1m1s"
    assert format_duration(60) == "1m"


def test_format_duration_subsecond():
    assert format_duration(0.25) == "250ms"
    assert format_duration(1.5) == "1s500ms"


def test_format_duration_zero_and_negative():
    assert format_duration(0) == "0s"
    assert format_duration(0.0004) == "0s"
    with pytest.raises(DurationParseError):
        format_duration(-1)


def test_round_trip():
    for seconds in (1, 59, 61, 3599, 3601, 86399, 90000.5):
        assert parse_duration(format_duration(seconds)) == pytest.approx(seconds)


def test_zero_is_a_valid_duration():
    assert parse_duration(0) == 0.0
    assert parse_duration("0s") == 0.0
