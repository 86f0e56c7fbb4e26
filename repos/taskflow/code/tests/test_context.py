import pytest

from taskflow.core.clock import SimulatedClock
from taskflow.errors import DeadlineExceeded, TaskCancelled, UnknownTaskError
from taskflow.execution.context import TaskContext
from taskflow.execution.timeout import CancellationToken, Deadline


def test_basic_fields_and_retry_flag():
    ctx = TaskContext("load", 1, SimulatedClock(5), params={"region": "eu"})
    assert ctx.started_at == 5
    assert ctx.param("region") == "eu"
    assert ctx.param("missing", 3) == 3
    assert not ctx.is_retry
    assert TaskContext("load", 2, SimulatedClock()).is_retry


def test_elapsed_tracks_clock():
    clock = SimulatedClock(10)
    ctx = TaskContext("t", 1, clock)
    clock.advance(2.5)
    assert ctx.elapsed() == 2.5


def test_upstream_result():
    ctx = TaskContext("t", 1, SimulatedClock(), upstream={"a": 0})
    assert ctx.upstream_result("a") == 0
    with pytest.raises(UnknownTaskError):
        ctx.upstream_result("b")


def test_log_records_clock_time():
    clock = SimulatedClock(1)
    ctx = TaskContext("t", 1, clock)
    ctx.log("start")
    clock.advance(1)
    ctx.log("end")
    assert ctx.messages == [(1, "start"), (2, "end")]


def test_check_raises_on_cancel():
    token = CancellationToken()
    ctx = TaskContext("t", 1, SimulatedClock(), token=token)
    ctx.check()
    token.cancel("stop")
    with pytest.raises(TaskCancelled):
        ctx.check()


def test_check_raises_on_deadline():
    clock = SimulatedClock()
    ctx = TaskContext("t", 1, clock, deadline=Deadline(clock, 1))
    clock.advance(1)
    with pytest.raises(DeadlineExceeded):
        ctx.check()


def test_params_are_copied():
    params = {"a": 1}
    ctx = TaskContext("t", 1, SimulatedClock(), params=params, args={"x": 2})
    ctx.params["a"] = 99
    assert params == {"a": 1}
    assert ctx.args == {"x": 2}
