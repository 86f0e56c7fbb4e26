import pytest

from taskflow.errors import SchemaVersionError
from taskflow.storage.migrations import CURRENT_VERSION, detect_version, migrate, needs_migration


def test_detect_version():
    assert detect_version([]) == 0
    assert detect_version({"version": 1, "runs": []}) == 1
    assert detect_version({"schema_version": 3, "runs": []}) == 3
    with pytest.raises(SchemaVersionError):
        detect_version({"runs": []})
    with pytest.raises(SchemaVersionError):
        detect_version("text")


def test_v0_to_current():
    document = [{"id": "r1", "workflow": "etl", "status": "succeeded", "start": 0, "end": 61.5}]
    migrated = migrate(document)
    assert migrated == {
        "schema_version": 3,
        "runs": [{
            "run_id": "r1", "workflow": "etl", "status": "succeeded",
            "started_at": "1970-01-01T00:00:00Z", "finished_at": "1970-01-01T00:01:01.500Z",
            "tasks": {},
        }],
    }


def test_v1_run_without_end():
    document = {"version": 1, "runs": [{"id": "r", "workflow": "w", "status": "running",
                                        "start": 60}]}
    run = migrate(document)["runs"][0]
    assert run["finished_at"] is None
    assert run["started_at"] == "1970-01-01T00:01:00Z"


def test_v2_keeps_existing_tasks():
    document = {"schema_version": 2, "runs": [{
        "run_id": "r", "workflow": "w", "status": "failed", "started_at": 0,
        "finished_at": 1, "tasks": {"a": {"state": "failed"}}}]}
    assert migrate(document)["runs"][0]["tasks"] == {"a": {"state": "failed"}}


def test_current_version_untouched():
    document = {"schema_version": CURRENT_VERSION, "runs": []}
    assert migrate(document) is document
    assert not needs_migration(document)
    assert needs_migration([])


def test_future_and_invalid_versions_rejected():
    with pytest.raises(SchemaVersionError):
        migrate({"schema_version": CURRENT_VERSION + 1, "runs": []})
    with pytest.raises(SchemaVersionError):
        migrate({"schema_version": -1, "runs": []})
    with pytest.raises(SchemaVersionError):
        migrate({"schema_version": "3", "runs": []})


def test_migration_does_not_mutate_input():
    document = {"version": 1, "runs": [{"id": "r", "workflow": "w", "status": "failed",
                                        "start": 0, "end": 1}]}
    migrate(document)
    assert document["runs"][0]["id"] == "r"


def test_individual_steps():
    from taskflow.storage.migrations import STEPS

    v1 = STEPS[0]([{"id": "r", "start": 1}])
    assert v1 == {"version": 1, "runs": [{"id": "r", "start": 1}]}
    v2 = STEPS[1](v1)
    assert v2 == {"schema_version": 2,
                  "runs": [{"run_id": "r", "started_at": 1, "finished_at": None}]}
    assert detect_version(v2) == 2
