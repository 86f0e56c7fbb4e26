"""Exception hierarchy shared by every taskflow subpackage."""


class TaskflowError(Exception):
    """Base class of all taskflow errors."""


class ConfigurationError(TaskflowError, ValueError):
    """A component was constructed with invalid parameters."""


class CronSyntaxError(TaskflowError, ValueError):
    """A cron expression could not be parsed."""

    def __init__(self, message, field=None):
        self.field = field
        if field is not None:
            message = f"{field}: {message}"
        super().__init__(message)


class DurationParseError(TaskflowError, ValueError):
    """A human readable duration such as '1h30m' is malformed."""


class InvalidNameError(TaskflowError, ValueError):
    """A task or workflow name does not follow the naming rules."""


class DuplicateTaskError(TaskflowError, ValueError):
    """A task with the same name already exists."""


class UnknownTaskError(TaskflowError, KeyError):
    """A task name was referenced that does not exist."""

    def __str__(self):
        return str(self.args[0]) if self.args else "unknown task"


class CycleError(TaskflowError):
    """The dependency graph contains a cycle."""

    def __init__(self, cycle):
        self.cycle = list(cycle)
        super().__init__("dependency cycle: " + " -> ".join(self.cycle))


class InvalidTransitionError(TaskflowError):
    """A task state change is not allowed by the state machine."""

    def __init__(self, source, target):
        self.source = source
        self.target = target
        super().__init__(f"cannot transition from {source.value} to {target.value}")


class QueueEmptyError(TaskflowError, LookupError):
    """No job is ready to be taken from the queue."""


class DeadlineExceeded(TaskflowError):
    """An operation ran past its deadline."""


class TaskCancelled(TaskflowError):
    """The operation was cancelled through a cancellation token."""

    def __init__(self, reason="cancelled"):
        self.reason = reason
        super().__init__(reason)


class RetryExhausted(TaskflowError):
    """A task kept failing after its last allowed attempt."""

    def __init__(self, task, attempts, last_error):
        self.task = task
        self.attempts = attempts
        self.last_error = last_error
        super().__init__(f"{task} failed after {attempts} attempt(s): {last_error!r}")


class RateLimitExceeded(TaskflowError):
    """A rate limiter refused a request."""

    def __init__(self, retry_after):
        self.retry_after = retry_after
        super().__init__(f"rate limit exceeded, retry after {retry_after:.3f}s")


class StorageError(TaskflowError):
    """Run history could not be read or written."""


class SchemaVersionError(StorageError):
    """A stored document has an unsupported schema version."""


class DSLSyntaxError(TaskflowError, ValueError):
    """The workflow definition language input is malformed."""

    def __init__(self, message, line=None, column=None):
        self.line = line
        self.column = column
        if line is not None:
            message = f"line {line}, column {column}: {message}"
        super().__init__(message)


class SpecValidationError(TaskflowError, ValueError):
    """A workflow specification is structurally invalid."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class TemplateError(TaskflowError, KeyError):
    """A template placeholder could not be rendered."""

    def __str__(self):
        return str(self.args[0]) if self.args else "template error"
