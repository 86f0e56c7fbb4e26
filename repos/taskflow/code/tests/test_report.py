from conftest import make_dag
from taskflow.core.clock import SimulatedClock
from taskflow.execution.retry import FixedDelay
from taskflow.execution.runner import WorkflowRunner
from taskflow.observe.report import (
    count_states,
    duration_summary,
    render_report,
    render_table,
    task_rows,
)


def boom(ctx):
    raise ValueError("bad row 7")


def sample_result():
    dag = make_dag(
        [("extract", "transform"), ("transform", "load")],
        extract={"duration": 90},
        transform={"fn": boom, "duration": 1, "retry": FixedDelay(0, max_attempts=2)},
    )
    dag.name = "etl"
    return WorkflowRunner(dag, SimulatedClock(0), run_id="run-000003").run()


def test_task_rows():
    assert task_rows(sample_result()) == [
        ("extract", "ok", "1", "1m30s"),
        ("transform", "FAIL", "2", "0s"),
        ("load", "skip", "0", "0s"),
    ]


def test_render_table_alignment():
    table = render_table([("a", "ok"), ("longer", "FAIL")], headers=("task", "state"))
    assert table.splitlines() == [
        "task    state",
        "------  -----",
        "a       ok",
        "longer  FAIL",
    ]


def test_count_states():
    assert count_states(sample_result()) == {"failed": 1, "skipped": 1, "succeeded": 1}


def test_render_report():
    text = render_report(sample_result())
    lines = text.splitlines()
    assert lines[0] == "workflow etl run run-000003: failed in 1m30s"
    assert lines[1] == "1 failed, 1 skipped, 1 succeeded"
    assert lines[-1] == "transform: ValueError: bad row 7"


def test_duration_summary_only_successful_tasks():
    summary = duration_summary(sample_result())
    assert summary["count"] == 1
    assert summary["max"] == 90
