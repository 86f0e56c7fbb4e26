import pytest

from conftest import make_dag
from taskflow.errors import CycleError, DuplicateTaskError, InvalidNameError, UnknownTaskError
from taskflow.graph.dag import DAG


def test_add_task_and_attrs():
    dag = DAG()
    node = dag.add_task("extract", priority=3)
    assert node.get("priority") == 3
    assert node.get("missing", "x") == "x"
    assert "extract" in dag
    assert len(dag) == 1


def test_duplicate_and_invalid_names():
    dag = DAG()
    dag.add_task("a")
    with pytest.raises(DuplicateTaskError):
        dag.add_task("a")
    with pytest.raises(InvalidNameError):
        dag.add_task("bad name")


def test_dependencies_recorded_both_ways(diamond):
    assert diamond.upstream("d") == ["b", "c"]
    assert diamond.downstream("a") == ["b", "c"]
    assert diamond.upstream("a") == []


def test_duplicate_dependency_ignored():
    dag = make_dag([("a", "b")])
    dag.add_dependency("b", "a")
    assert dag.upstream("b") == ["a"]
    assert dag.edges() == [("a", "b")]


def test_unknown_task_in_dependency():
    dag = make_dag([], tasks=["a"])
    with pytest.raises(UnknownTaskError):
        dag.add_dependency("a", "ghost")
    with pytest.raises(UnknownTaskError):
        dag.upstream("ghost")


def test_self_dependency_is_cycle():
    dag = make_dag([], tasks=["a"])
    with pytest.raises(CycleError):
        dag.add_dependency("a", "a")


def test_roots_and_leaves(diamond):
    assert diamond.roots() == ["a"]
    assert diamond.leaves() == ["d"]


def test_remove_task_cleans_edges(diamond):
    diamond.remove_task("b")
    assert diamond.tasks() == ["a", "c", "d"]
    assert diamond.upstream("d") == ["c"]
    assert diamond.downstream("a") == ["c"]


def test_remove_dependency():
    dag = make_dag([("a", "b")])
    assert dag.remove_dependency("b", "a") is True
    assert dag.remove_dependency("b", "a") is False
    assert dag.downstream("a") == []


def test_copy_is_independent(diamond):
    clone = diamond.copy()
    clone.remove_task("d")
    assert "d" in diamond
    assert clone.edges() == [("a", "b"), ("a", "c")]
    assert diamond.node("a").order == clone.node("a").order


def test_iteration_follows_insertion_order():
    dag = make_dag([], tasks=["z", "a", "m"])
    assert list(dag) == ["z", "a", "m"]
    assert [dag.node(n).order for n in dag] == [0, 1, 2]


def test_node_repr_and_first_order():
    dag = DAG()
    node = dag.add_task("first")
    assert repr(node) == "TaskNode('first')"
    assert node.order == 0
