"""In-memory representation of a finished (or running) workflow run."""

from taskflow.errors import StorageError

RUN_STATUSES = ("running", "succeeded", "failed", "cancelled")


class TaskRecord:
    def __init__(self, state, attempts=0, duration=0.0, error=None):
        self.state = state
        self.attempts = attempts
        self.duration = duration
        self.error = error

    def __eq__(self, other):
        return isinstance(other, TaskRecord) and vars(self) == vars(other)

    def __repr__(self):
        return f"TaskRecord({self.state!r}, attempts={self.attempts})"


class RunRecord:
    def __init__(self, run_id, workflow, status, started_at, finished_at=None, tasks=None):
        if status not in RUN_STATUSES:
            raise StorageError(f"invalid run status: {status!r}")
        if finished_at is not None and finished_at < started_at:
            raise StorageError("a run cannot finish before it started")
        self.run_id = run_id
        self.workflow = workflow
        self.status = status
        self.started_at = started_at
        self.finished_at = finished_at
        self.tasks = dict(tasks or {})

    def __eq__(self, other):
        return isinstance(other, RunRecord) and vars(self) == vars(other)

    def __repr__(self):
        return f"RunRecord({self.run_id!r}, {self.workflow!r}, {self.status!r})"

    @property
    def duration(self):
        if self.finished_at is None:
            return None
        return self.finished_at - self.started_at

    @property
    def total_attempts(self):
        return sum(task.attempts for task in self.tasks.values())

    def failed_tasks(self):
        return sorted(name for name, task in self.tasks.items()
                      if task.state in ("failed", "timed_out"))


def record_from_result(result):
    """Build a RunRecord from an execution RunResult."""
    tasks = {}
    for name in result.order:
        error = result.errors.get(name)
        tasks[name] = TaskRecord(
            result.states[name].value,
            result.attempts.get(name, 0),
            result.durations.get(name, 0.0),
            None if error is None else f"{type(error).__name__}: {error}",
        )
    status = "running" if result.finished_at is None else result.status
    return RunRecord(result.run_id, result.workflow, status, result.started_at,
                     result.finished_at, tasks)
