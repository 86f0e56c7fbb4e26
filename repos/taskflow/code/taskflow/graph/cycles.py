"""Cycle detection for task graphs."""

from taskflow.errors import CycleError

WHITE, GREY, BLACK = 0, 1, 2


def find_cycle(dag):
    """Return one dependency cycle as ``[a, b, ..., a]`` or None.

    The path follows dependency edges: each task is followed by a task it
    depends on.  Traversal order is deterministic (insertion order).
    """
    color = {name: WHITE for name in dag.tasks()}
    for start in dag.tasks():
        if color[start] != WHITE:
            continue
        stack = [(start, iter(dag.upstream(start)))]
        path = [start]
        color[start] = GREY
        while stack:
            name, deps = stack[-1]
            advanced = False
            for dep in deps:
                if color[dep] == GREY:
                    index = path.index(dep)
                    return path[index:] + [dep]
                if color[dep] == WHITE:
                    color[dep] = GREY
                    path.append(dep)
                    stack.append((dep, iter(dag.upstream(dep))))
                    advanced = True
                    break
            if not advanced:
                color[name] = BLACK
                path.pop()
                stack.pop()
    return None


def assert_acyclic(dag):
    cycle = find_cycle(dag)
    if cycle is not None:
        raise CycleError(cycle)


def would_create_cycle(dag, task, depends_on):
    """True if adding ``task -> depends_on`` would close a cycle."""
    if task == depends_on:
        return True
    seen = set()
    frontier = [depends_on]
    while frontier:
        current = frontier.pop()
        if current == task:
            return True
        if current in seen:
            continue
        seen.add(current)
        frontier.extend(dag.upstream(current))
    return False
