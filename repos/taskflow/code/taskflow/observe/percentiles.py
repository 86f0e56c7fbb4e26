"""Percentile and summary statistics over duration samples."""

import math

METHODS = ("linear", "nearest", "lower", "higher")


def percentile(values, p, method="linear"):
    """The ``p``-th percentile (0-100) of ``values``.

    ``linear`` interpolates between closest ranks, ``nearest`` uses the
    nearest-rank definition, ``lower``/``higher`` pick the neighbouring
    samples.
    """
    if not values:
        raise ValueError("percentile of an empty sequence")
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be within 0-100, got {p}")
    if method not in METHODS:
        raise ValueError(f"unknown percentile method: {method!r}")
    ordered = sorted(values)
    if method == "nearest":
        rank = max(1, math.ceil(p / 100 * len(ordered)))
        return ordered[rank - 1]
    position = (len(ordered) - 1) * p / 100
    lower = math.floor(position)
    upper = math.ceil(position)
    if method == "lower":
        return ordered[lower]
    if method == "higher":
        return ordered[upper]
    fraction = position - lower
    return ordered[lower] + (ordered[upper] - ordered[lower]) * fraction


def median(values):
    return percentile(values, 50)


def mean(values):
    if not values:
        raise ValueError("mean of an empty sequence")
    return sum(values) / len(values)


def stddev(values):
    """Population standard deviation."""
    average = mean(values)
    return math.sqrt(sum((value - average) ** 2 for value in values) / len(values))


def summarize(values):
    """Common statistics used in run reports."""
    if not values:
        return {"count": 0}
    return {
        "count": len(values),
        "min": min(values),
        "max": max(values),
        "mean": mean(values),
        "p50": percentile(values, 50),
        "p90": percentile(values, 90),
        "p99": percentile(values, 99),
    }
