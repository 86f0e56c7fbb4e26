import pytest

from taskflow.core.ids import IdGenerator, format_id, parse_id, slugify, validate_name
from taskflow.errors import InvalidNameError


def test_validate_name_accepts_legal_names():
    for name in ("extract", "_private", "load.v2", "step-3", "A"):
        assert validate_name(name) == name


@pytest.mark.parametrize("name", ["", "3d", "has space", "a/b", None, "x" * 65])
def test_validate_name_rejects(name):
    with pytest.raises(InvalidNameError):
        validate_name(name)


def test_validate_name_max_length_boundary():
    assert validate_name("x" * 64) == "x" * 64


def test_slugify():
    assert slugify("Nightly ETL: Load!") == "nightly_etl_load"
    assert slugify("2024 report") == "_2024_report"
    assert slugify("***") == "_"


def test_id_generator_sequence():
    gen = IdGenerator("run", width=4)
    assert gen.peek() == "run-0001"
    assert gen.next() == "run-0001"
    assert gen.next() == "run-0002"
    assert gen.peek() == "run-0003"


def test_id_generator_start_and_width_validation():
    assert IdGenerator("job", width=2, start=7).next() == "job-07"
    with pytest.raises(InvalidNameError):
        IdGenerator("job", width=0)


def test_format_and_parse_id():
    assert format_id("run", 42) == "run-000042"
    assert parse_id("run-000042") == ("run", 42)
    assert parse_id("my-job-7") == ("my-job", 7)


@pytest.mark.parametrize("bad", ["run", "run-", "-5", "run-x1"])
def test_parse_id_rejects(bad):
    with pytest.raises(InvalidNameError):
        parse_id(bad)


def test_non_string_name_rejected_cleanly():
    with pytest.raises(InvalidNameError):
        validate_name(123)


def test_default_generator_and_minimum_width():
    assert IdGenerator().next() == "run-000001"
    assert IdGenerator("r", width=1).next() == "r-1"


def test_slugify_keeps_inner_digits():
    assert slugify("a1b") == "a1b"
    assert slugify("9 lives") == "_9_lives"
