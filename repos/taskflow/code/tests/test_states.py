import pytest

from taskflow.core.clock import SimulatedClock
from taskflow.core.states import (
    FINISHED_STATES,
    StateMachine,
    TaskState,
    can_transition,
    parse_state,
)
from taskflow.errors import InvalidTransitionError


def test_legal_and_illegal_transitions():
    assert can_transition(TaskState.PENDING, TaskState.SCHEDULED)
    assert can_transition(TaskState.RUNNING, TaskState.TIMED_OUT)
    assert can_transition(TaskState.FAILED, TaskState.RETRYING)
    assert not can_transition(TaskState.PENDING, TaskState.RUNNING)
    assert not can_transition(TaskState.SUCCEEDED, TaskState.RETRYING)
    assert not can_transition(TaskState.SKIPPED, TaskState.SCHEDULED)


def test_retrying_goes_back_to_scheduled():
    assert can_transition(TaskState.RETRYING, TaskState.SCHEDULED)
    assert not can_transition(TaskState.RETRYING, TaskState.RUNNING)


def test_parse_state_accepts_strings():
    assert parse_state(" Running ") is TaskState.RUNNING
    assert parse_state(TaskState.FAILED) is TaskState.FAILED
    with pytest.raises(ValueError):
        parse_state("exploded")


def test_finished_states():
    assert TaskState.TIMED_OUT in FINISHED_STATES
    assert TaskState.RETRYING not in FINISHED_STATES
    assert TaskState.RUNNING not in FINISHED_STATES


def test_machine_counts_attempts_on_running():
    clock = SimulatedClock()
    machine = StateMachine(clock)
    for state in ("scheduled", "running", "failed", "retrying", "scheduled", "running"):
        machine.transition(state)
    assert machine.attempts == 2
    assert machine.state is TaskState.RUNNING
    assert not machine.finished


def test_machine_rejects_illegal_transition():
    machine = StateMachine(SimulatedClock())
    with pytest.raises(InvalidTransitionError):
        machine.transition(TaskState.SUCCEEDED)
    assert machine.state is TaskState.PENDING
    assert len(machine.history) == 1


def test_finished_after_success():
    machine = StateMachine(SimulatedClock())
    for state in (TaskState.SCHEDULED, TaskState.RUNNING, TaskState.SUCCEEDED):
        machine.transition(state)
    assert machine.finished


def test_entered_at_returns_latest_entry():
    clock = SimulatedClock(0)
    machine = StateMachine(clock)
    machine.transition(TaskState.SCHEDULED)
    clock.advance(1)
    machine.transition(TaskState.RUNNING)
    clock.advance(2)
    machine.transition(TaskState.FAILED)
    machine.transition(TaskState.RETRYING)
    clock.advance(3)
    machine.transition(TaskState.SCHEDULED)
    machine.transition(TaskState.RUNNING)
    assert machine.entered_at(TaskState.RUNNING) == 6
    assert machine.entered_at(TaskState.SUCCEEDED) is None


def test_time_in_state_sums_all_stays_including_current():
    clock = SimulatedClock(0)
    machine = StateMachine(clock)
    machine.transition(TaskState.SCHEDULED)
    machine.transition(TaskState.RUNNING)
    clock.advance(4)
    machine.transition(TaskState.FAILED)
    machine.transition(TaskState.RETRYING)
    clock.advance(10)
    machine.transition(TaskState.SCHEDULED)
    machine.transition(TaskState.RUNNING)
    clock.advance(3)
    assert machine.time_in_state(TaskState.RUNNING) == 7
    assert machine.time_in_state(TaskState.RETRYING) == 10
    assert machine.time_in_state(TaskState.PENDING) == 0


def test_can_and_transition_return_values():
    machine = StateMachine(SimulatedClock())
    assert machine.can(TaskState.SCHEDULED) is True
    assert machine.can(TaskState.RUNNING) is False
    assert machine.transition(TaskState.SCHEDULED) is TaskState.SCHEDULED
