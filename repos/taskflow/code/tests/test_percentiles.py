import math

import pytest

from taskflow.observe.percentiles import mean, median, percentile, stddev, summarize

DATA = [15, 20, 35, 40, 50]


def test_linear_interpolation():
    assert percentile(DATA, 40) == 29
    assert percentile(DATA, 0) == 15
    assert percentile(DATA, 100) == 50
    assert percentile(DATA, 75) == 40


def test_nearest_rank():
    assert percentile(DATA, 30, method="nearest") == 20
    assert percentile(DATA, 40, method="nearest") == 20
    assert percentile(DATA, 41, method="nearest") == 35
    assert percentile(DATA, 100, method="nearest") == 50
    assert percentile(DATA, 0, method="nearest") == 15


def test_lower_and_higher():
    assert percentile(DATA, 40, method="lower") == 20
    assert percentile(DATA, 40, method="higher") == 35


def test_unsorted_input():
    assert percentile([50, 15, 40, 20, 35], 50) == 35


def test_single_value():
    assert percentile([7], 99) == 7


def test_validation():
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile(DATA, 101)
    with pytest.raises(ValueError):
        percentile(DATA, -1)
    with pytest.raises(ValueError):
        percentile(DATA, 50, method="average")


def test_median_even_count():
    assert median([1, 2, 3, 4]) == 2.5


def test_mean_and_stddev():
    assert mean([1, 2, 3, 6]) == 3
    assert stddev([2, 4, 4, 4, 5, 5, 7, 9]) == 2
    assert stddev([5]) == 0
    with pytest.raises(ValueError):
        mean([])


def test_summarize():
    summary = summarize(list(range(1, 101)))
    assert summary["count"] == 100
    assert (summary["min"], summary["max"]) == (1, 100)
    assert summary["mean"] == 50.5
    assert summary["p50"] == 50.5
    assert math.isclose(summary["p90"], 90.1)
    assert math.isclose(summary["p99"], 99.01)
    assert summarize([]) == {"count": 0}


def test_nearest_rank_just_above_boundary():
    assert percentile(DATA, 80.5, method="nearest") == 50
    assert percentile(DATA, 80, method="nearest") == 40
