import pytest

from taskflow.core.clock import SimulatedClock
from taskflow.errors import ConfigurationError, DeadlineExceeded, TaskCancelled
from taskflow.execution.timeout import CancellationToken, Deadline


def test_deadline_remaining_and_expiry():
    clock = SimulatedClock(100)
    deadline = Deadline(clock, 10)
    assert deadline.at == 110
    clock.advance(4)
    assert deadline.remaining() == 6
    assert not deadline.expired()
    clock.advance(6)
    assert deadline.expired()
    assert deadline.remaining() == 0


def test_deadline_check_raises_with_overdue():
    clock = SimulatedClock(0)
    deadline = Deadline(clock, 5)
    deadline.check()
    clock.advance(7)
    with pytest.raises(DeadlineExceeded) as info:
        deadline.check("load")
    assert "load exceeded its deadline by 2.000s" in str(info.value)


def test_never_deadline():
    deadline = Deadline.never(SimulatedClock())
    assert deadline.remaining() == float("inf")
    assert not deadline.expired()


def test_negative_deadline_rejected():
    with pytest.raises(ConfigurationError):
        Deadline(SimulatedClock(), -1)


def test_shorten_keeps_earlier():
    clock = SimulatedClock(0)
    outer = Deadline(clock, 10)
    assert outer.shorten(3).at == 3
    assert outer.shorten(30).at == 10
    assert Deadline.never(clock).shorten(4).at == 4
    assert outer.shorten(None).at == 10


def test_cancellation_token_callbacks():
    token = CancellationToken()
    reasons = []
    token.on_cancel(reasons.append)
    assert token.cancel("shutdown") is True
    assert token.cancel("again") is False
    assert reasons == ["shutdown"]
    assert token.reason == "shutdown"


def test_on_cancel_after_cancel_runs_immediately():
    token = CancellationToken()
    token.cancel("x")
    seen = []
    token.on_cancel(seen.append)
    assert seen == ["x"]


def test_child_tokens_follow_parent():
    parent = CancellationToken()
    child = parent.child()
    grandchild = child.child()
    parent.cancel("stop")
    assert child.cancelled and grandchild.cancelled
    assert grandchild.reason == "stop"


def test_child_of_cancelled_parent_starts_cancelled():
    parent = CancellationToken()
    parent.cancel("early")
    assert parent.child().cancelled


def test_cancelling_child_does_not_cancel_parent():
    parent = CancellationToken()
    parent.child().cancel()
    assert not parent.cancelled


def test_raise_if_cancelled():
    token = CancellationToken()
    token.raise_if_cancelled()
    token.cancel("user abort")
    with pytest.raises(TaskCancelled) as info:
        token.raise_if_cancelled()
    assert info.value.reason == "user abort"


def test_zero_deadline_is_already_expired():
    clock = SimulatedClock(5)
    deadline = Deadline(clock, 0)
    assert deadline.at == 5
    assert deadline.expired()


def test_shorten_with_equal_deadline():
    clock = SimulatedClock(0)
    assert Deadline(clock, 10).shorten(10).at == 10
