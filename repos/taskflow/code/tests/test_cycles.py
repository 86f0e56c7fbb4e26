import pytest

from conftest import make_dag
from taskflow.errors import CycleError
from taskflow.graph.cycles import assert_acyclic, find_cycle, would_create_cycle


def test_acyclic_graph_has_no_cycle(diamond):
    assert find_cycle(diamond) is None
    assert_acyclic(diamond)


def test_two_node_cycle():
    dag = make_dag([("a", "b"), ("b", "a")])
    assert find_cycle(dag) == ["a", "b", "a"]


def test_three_node_cycle_path_follows_dependencies():
    # c depends on b, b depends on a, a depends on c
    dag = make_dag([("a", "b"), ("b", "c"), ("c", "a")])
    assert find_cycle(dag) == ["a", "c", "b", "a"]


def test_cycle_not_involving_first_task():
    dag = make_dag([("root", "x"), ("x", "y"), ("y", "x")])
    cycle = find_cycle(dag)
    assert cycle[0] == cycle[-1]
    assert set(cycle) == {"x", "y"}


def test_assert_acyclic_raises_with_path():
    dag = make_dag([("a", "b"), ("b", "a")])
    with pytest.raises(CycleError) as info:
        assert_acyclic(dag)
    assert "a -> b -> a" in str(info.value)


def test_would_create_cycle(diamond):
    assert would_create_cycle(diamond, "a", "d")
    assert would_create_cycle(diamond, "b", "b")
    assert not would_create_cycle(diamond, "c", "b")
    assert not would_create_cycle(diamond, "d", "a")
