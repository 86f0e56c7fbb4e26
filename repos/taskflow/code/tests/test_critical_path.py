import pytest

from conftest import make_dag
from taskflow.graph.critical_path import (
    critical_path,
    earliest_start,
    latest_start,
    makespan,
    slack,
)
from taskflow.graph.dag import DAG


@pytest.fixture
def weighted():
    return make_dag(
        [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")],
        a={"duration": 2}, b={"duration": 5}, c={"duration": 1}, d={"duration": 3},
    )


def test_earliest_start(weighted):
    assert earliest_start(weighted) == {"a": 0, "b": 2, "c": 2, "d": 7}


def test_makespan(weighted):
    assert makespan(weighted) == 10


def test_latest_start(weighted):
    assert latest_start(weighted) == {"a": 0, "b": 2, "c": 6, "d": 7}


def test_slack(weighted):
    assert slack(weighted) == {"a": 0, "b": 0, "c": 4, "d": 0}


def test_critical_path(weighted):
    assert critical_path(weighted) == (10, ["a", "b", "d"])


def test_critical_path_empty_graph():
    assert critical_path(DAG()) == (0.0, [])
    assert makespan(DAG()) == 0.0


def test_missing_duration_counts_as_zero():
    dag = make_dag([("a", "b")], b={"duration": 4})
    assert makespan(dag) == 4
    assert critical_path(dag) == (4, ["a", "b"])


def test_negative_duration_rejected():
    dag = make_dag([], tasks=["a"], a={"duration": -1})
    with pytest.raises(ValueError):
        makespan(dag)


def test_independent_chains_pick_longest():
    dag = make_dag([("a", "b"), ("x", "y")],
                   a={"duration": 1}, b={"duration": 1}, x={"duration": 2}, y={"duration": 3})
    assert critical_path(dag) == (5, ["x", "y"])
