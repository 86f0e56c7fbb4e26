import pytest

from conftest import make_dag
from taskflow.errors import CycleError
from taskflow.graph.toposort import execution_levels, is_valid_order, topological_order


def test_diamond_order(diamond):
    assert topological_order(diamond) == ["a", "b", "c", "d"]


def test_ties_broken_by_declaration_order():
    dag = make_dag([], tasks=["z", "y", "x"])
    assert topological_order(dag) == ["z", "y", "x"]


def test_priority_wins_over_declaration_order():
    dag = make_dag([], tasks=["low", "high", "mid"],
                   high={"priority": 10}, mid={"priority": 5})
    assert topological_order(dag) == ["high", "mid", "low"]


def test_priority_never_breaks_dependencies():
    dag = make_dag([("base", "urgent")], urgent={"priority": 100})
    assert topological_order(dag) == ["base", "urgent"]


def test_cycle_raises():
    dag = make_dag([("a", "b"), ("b", "c"), ("c", "b")])
    with pytest.raises(CycleError) as info:
        topological_order(dag)
    assert set(info.value.cycle) == {"b", "c"}


def test_execution_levels(diamond):
    assert execution_levels(diamond) == [["a"], ["b", "c"], ["d"]]


def test_execution_levels_uneven_chains():
    dag = make_dag([("a", "b"), ("b", "c"), ("a", "d")], tasks=["e"])
    assert execution_levels(dag) == [["e", "a"], ["b", "d"], ["c"]]


def test_is_valid_order(diamond):
    assert is_valid_order(diamond, ["a", "c", "b", "d"])
    assert not is_valid_order(diamond, ["b", "a", "c", "d"])
    assert not is_valid_order(diamond, ["a", "b", "d"])


def test_execution_level_uses_deepest_dependency():
    dag = make_dag([("a", "b"), ("b", "c"), ("a", "c")])
    assert execution_levels(dag) == [["a"], ["b"], ["c"]]


def test_missing_priority_counts_as_zero():
    dag = make_dag([], tasks=["explicit", "implicit"], explicit={"priority": 0})
    assert topological_order(dag) == ["explicit", "implicit"]
    dag2 = make_dag([], tasks=["implicit", "neg"], neg={"priority": -1})
    assert topological_order(dag2) == ["implicit", "neg"]
