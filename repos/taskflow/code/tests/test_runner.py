import pytest

from conftest import make_dag
from taskflow.core.clock import SimulatedClock
from taskflow.core.events import EventBus
from taskflow.core.states import TaskState
from taskflow.errors import TaskCancelled
from taskflow.execution.cache import ResultCache
from taskflow.execution.retry import FixedDelay
from taskflow.execution.runner import WorkflowRunner
from taskflow.execution.timeout import CancellationToken


def flaky(failures, value="ok"):
    calls = {"n": 0}

    def fn(ctx):
        calls["n"] += 1
        if calls["n"] <= failures:
            raise IOError(f"boom {calls['n']}")
        return value

    fn.calls = calls
    return fn


def run(dag, **kwargs):
    clock = kwargs.pop("clock", SimulatedClock(0))
    return WorkflowRunner(dag, clock, **kwargs).run()


def test_results_flow_downstream():
    dag = make_dag([("a", "b")], a={"fn": lambda ctx: 2},
                   b={"fn": lambda ctx: ctx.upstream["a"] * 10})
    result = run(dag)
    assert result.results == {"a": 2, "b": 20}
    assert result.status == "succeeded"
    assert result.order == ["a", "b"]


def test_failure_skips_downstream():
    def boom(ctx):
        raise ValueError("bad input")

    dag = make_dag([("a", "b"), ("b", "c")], a={"fn": boom})
    result = run(dag)
    assert result.states == {"a": TaskState.FAILED, "b": TaskState.SKIPPED,
                             "c": TaskState.SKIPPED}
    assert result.status == "failed"
    assert str(result.errors["a"]) == "bad input"
    assert result.tasks_in(TaskState.SKIPPED) == ["b", "c"]


def test_retry_until_success_advances_clock_by_delay():
    fn = flaky(2)
    clock = SimulatedClock(0)
    dag = make_dag([], tasks=["a"], a={"fn": fn, "retry": FixedDelay(5, max_attempts=3)})
    result = run(dag, clock=clock)
    assert result.states["a"] is TaskState.SUCCEEDED
    assert result.attempts["a"] == 3
    assert clock.now() == 10
    assert fn.calls["n"] == 3


def test_retries_exhausted_records_last_error():
    fn = flaky(5)
    dag = make_dag([], tasks=["a"], a={"fn": fn, "retry": FixedDelay(1, max_attempts=2)})
    result = run(dag)
    assert result.states["a"] is TaskState.FAILED
    assert result.attempts["a"] == 2
    assert str(result.errors["a"]) == "boom 2"


def test_default_retry_used_when_task_has_none():
    fn = flaky(1)
    dag = make_dag([], tasks=["a"], a={"fn": fn})
    result = run(dag, default_retry=FixedDelay(0, max_attempts=2))
    assert result.states["a"] is TaskState.SUCCEEDED


def test_duration_advances_clock_and_is_recorded():
    clock = SimulatedClock(100)
    dag = make_dag([("a", "b")], a={"duration": 3}, b={"duration": 4})
    result = run(dag, clock=clock)
    assert result.durations == {"a": 3, "b": 4}
    assert result.duration == 7
    assert result.started_at == 100 and result.finished_at == 107


def test_timeout_marks_timed_out_and_charges_timeout():
    clock = SimulatedClock(0)
    dag = make_dag([], tasks=["slow"], slow={"duration": 10, "timeout": 4})
    result = run(dag, clock=clock)
    assert result.states["slow"] is TaskState.TIMED_OUT
    assert clock.now() == 4
    assert result.status == "failed"


def test_duration_equal_to_timeout_succeeds():
    dag = make_dag([], tasks=["t"], t={"duration": 4, "timeout": 4})
    assert run(dag).states["t"] is TaskState.SUCCEEDED


def test_timeout_is_retried():
    dag = make_dag([], tasks=["t"],
                   t={"duration": 10, "timeout": 1, "retry": FixedDelay(0, max_attempts=3)})
    result = run(dag)
    assert result.attempts["t"] == 3
    assert result.states["t"] is TaskState.TIMED_OUT


def test_trigger_rule_all_done_runs_after_failure():
    def boom(ctx):
        raise RuntimeError("x")

    dag = make_dag([("a", "cleanup")], a={"fn": boom},
                   cleanup={"fn": lambda ctx: "cleaned", "trigger_rule": "all_done"})
    result = run(dag)
    assert result.results["cleanup"] == "cleaned"
    assert result.states["cleanup"] is TaskState.SUCCEEDED


def test_cancelled_token_cancels_remaining_tasks():
    token = CancellationToken()

    def stop(ctx):
        token.cancel("operator")
        return 1

    dag = make_dag([("a", "b")], a={"fn": stop})
    result = run(dag, token=token)
    assert result.states == {"a": TaskState.SUCCEEDED, "b": TaskState.CANCELLED}
    assert result.status == "cancelled"


def test_task_raising_cancelled_is_not_retried():
    def abort(ctx):
        raise TaskCancelled("nope")

    dag = make_dag([], tasks=["a"], a={"fn": abort, "retry": FixedDelay(0, max_attempts=5)})
    result = run(dag)
    assert result.states["a"] is TaskState.CANCELLED
    assert result.attempts["a"] == 1


def test_events_emitted_in_order():
    bus = EventBus()
    events = []
    bus.subscribe("*", lambda event, **kw: events.append((event, kw.get("task"))))
    fn = flaky(1)
    dag = make_dag([], tasks=["a"], a={"fn": fn, "retry": FixedDelay(2, max_attempts=2)})
    run(dag, bus=bus)
    assert events == [
        ("workflow_started", None),
        ("task_started", "a"),
        ("task_retrying", "a"),
        ("task_started", "a"),
        ("task_succeeded", "a"),
        ("workflow_finished", None),
    ]


def test_retrying_event_carries_delay_and_attempt():
    bus = EventBus()
    seen = []
    bus.subscribe("task_retrying", lambda **kw: seen.append(kw))
    dag = make_dag([], tasks=["a"], a={"fn": flaky(1), "retry": FixedDelay(7, max_attempts=2)})
    run(dag, bus=bus)
    assert seen == [{"task": "a", "attempt": 1, "delay": 7}]


def test_cache_hit_skips_execution():
    clock = SimulatedClock(0)
    cache = ResultCache(clock)
    fn = flaky(0, value=5)
    dag = make_dag([], tasks=["a"], a={"fn": fn, "cacheable": True, "args": {"x": 1}})
    WorkflowRunner(dag, clock, cache=cache).run()
    bus = EventBus()
    hits = []
    bus.subscribe("task_cache_hit", lambda **kw: hits.append(kw["task"]))
    second = WorkflowRunner(dag, clock, cache=cache, bus=bus).run()
    assert second.results["a"] == 5
    assert fn.calls["n"] == 1
    assert hits == ["a"]
    assert second.states["a"] is TaskState.SUCCEEDED


def test_cache_key_depends_on_args():
    clock = SimulatedClock(0)
    cache = ResultCache(clock)
    fn = flaky(0)
    WorkflowRunner(make_dag([], tasks=["a"], a={"fn": fn, "cacheable": True, "args": {"x": 1}}),
                   clock, cache=cache).run()
    WorkflowRunner(make_dag([], tasks=["a"], a={"fn": fn, "cacheable": True, "args": {"x": 2}}),
                   clock, cache=cache).run()
    assert fn.calls["n"] == 2


def test_non_cacheable_task_not_cached():
    clock = SimulatedClock(0)
    cache = ResultCache(clock)
    dag = make_dag([], tasks=["a"], a={"fn": lambda ctx: 1})
    WorkflowRunner(dag, clock, cache=cache).run()
    assert len(cache) == 0


def test_context_receives_params_args_and_attempt():
    seen = {}

    def capture(ctx):
        seen.update(attempt=ctx.attempt, region=ctx.param("region"), args=ctx.args,
                    run_id=ctx.run_id)
        return None

    dag = make_dag([], tasks=["a"], a={"fn": capture, "args": {"k": "v"}})
    WorkflowRunner(dag, SimulatedClock(), params={"region": "eu"}, run_id="run-9").run()
    assert seen == {"attempt": 1, "region": "eu", "args": {"k": "v"}, "run_id": "run-9"}


def test_task_without_fn_succeeds_with_none():
    result = run(make_dag([], tasks=["noop"]))
    assert result.results == {"noop": None}


def test_timeout_charges_only_remaining_time_after_fn_work():
    clock = SimulatedClock(0)

    def slow_start(ctx):
        ctx.clock.advance(1)
        return "partial"

    dag = make_dag([], tasks=["t"], t={"fn": slow_start, "duration": 10, "timeout": 4})
    result = run(dag, clock=clock)
    assert result.states["t"] is TaskState.TIMED_OUT
    assert clock.now() == 4
