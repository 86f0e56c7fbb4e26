import pytest

from taskflow.errors import StorageError
from taskflow.storage.query import RunQuery, failure_streak, mean_duration, success_rate
from taskflow.storage.records import RunRecord


@pytest.fixture
def records():
    return [
        RunRecord("r1", "etl", "succeeded", 100, 130),
        RunRecord("r2", "etl", "failed", 200, 210),
        RunRecord("r3", "report", "succeeded", 300, 360),
        RunRecord("r4", "etl", "failed", 400, 405),
        RunRecord("r5", "etl", "running", 500),
    ]


def test_filter_by_workflow_and_status(records):
    query = RunQuery(records).workflow("etl").status("failed")
    assert [r.run_id for r in query.all()] == ["r2", "r4"]
    assert query.count() == 2


def test_since_inclusive_until_exclusive(records):
    ids = [r.run_id for r in RunQuery(records).since(200).until(400).all()]
    assert ids == ["r2", "r3"]


def test_order_by_duration_descending(records):
    rows = RunQuery(records).order_by("duration", descending=True).all()
    assert [r.run_id for r in rows] == ["r5", "r3", "r1", "r2", "r4"]


def test_order_by_ascending_puts_missing_last(records):
    rows = RunQuery(records).order_by("finished_at").all()
    assert [r.run_id for r in rows] == ["r1", "r2", "r3", "r4", "r5"]


def test_limit_and_first(records):
    query = RunQuery(records).order_by("started_at", descending=True).limit(2)
    assert [r.run_id for r in query.all()] == ["r5", "r4"]
    assert query.first().run_id == "r5"
    assert RunQuery([]).first() is None


def test_queries_are_immutable(records):
    base = RunQuery(records)
    base.workflow("report")
    assert base.count() == 5


def test_invalid_order_and_limit(records):
    with pytest.raises(StorageError):
        RunQuery(records).order_by("colour")
    with pytest.raises(StorageError):
        RunQuery(records).limit(-1)


def test_success_rate_ignores_running(records):
    assert success_rate(records) == 0.5
    assert success_rate([]) == 0.0


def test_mean_duration(records):
    assert mean_duration(records) == (30 + 10 + 60 + 5) / 4
    assert mean_duration([RunRecord("r", "w", "running", 0)]) is None


def test_failure_streak(records):
    assert failure_streak(records) == 1
    assert failure_streak([r for r in records if r.workflow == "etl"]) == 2
    assert failure_streak([]) == 0


def test_limit_zero_and_uneven_success_rate(records):
    assert RunQuery(records).limit(0).all() == []
    extra = records + [RunRecord("r6", "etl", "succeeded", 600, 601)]
    assert success_rate(extra) == 0.6
