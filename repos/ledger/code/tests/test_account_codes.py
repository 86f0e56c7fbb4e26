import pytest

from ledger.accounts.codes import (
    code_sort_key,
    depth,
    is_descendant,
    next_child_code,
    parent_code,
    segments,
    validate_code,
)
from ledger.core.errors import InvalidAccountCodeError


def test_valid_codes():
    assert validate_code(" 1000 ") == "1000"
    assert validate_code("1000.01") == "1000.01"
    assert validate_code("1000.1.22.333") == "1000.1.22.333"


def test_malformed_codes():
    for bad in ("100", "10000", "1000.", "1000.1234", "ABCD", "1000-01", ""):
        with pytest.raises(InvalidAccountCodeError):
            validate_code(bad)


def test_leading_zero_rejected():
    with pytest.raises(InvalidAccountCodeError, match="start with 0"):
        validate_code("0100")


def test_too_deep():
    with pytest.raises(InvalidAccountCodeError, match="deeper"):
        validate_code("1000.1.1.1.1")


def test_non_string():
    with pytest.raises(InvalidAccountCodeError):
        validate_code(1000)


def test_segments_depth_parent():
    assert segments("1000.02.3") == [1000, 2, 3]
    assert depth("1000") == 1
    assert depth("1000.02.3") == 3
    assert parent_code("1000.02.3") == "1000.02"
    assert parent_code("1000") is None


def test_is_descendant():
    assert is_descendant("1000.01", "1000")
    assert is_descendant("1000.01.5", "1000")
    assert not is_descendant("1000", "1000")
    assert not is_descendant("10001.01", "1000")
    assert not is_descendant("1001.01", "1000")


def test_sort_key_is_numeric():
    codes = ["1000.10", "1000.9", "1000", "2000", "1000.9.1"]
    assert sorted(codes, key=code_sort_key) == ["1000", "1000.9", "1000.9.1", "1000.10", "2000"]


def test_next_child_code():
    assert next_child_code("1000", []) == "1000.01"
    assert next_child_code("1000", ["1000.01", "1000.07", "1000.07.01", "2000.09"]) == "1000.08"


def test_next_child_code_exhausted():
    with pytest.raises(InvalidAccountCodeError):
        next_child_code("1000", ["1000.999"])


def test_next_child_code_last_free_number():
    assert next_child_code("1000", ["1000.998"]) == "1000.999"
