import pytest

from conftest import make_dag
from taskflow.core.clock import SimulatedClock
from taskflow.errors import StorageError
from taskflow.execution.retry import FixedDelay
from taskflow.execution.runner import WorkflowRunner
from taskflow.storage.records import RunRecord, TaskRecord, record_from_result


def test_duration_and_attempts():
    record = RunRecord("r1", "wf", "succeeded", 10, 25,
                       {"a": TaskRecord("succeeded", 2), "b": TaskRecord("succeeded", 1)})
    assert record.duration == 15
    assert record.total_attempts == 3


def test_running_record_has_no_duration():
    assert RunRecord("r1", "wf", "running", 10).duration is None


def test_invalid_status_and_times():
    with pytest.raises(StorageError):
        RunRecord("r1", "wf", "exploded", 0)
    with pytest.raises(StorageError):
        RunRecord("r1", "wf", "failed", 10, 5)


def test_failed_tasks_sorted():
    record = RunRecord("r", "wf", "failed", 0, 1, {
        "z": TaskRecord("failed"), "a": TaskRecord("timed_out"), "m": TaskRecord("succeeded"),
    })
    assert record.failed_tasks() == ["a", "z"]


def test_equality():
    assert TaskRecord("failed", 1, 2.0, "x") == TaskRecord("failed", 1, 2.0, "x")
    assert TaskRecord("failed", 1) != TaskRecord("failed", 2)
    assert RunRecord("r", "w", "failed", 0) != RunRecord("r", "w", "succeeded", 0)


def test_record_from_result():
    def boom(ctx):
        raise ValueError("bad row")

    clock = SimulatedClock(50)
    dag = make_dag([("a", "b")], a={"fn": boom, "duration": 1,
                                    "retry": FixedDelay(2, max_attempts=2)})
    dag.name = "etl"
    result = WorkflowRunner(dag, clock, run_id="run-7").run()
    record = record_from_result(result)
    assert (record.run_id, record.workflow, record.status) == ("run-7", "etl", "failed")
    assert record.started_at == 50
    assert record.finished_at == 52
    assert record.tasks["a"] == TaskRecord("failed", 2, 0.0, "ValueError: bad row")
    assert record.tasks["b"].state == "skipped"


def test_reprs_and_defaults():
    task = TaskRecord("succeeded")
    assert (task.attempts, task.duration, task.error) == (0, 0.0, None)
    assert repr(TaskRecord("failed", 2)) == "TaskRecord('failed', attempts=2)"
    assert repr(RunRecord("r1", "etl", "running", 0)) == "RunRecord('r1', 'etl', 'running')"


def test_zero_length_run_is_valid():
    assert RunRecord("r", "w", "succeeded", 5, 5).duration == 0
