import pytest

from perfkit.seqs import common_items, dedupe, inversions, rolling_max


def test_dedupe():
    assert dedupe([3, 1, 3, 2, 1]) == [3, 1, 2]
    assert dedupe([]) == []


def test_common_items():
    assert common_items([1, 2, 2, 5], [2, 5, 7]) == [2, 2, 5]


def test_rolling_max():
    assert rolling_max([1, 3, 2, 5, 4], 2) == [3, 3, 5, 5]
    assert rolling_max([1], 3) == []
    with pytest.raises(ValueError):
        rolling_max([1, 2], 0)


def test_inversions():
    assert inversions([2, 4, 1, 3, 5]) == 3
    assert inversions([]) == 0
