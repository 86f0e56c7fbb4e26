"""Selecting and transforming parts of a task graph."""

from taskflow.graph.dag import DAG
from taskflow.graph.toposort import topological_order


def ancestors(dag, name):
    """Every task ``name`` transitively depends on."""
    seen = set()
    frontier = list(dag.upstream(name))
    while frontier:
        current = frontier.pop()
        if current not in seen:
            seen.add(current)
            frontier.extend(dag.upstream(current))
    return seen


def descendants(dag, name):
    """Every task that transitively depends on ``name``."""
    seen = set()
    frontier = list(dag.downstream(name))
    while frontier:
        current = frontier.pop()
        if current not in seen:
            seen.add(current)
            frontier.extend(dag.downstream(current))
    return seen


def induced_subgraph(dag, names):
    """A new DAG with only ``names`` and the edges among them."""
    keep = set(names)
    for name in keep:
        dag.node(name)
    sub = DAG(dag.name)
    for name in dag.tasks():
        if name in keep:
            sub.add_task(name, **dag.node(name).attrs)
    for dep, task in dag.edges():
        if dep in keep and task in keep:
            sub.add_dependency(task, dep)
    return sub


def select(dag, targets, upstream=True, downstream=False):
    """Sub-graph of ``targets`` plus, optionally, their ancestors/descendants."""
    keep = set(targets)
    for target in targets:
        if upstream:
            keep |= ancestors(dag, target)
        if downstream:
            keep |= descendants(dag, target)
    return induced_subgraph(dag, keep)


def transitive_reduction(dag):
    """Copy of ``dag`` without edges implied by longer paths."""
    reduced = dag.copy()
    for task in topological_order(dag):
        for dep in dag.upstream(task):
            others = [d for d in dag.upstream(task) if d != dep]
            if any(dep in ancestors(dag, other) for other in others):
                reduced.remove_dependency(task, dep)
    return reduced
