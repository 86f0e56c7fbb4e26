"""Task lifecycle states and the legal transitions between them."""

from enum import Enum

from taskflow.errors import InvalidTransitionError


class TaskState(Enum):
    PENDING = "pending"
    SCHEDULED = "scheduled"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    RETRYING = "retrying"
    TIMED_OUT = "timed_out"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


TRANSITIONS = {
    TaskState.PENDING: {TaskState.SCHEDULED, TaskState.CANCELLED, TaskState.SKIPPED},
    TaskState.SCHEDULED: {TaskState.RUNNING, TaskState.CANCELLED},
    TaskState.RUNNING: {
        TaskState.SUCCEEDED,
        TaskState.FAILED,
        TaskState.TIMED_OUT,
        TaskState.CANCELLED,
    },
    TaskState.FAILED: {TaskState.RETRYING},
    TaskState.TIMED_OUT: {TaskState.RETRYING},
    TaskState.RETRYING: {TaskState.SCHEDULED, TaskState.CANCELLED},
    TaskState.SUCCEEDED: set(),
    TaskState.CANCELLED: set(),
    TaskState.SKIPPED: set(),
}

FINISHED_STATES = frozenset(
    {
        TaskState.SUCCEEDED,
        TaskState.FAILED,
        TaskState.TIMED_OUT,
        TaskState.CANCELLED,
        TaskState.SKIPPED,
    }
)

UNSUCCESSFUL_STATES = frozenset({TaskState.FAILED, TaskState.TIMED_OUT, TaskState.CANCELLED})


def can_transition(source, target):
    return target in TRANSITIONS[source]


def parse_state(value):
    """Accept a TaskState or its string value (case-insensitive)."""
    if isinstance(value, TaskState):
        return value
    try:
        return TaskState(str(value).strip().lower())
    except ValueError:
        raise ValueError(f"unknown task state: {value!r}") from None


class StateMachine:
    """Tracks the state of one task and the time it entered each state."""

    def __init__(self, clock, initial=TaskState.PENDING):
        self._clock = clock
        self.state = initial
        self.attempts = 0
        self.history = [(initial, clock.now())]

    def can(self, target):
        return can_transition(self.state, target)

    def transition(self, target):
        target = parse_state(target)
        if not can_transition(self.state, target):
            raise InvalidTransitionError(self.state, target)
        self.state = target
        if target is TaskState.RUNNING:
            self.attempts += 1
        self.history.append((target, self._clock.now()))
        return self.state

    @property
    def finished(self):
        return self.state in FINISHED_STATES

    def entered_at(self, state):
        """Timestamp of the most recent entry into ``state`` (or None)."""
        for recorded, when in reversed(self.history):
            if recorded is state:
                return when
        return None

    def time_in_state(self, state):
        """Total seconds spent in ``state``, counting the current stay."""
        total = 0.0
        for index, (recorded, when) in enumerate(self.history):
            if recorded is not state:
                continue
            if index + 1 < len(self.history):
                total += self.history[index + 1][1] - when
            else:
                total += self._clock.now() - when
        return total
