import pytest

from taskflow.graph.dag import DAG


def make_dag(edges, tasks=(), **attrs_by_task):
    """Build a DAG from ``[(dependency, task), ...]`` plus extra tasks."""
    dag = DAG("test")
    names = list(tasks)
    for dep, task in edges:
        for name in (dep, task):
            if name not in names:
                names.append(name)
    for name in names:
        dag.add_task(name, **attrs_by_task.get(name, {}))
    for dep, task in edges:
        dag.add_dependency(task, dep)
    return dag


@pytest.fixture
def diamond():
    #     a
    #    / \
    #   b   c
    #    \ /
    #     d
    return make_dag([("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")])
