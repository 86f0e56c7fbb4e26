import pytest

from conftest import make_dag
from taskflow.core.clock import SimulatedClock
from taskflow.errors import ConfigurationError
from taskflow.execution.worker import SimulatedWorkerPool, simulate_dag


def test_jobs_spread_over_free_workers():
    pool = SimulatedWorkerPool(2, SimulatedClock(0))
    a = pool.submit("a", 5)
    b = pool.submit("b", 3)
    c = pool.submit("c", 1)
    assert (a.worker, a.start, a.end) == (0, 0, 5)
    assert (b.worker, b.start, b.end) == (1, 0, 3)
    assert (c.worker, c.start, c.end) == (1, 3, 4)


def test_not_before_delays_start():
    pool = SimulatedWorkerPool(1, SimulatedClock(0))
    job = pool.submit("a", 2, not_before=10)
    assert (job.start, job.end) == (10, 12)


def test_start_never_before_clock():
    clock = SimulatedClock(0)
    pool = SimulatedWorkerPool(1, clock)
    clock.advance(7)
    assert pool.submit("a", 1).start == 7


def test_makespan_and_utilization():
    pool = SimulatedWorkerPool(2, SimulatedClock(0))
    pool.submit("a", 4)
    pool.submit("b", 2)
    assert pool.makespan() == 4
    assert pool.busy_time() == 6
    assert pool.busy_time(worker=1) == 2
    assert pool.utilization() == 0.75


def test_empty_pool_metrics():
    pool = SimulatedWorkerPool(3, SimulatedClock(0))
    assert pool.makespan() == 0.0
    assert pool.utilization() == 0.0


def test_timeline_and_drain():
    clock = SimulatedClock(0)
    pool = SimulatedWorkerPool(1, clock)
    pool.submit("a", 2)
    pool.submit("b", 3)
    assert [a.task for a in pool.timeline(0)] == ["a", "b"]
    assert pool.drain() == 5
    assert clock.now() == 5


def test_validation():
    with pytest.raises(ConfigurationError):
        SimulatedWorkerPool(0, SimulatedClock())
    with pytest.raises(ConfigurationError):
        SimulatedWorkerPool(1, SimulatedClock()).submit("a", -1)


def test_simulate_dag_respects_dependencies():
    dag = make_dag([("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")],
                   a={"duration": 2}, b={"duration": 5}, c={"duration": 1}, d={"duration": 3})
    pool = simulate_dag(dag, 2, SimulatedClock(0))
    ends = {a.task: (a.start, a.end) for a in pool.assignments}
    assert ends == {"a": (0, 2), "b": (2, 7), "c": (2, 3), "d": (7, 10)}
    assert pool.makespan() == 10


def test_simulate_dag_single_worker_serialises():
    dag = make_dag([], tasks=["x", "y"], x={"duration": 2}, y={"duration": 3})
    assert simulate_dag(dag, 1, SimulatedClock(0)).makespan() == 5


def test_assignment_repr_and_duration():
    pool = SimulatedWorkerPool(1, SimulatedClock(10))
    job = pool.submit("a", 2.5)
    assert job.duration == 2.5
    assert repr(job) == "Assignment('a', worker=0, 10.0-12.5)"


def test_zero_duration_job_and_makespan_from_first_start():
    pool = SimulatedWorkerPool(1, SimulatedClock(100))
    assert pool.submit("noop", 0).end == 100
    pool.submit("b", 4)
    assert pool.makespan() == 4


def test_drain_waits_for_slowest_worker():
    clock = SimulatedClock(0)
    pool = SimulatedWorkerPool(2, clock)
    pool.submit("a", 3)
    pool.submit("b", 8)
    assert pool.drain() == 8


def test_simulate_dag_missing_duration_is_zero():
    dag = make_dag([("a", "b")], b={"duration": 2})
    pool = simulate_dag(dag, 1, SimulatedClock(0))
    assert [(a.task, a.start, a.end) for a in pool.assignments] == [("a", 0, 0), ("b", 0, 2)]
