"""Upgrading stored history documents to the current schema.

Schema history:

* v0 – a bare JSON list of runs with ``id``, ``start`` and ``end`` fields
  holding POSIX seconds.
* v1 – ``{"version": 1, "runs": [...]}`` with the v0 run layout.
* v2 – ``{"schema_version": 2, ...}``; runs use ``run_id``, ``started_at``
  and ``finished_at`` (still POSIX seconds).
* v3 – timestamps are ISO-8601 strings and every run has a ``tasks`` map.
"""

from taskflow.errors import SchemaVersionError
from taskflow.storage.serializer import to_iso

CURRENT_VERSION = 3


def detect_version(document):
    if isinstance(document, list):
        return 0
    if not isinstance(document, dict):
        raise SchemaVersionError("history document must be a list or an object")
    if "schema_version" in document:
        return document["schema_version"]
    if "version" in document:
        return document["version"]
    raise SchemaVersionError("history document has no schema version")


def _v0_to_v1(document):
    return {"version": 1, "runs": list(document)}


def _v1_to_v2(document):
    runs = []
    for run in document["runs"]:
        upgraded = dict(run)
        upgraded["run_id"] = upgraded.pop("id")
        upgraded["started_at"] = upgraded.pop("start")
        upgraded["finished_at"] = upgraded.pop("end", None)
        runs.append(upgraded)
    return {"schema_version": 2, "runs": runs}


def _v2_to_v3(document):
    runs = []
    for run in document["runs"]:
        upgraded = dict(run)
        upgraded["started_at"] = to_iso(upgraded["started_at"])
        upgraded["finished_at"] = to_iso(upgraded.get("finished_at"))
        upgraded.setdefault("tasks", {})
        runs.append(upgraded)
    return {"schema_version": 3, "runs": runs}


STEPS = {0: _v0_to_v1, 1: _v1_to_v2, 2: _v2_to_v3}


def migrate(document):
    """Return ``document`` upgraded to :data:`CURRENT_VERSION`."""
    version = detect_version(document)
    if not isinstance(version, int) or version < 0:
        raise SchemaVersionError(f"invalid schema version: {version!r}")
    if version > CURRENT_VERSION:
        raise SchemaVersionError(
            f"history schema v{version} is newer than supported v{CURRENT_VERSION}"
        )
    while version < CURRENT_VERSION:
        document = STEPS[version](document)
        version += 1
    return document


def needs_migration(document):
    return detect_version(document) != CURRENT_VERSION
