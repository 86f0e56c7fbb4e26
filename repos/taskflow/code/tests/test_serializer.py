import pytest

from taskflow.errors import StorageError
from taskflow.storage import serializer
from taskflow.storage.records import RunRecord, TaskRecord


def test_to_iso_whole_seconds():
    assert serializer.to_iso(0) == "1970-01-01T00:00:00Z"
    assert serializer.to_iso(1704067200) == "2024-01-01T00:00:00Z"


def test_to_iso_milliseconds():
    assert serializer.to_iso(1.5) == "1970-01-01T00:00:01.500Z"
    assert serializer.to_iso(1.0004) == "1970-01-01T00:00:01Z"
    assert serializer.to_iso(1.9996) == "1970-01-01T00:00:02Z"


def test_none_passthrough():
    assert serializer.to_iso(None) is None
    assert serializer.from_iso(None) is None


def test_from_iso_variants():
    assert serializer.from_iso("2024-01-01T00:00:00Z") == 1704067200
    assert serializer.from_iso("2024-01-01T01:00:00+01:00") == 1704067200
    assert serializer.from_iso("2024-01-01T00:00:00") == 1704067200
    assert serializer.from_iso("1970-01-01T00:00:01.250Z") == 1.25


def test_from_iso_invalid():
    with pytest.raises(StorageError):
        serializer.from_iso("yesterday")


def test_record_round_trip():
    record = RunRecord("run-1", "etl", "failed", 100.5, 160, {
        "a": TaskRecord("succeeded", 1, 3.0),
        "b": TaskRecord("failed", 3, 1.5, "IOError: disk"),
    })
    data = serializer.record_to_dict(record)
    assert data["started_at"] == "1970-01-01T00:01:40.500Z"
    assert "error" not in data["tasks"]["a"]
    assert serializer.record_from_dict(data) == record


def test_record_from_dict_missing_field():
    with pytest.raises(StorageError) as info:
        serializer.record_from_dict({"run_id": "r", "status": "failed", "started_at": None})
    assert "workflow" in str(info.value)


def test_task_from_dict_defaults():
    task = serializer.task_from_dict({"state": "skipped"})
    assert task == TaskRecord("skipped", 0, 0.0, None)


def test_dumps_is_sorted_and_loads_errors():
    assert serializer.dumps({"b": 1, "a": 2}).index('"a"') < serializer.dumps({"b": 1, "a": 2}).index('"b"')
    assert serializer.loads('{"x": 1}') == {"x": 1}
    with pytest.raises(StorageError) as info:
        serializer.loads('{"x": ')
    assert "line 1" in str(info.value)


def test_lowercase_z_suffix_and_dump_layout():
    assert serializer.from_iso("1970-01-01T00:00:10z") == 10
    assert serializer.dumps({"a": [1]}) == '{\n  "a": [\n    1\n  ]\n}'
