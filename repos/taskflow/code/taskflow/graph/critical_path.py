"""Critical path analysis using each task's expected ``duration``."""

from taskflow.graph.toposort import topological_order


def _duration(dag, name):
    duration = dag.node(name).get("duration", 0.0)
    if duration < 0:
        raise ValueError(f"task {name} has a negative duration")
    return float(duration)


def earliest_start(dag):
    """Earliest start time of each task assuming unlimited workers."""
    start = {}
    for name in topological_order(dag):
        start[name] = max(
            (start[dep] + _duration(dag, dep) for dep in dag.upstream(name)), default=0.0
        )
    return start


def makespan(dag):
    starts = earliest_start(dag)
    return max((starts[name] + _duration(dag, name) for name in starts), default=0.0)


def latest_start(dag):
    """Latest start of each task that does not delay the whole workflow."""
    total = makespan(dag)
    latest = {}
    for name in reversed(topological_order(dag)):
        finish = min((latest[child] for child in dag.downstream(name)), default=total)
        latest[name] = finish - _duration(dag, name)
    return latest


def slack(dag):
    early = earliest_start(dag)
    late = latest_start(dag)
    return {name: round(late[name] - early[name], 9) for name in early}


def critical_path(dag):
    """Return ``(length, [task, ...])`` of the longest duration chain."""
    if len(dag) == 0:
        return 0.0, []
    early = earliest_start(dag)
    finish = {name: early[name] + _duration(dag, name) for name in early}
    order = topological_order(dag)
    current = max(order, key=lambda name: (finish[name], -order.index(name)))
    path = [current]
    while dag.upstream(current):
        current = max(
            dag.upstream(current), key=lambda dep: (finish[dep], -order.index(dep))
        )
        path.append(current)
    path.reverse()
    return finish[path[-1]], path
