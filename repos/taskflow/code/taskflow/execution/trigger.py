"""Trigger rules: whether a task runs given the states of its dependencies."""

from taskflow.core.states import FINISHED_STATES, TaskState
from taskflow.errors import ConfigurationError

RUN = "run"
SKIP = "skip"
WAIT = "wait"

ALL_SUCCESS = "all_success"
ALL_FAILED = "all_failed"
ALL_DONE = "all_done"
ONE_SUCCESS = "one_success"
ONE_FAILED = "one_failed"
NONE_FAILED = "none_failed"
ALWAYS = "always"

TRIGGER_RULES = (ALL_SUCCESS, ALL_FAILED, ALL_DONE, ONE_SUCCESS, ONE_FAILED, NONE_FAILED, ALWAYS)

_FAILED = frozenset({TaskState.FAILED, TaskState.TIMED_OUT})
_NOT_SUCCESSFUL = frozenset(
    {TaskState.FAILED, TaskState.TIMED_OUT, TaskState.CANCELLED, TaskState.SKIPPED}
)


def validate_rule(rule):
    if rule not in TRIGGER_RULES:
        raise ConfigurationError(f"unknown trigger rule: {rule!r}")
    return rule


def evaluate(rule, upstream_states):
    """Return RUN, SKIP or WAIT for a task with the given dependency states."""
    validate_rule(rule)
    states = list(upstream_states)
    if rule == ALWAYS or not states:
        return RUN
    done = all(state in FINISHED_STATES for state in states)
    succeeded = sum(1 for state in states if state is TaskState.SUCCEEDED)
    failed = sum(1 for state in states if state in _FAILED)
    if rule == ALL_SUCCESS:
        if any(state in _NOT_SUCCESSFUL for state in states):
            return SKIP
        return RUN if succeeded == len(states) else WAIT
    if rule == ALL_FAILED:
        if succeeded:
            return SKIP
        if not done:
            return WAIT
        return RUN if failed == len(states) else SKIP
    if rule == ALL_DONE:
        return RUN if done else WAIT
    if rule == ONE_SUCCESS:
        if succeeded:
            return RUN
        return SKIP if done else WAIT
    if rule == ONE_FAILED:
        if failed:
            return RUN
        return SKIP if done else WAIT
    # NONE_FAILED: skipped dependencies are fine, failures are not.
    if failed:
        return SKIP
    return RUN if done else WAIT
