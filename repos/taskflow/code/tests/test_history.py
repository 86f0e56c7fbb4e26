import json

import pytest

from taskflow.errors import SchemaVersionError, StorageError
from taskflow.storage.history import RunHistory
from taskflow.storage.records import RunRecord, TaskRecord


def rec(run_id, started, workflow="etl", status="succeeded"):
    return RunRecord(run_id, workflow, status, started, started + 10,
                     {"a": TaskRecord("succeeded", 1, 10.0)})


def test_missing_file_loads_empty(tmp_path):
    history = RunHistory(tmp_path / "h.json").load()
    assert len(history) == 0
    assert history.latest() is None


def test_save_and_reload(tmp_path):
    path = tmp_path / "nested" / "h.json"
    history = RunHistory(path)
    history.append(rec("r1", 100))
    history.append(rec("r2", 200, status="failed"))
    history.save()
    reloaded = RunHistory(path).load()
    assert reloaded.records() == history.records()
    assert not reloaded.migrated
    assert not (tmp_path / "nested" / "h.json.tmp").exists()


def test_saved_document_layout(tmp_path):
    path = tmp_path / "h.json"
    history = RunHistory(path)
    history.append(rec("r1", 0))
    history.save()
    document = json.loads(path.read_text())
    assert document["schema_version"] == 3
    assert document["runs"][0]["started_at"] == "1970-01-01T00:00:00Z"


def test_records_kept_sorted_by_start(tmp_path):
    history = RunHistory(tmp_path / "h.json")
    history.append(rec("late", 300))
    history.append(rec("early", 100))
    assert [r.run_id for r in history.records()] == ["early", "late"]


def test_duplicate_run_id_rejected(tmp_path):
    history = RunHistory(tmp_path / "h.json")
    history.append(rec("r1", 1))
    with pytest.raises(StorageError):
        history.append(rec("r1", 2))


def test_retention_drops_oldest(tmp_path):
    history = RunHistory(tmp_path / "h.json", max_records=2)
    for index, start in enumerate([30, 10, 20]):
        history.append(rec(f"r{index}", start))
    assert [r.started_at for r in history.records()] == [20, 30]


def test_max_records_validation(tmp_path):
    with pytest.raises(StorageError):
        RunHistory(tmp_path / "h.json", max_records=0)


def test_get_latest_and_update(tmp_path):
    history = RunHistory(tmp_path / "h.json")
    history.append(rec("r1", 1, workflow="a"))
    history.append(rec("r2", 2, workflow="b"))
    history.append(rec("r3", 3, workflow="a"))
    assert history.get("r2").workflow == "b"
    assert history.get("zzz") is None
    assert history.latest().run_id == "r3"
    assert history.latest("b").run_id == "r2"
    history.update(rec("r2", 2, workflow="b", status="failed"))
    assert history.get("r2").status == "failed"
    with pytest.raises(StorageError):
        history.update(rec("nope", 5))


def test_loads_and_migrates_legacy_file(tmp_path):
    path = tmp_path / "h.json"
    path.write_text(json.dumps([{"id": "old", "workflow": "etl", "status": "failed",
                                 "start": 5, "end": 9}]))
    history = RunHistory(path).load()
    assert history.migrated
    record = history.get("old")
    assert (record.started_at, record.finished_at, record.tasks) == (5, 9, {})


def test_corrupt_and_future_files(tmp_path):
    path = tmp_path / "h.json"
    path.write_text("{not json")
    with pytest.raises(StorageError):
        RunHistory(path).load()
    path.write_text(json.dumps({"schema_version": 99, "runs": []}))
    with pytest.raises(SchemaVersionError):
        RunHistory(path).load()


def test_single_record_retention(tmp_path):
    history = RunHistory(tmp_path / "h.json", max_records=1)
    history.append(rec("r1", 1))
    history.append(rec("r2", 2))
    assert [r.run_id for r in history.records()] == ["r2"]
