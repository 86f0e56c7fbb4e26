"""Deterministic topological ordering of task graphs."""

import heapq

from taskflow.errors import CycleError
from taskflow.graph.cycles import find_cycle


def _sort_key(dag, name):
    node = dag.node(name)
    return (-node.get("priority", 0), node.order, name)


def topological_order(dag):
    """All tasks, dependencies first.

    Among tasks that are ready at the same time, higher ``priority``
    attributes come first, then declaration order.
    """
    indegree = {name: len(dag.upstream(name)) for name in dag.tasks()}
    ready = [_sort_key(dag, name) for name, degree in indegree.items() if degree == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        *_, name = heapq.heappop(ready)
        order.append(name)
        for child in dag.downstream(name):
            indegree[child] -= 1
            if indegree[child] == 0:
                heapq.heappush(ready, _sort_key(dag, child))
    if len(order) != len(indegree):
        raise CycleError(find_cycle(dag) or sorted(set(indegree) - set(order)))
    return order


def execution_levels(dag):
    """Group tasks into levels; every task's dependencies are in earlier levels."""
    level = {}
    for name in topological_order(dag):
        deps = dag.upstream(name)
        level[name] = 1 + max((level[dep] for dep in deps), default=-1)
    groups = []
    for name in topological_order(dag):
        while len(groups) <= level[name]:
            groups.append([])
        groups[level[name]].append(name)
    return groups


def is_valid_order(dag, order):
    """Check that ``order`` lists every task once, dependencies first."""
    if sorted(order) != sorted(dag.tasks()):
        return False
    position = {name: index for index, name in enumerate(order)}
    return all(position[dep] < position[task] for dep, task in dag.edges())
