import pytest

from perfkit.numbers import max_subarray, moving_average, pairs_with_sum, primes_below, range_sums


def test_primes_below():
    assert primes_below(20) == [2, 3, 5, 7, 11, 13, 17, 19]
    assert primes_below(2) == []


def test_pairs_with_sum():
    assert pairs_with_sum([1, 5, 7, -1, 5], 6) == 3


def test_max_subarray():
    assert max_subarray([-2, 1, -3, 4, -1, 2, 1, -5, 4]) == 6
    assert max_subarray([-3, -1]) == -1
    with pytest.raises(ValueError):
        max_subarray([])


def test_range_sums():
    assert range_sums([1, 2, 3, 4], [(0, 2), (1, 4), (2, 2)]) == [3, 9, 0]


def test_moving_average():
    assert moving_average([1, 2, 3, 4], 2) == [1.5, 2.5, 3.5]
