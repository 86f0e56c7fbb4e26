"""A simulated pool of workers executing jobs on a simulated timeline."""

from taskflow.errors import ConfigurationError
from taskflow.graph.toposort import topological_order


class Assignment:
    __slots__ = ("task", "worker", "start", "end")

    def __init__(self, task, worker, start, end):
        self.task = task
        self.worker = worker
        self.start = start
        self.end = end

    @property
    def duration(self):
        return self.end - self.start

    def __repr__(self):
        return f"Assignment({self.task!r}, worker={self.worker}, {self.start}-{self.end})"


class SimulatedWorkerPool:
    """Greedy list scheduler: each job goes to the worker that frees up first."""

    def __init__(self, size, clock):
        if size < 1:
            raise ConfigurationError("a worker pool needs at least one worker")
        self.size = size
        self.clock = clock
        self._free_at = [clock.now()] * size
        self.assignments = []

    def submit(self, task, duration, not_before=None):
        if duration < 0:
            raise ConfigurationError("job duration must not be negative")
        worker = min(range(self.size), key=lambda index: (self._free_at[index], index))
        start = max(self._free_at[worker], self.clock.now())
        if not_before is not None:
            start = max(start, not_before)
        assignment = Assignment(task, worker, start, start + duration)
        self._free_at[worker] = assignment.end
        self.assignments.append(assignment)
        return assignment

    def makespan(self):
        if not self.assignments:
            return 0.0
        first = min(a.start for a in self.assignments)
        last = max(a.end for a in self.assignments)
        return last - first

    def busy_time(self, worker=None):
        return sum(a.duration for a in self.assignments if worker is None or a.worker == worker)

    def utilization(self):
        span = self.makespan()
        if span == 0:
            return 0.0
        return self.busy_time() / (span * self.size)

    def timeline(self, worker):
        return sorted((a for a in self.assignments if a.worker == worker), key=lambda a: a.start)

    def drain(self):
        """Advance the clock to the moment every worker is idle."""
        finish = max(self._free_at)
        if finish > self.clock.now():
            self.clock.set(finish)
        return self.clock.now()


def simulate_dag(dag, workers, clock):
    """Schedule a DAG's tasks (by ``duration`` attribute) on a worker pool."""
    pool = SimulatedWorkerPool(workers, clock)
    finished = {}
    for name in topological_order(dag):
        ready = max((finished[dep] for dep in dag.upstream(name)), default=None)
        assignment = pool.submit(name, dag.node(name).get("duration", 0.0), not_before=ready)
        finished[name] = assignment.end
    return pool
