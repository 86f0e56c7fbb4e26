import pytest

from conftest import make_dag
from taskflow.errors import UnknownTaskError
from taskflow.graph.subgraph import (
    ancestors,
    descendants,
    induced_subgraph,
    select,
    transitive_reduction,
)


@pytest.fixture
def chain():
    # a -> b -> c -> d, plus e -> c
    return make_dag([("a", "b"), ("b", "c"), ("c", "d"), ("e", "c")])


def test_ancestors(chain):
    assert ancestors(chain, "c") == {"a", "b", "e"}
    assert ancestors(chain, "a") == set()


def test_descendants(chain):
    assert descendants(chain, "b") == {"c", "d"}
    assert descendants(chain, "d") == set()


def test_induced_subgraph_keeps_internal_edges(chain):
    sub = induced_subgraph(chain, ["a", "b", "d"])
    assert sub.tasks() == ["a", "b", "d"]
    assert sub.edges() == [("a", "b")]


def test_induced_subgraph_unknown_task(chain):
    with pytest.raises(UnknownTaskError):
        induced_subgraph(chain, ["zzz"])


def test_select_upstream(chain):
    assert select(chain, ["c"]).tasks() == ["a", "b", "c", "e"]


def test_select_downstream_only(chain):
    assert select(chain, ["b"], upstream=False, downstream=True).tasks() == ["b", "c", "d"]


def test_select_preserves_attributes():
    dag = make_dag([("a", "b")], a={"priority": 7})
    assert select(dag, ["b"]).node("a").get("priority") == 7


def test_transitive_reduction_removes_shortcut():
    dag = make_dag([("a", "b"), ("b", "c"), ("a", "c")])
    reduced = transitive_reduction(dag)
    assert sorted(reduced.edges()) == [("a", "b"), ("b", "c")]
    assert sorted(dag.edges()) == [("a", "b"), ("a", "c"), ("b", "c")]


def test_transitive_reduction_keeps_diamond(diamond):
    assert sorted(transitive_reduction(diamond).edges()) == sorted(diamond.edges())
