"""The object handed to every task function while it runs."""

from taskflow.errors import UnknownTaskError


class TaskContext:
    """Per-attempt view of the run for one task."""

    def __init__(self, task, attempt, clock, params=None, upstream=None, token=None,
                 deadline=None, run_id=None, args=None):
        self.task = task
        self.attempt = attempt
        self.clock = clock
        self.params = dict(params or {})
        self.upstream = dict(upstream or {})
        self.token = token
        self.deadline = deadline
        self.run_id = run_id
        self.args = dict(args or {})
        self.started_at = clock.now()
        self.messages = []

    @property
    def is_retry(self):
        return self.attempt > 1

    def elapsed(self):
        return self.clock.now() - self.started_at

    def upstream_result(self, name):
        if name not in self.upstream:
            raise UnknownTaskError(f"{self.task} has no upstream task named {name!r}")
        return self.upstream[name]

    def param(self, name, default=None):
        return self.params.get(name, default)

    def log(self, message):
        self.messages.append((self.clock.now(), message))

    def check(self):
        """Raise if the run was cancelled or the deadline has passed."""
        if self.token is not None:
            self.token.raise_if_cancelled()
        if self.deadline is not None:
            self.deadline.check(self.task)
