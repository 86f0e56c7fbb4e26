import pytest

from taskflow.core.clock import SimulatedClock
from taskflow.errors import ConfigurationError, QueueEmptyError
from taskflow.execution.queue import PriorityJobQueue


def test_higher_priority_first():
    queue = PriorityJobQueue(SimulatedClock())
    queue.push("low", priority=1)
    queue.push("high", priority=9)
    queue.push("mid", priority=5)
    assert [queue.pop().job_id for _ in range(3)] == ["high", "mid", "low"]


def test_fifo_within_priority():
    queue = PriorityJobQueue(SimulatedClock())
    for name in ("a", "b", "c"):
        queue.push(name, priority=2)
    assert [job.job_id for job in queue.pop_all_ready()] == ["a", "b", "c"]


def test_payload_round_trip():
    queue = PriorityJobQueue(SimulatedClock())
    queue.push("j", payload={"x": 1})
    assert queue.pop().payload == {"x": 1}


def test_empty_queue_raises():
    queue = PriorityJobQueue(SimulatedClock())
    with pytest.raises(QueueEmptyError):
        queue.pop()
    with pytest.raises(QueueEmptyError):
        queue.peek()


def test_delayed_job_not_ready_until_clock_reaches_it():
    clock = SimulatedClock(0)
    queue = PriorityJobQueue(clock)
    queue.push("later", priority=10, delay=5)
    queue.push("now", priority=0)
    assert queue.pop().job_id == "now"
    with pytest.raises(QueueEmptyError):
        queue.pop()
    assert queue.next_available_at() == 5
    clock.advance(5)
    assert queue.pop().job_id == "later"


def test_promoted_delayed_job_competes_on_priority():
    clock = SimulatedClock(0)
    queue = PriorityJobQueue(clock)
    queue.push("delayed-high", priority=10, delay=1)
    queue.push("ready-low", priority=1)
    clock.advance(1)
    assert queue.peek().job_id == "delayed-high"


def test_cancel_skips_job():
    queue = PriorityJobQueue(SimulatedClock())
    queue.push("a", priority=5)
    queue.push("b", priority=1)
    assert queue.cancel("a") is True
    assert queue.cancel("a") is False
    assert len(queue) == 1
    assert queue.pop().job_id == "b"


def test_requeue_after_cancel_uses_new_entry():
    queue = PriorityJobQueue(SimulatedClock())
    queue.push("a", priority=5)
    queue.cancel("a")
    queue.push("a", priority=1)
    queue.push("b", priority=3)
    assert [j.job_id for j in queue.pop_all_ready()] == ["b", "a"]


def test_duplicate_and_capacity_and_delay_validation():
    queue = PriorityJobQueue(SimulatedClock(), max_size=1)
    queue.push("a")
    with pytest.raises(ConfigurationError):
        queue.push("a")
    with pytest.raises(ConfigurationError):
        queue.push("b")
    with pytest.raises(ConfigurationError):
        PriorityJobQueue(SimulatedClock()).push("x", delay=-1)


def test_ready_count_and_contains():
    clock = SimulatedClock(0)
    queue = PriorityJobQueue(clock)
    queue.push("a")
    queue.push("b", delay=3)
    queue.push("c")
    queue.cancel("c")
    assert "a" in queue and "c" not in queue
    assert queue.ready_count() == 1
    clock.advance(3)
    assert queue.ready_count() == 2
    assert queue.next_available_at() is None


def test_push_returns_job_with_repr():
    clock = SimulatedClock(3)
    job = PriorityJobQueue(clock).push("j", priority=4, delay=2)
    assert repr(job) == "QueuedJob('j', priority=4)"
    assert job.available_at == 5


def test_default_priority_is_zero():
    queue = PriorityJobQueue(SimulatedClock())
    queue.push("neg", priority=-1)
    queue.push("default")
    queue.push("pos", priority=1)
    assert [j.job_id for j in queue.pop_all_ready()] == ["pos", "default", "neg"]


def test_zero_delay_is_ready_and_earliest_delayed_reported():
    clock = SimulatedClock(0)
    queue = PriorityJobQueue(clock)
    queue.push("now", delay=0)
    assert queue.next_available_at() is None
    queue.push("b", delay=9)
    queue.push("a", delay=4)
    assert queue.next_available_at() == 4
    clock.advance(4)
    assert [j.job_id for j in queue.pop_all_ready()] == ["now", "a"]
