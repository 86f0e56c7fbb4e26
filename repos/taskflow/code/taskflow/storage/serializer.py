"""JSON encoding of run records with ISO-8601 UTC timestamps."""

import json
from datetime import datetime, timezone

from taskflow.errors import StorageError
from taskflow.storage.records import RunRecord, TaskRecord


def to_iso(timestamp):
    """POSIX seconds -> ``2024-01-31T12:00:00Z`` (milliseconds when needed)."""
    if timestamp is None:
        return None
    seconds, millis = divmod(int(round(timestamp * 1000)), 1000)
    moment = datetime.fromtimestamp(seconds, timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if millis:
        text += f".{millis:03d}"
    return text + "Z"


def from_iso(text):
    """Parse an ISO-8601 timestamp; naive values are taken as UTC."""
    if text is None:
        return None
    value = text.strip()
    if value.endswith("Z") or value.endswith("z"):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise StorageError(f"invalid timestamp: {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def task_to_dict(task):
    data = {"state": task.state, "attempts": task.attempts, "duration": task.duration}
    if task.error is not None:
        data["error"] = task.error
    return data


def task_from_dict(data):
    return TaskRecord(data["state"], data.get("attempts", 0), data.get("duration", 0.0),
                      data.get("error"))


def record_to_dict(record):
    return {
        "run_id": record.run_id,
        "workflow": record.workflow,
        "status": record.status,
        "started_at": to_iso(record.started_at),
        "finished_at": to_iso(record.finished_at),
        "tasks": {name: task_to_dict(task) for name, task in record.tasks.items()},
    }


def record_from_dict(data):
    try:
        return RunRecord(
            data["run_id"],
            data["workflow"],
            data["status"],
            from_iso(data["started_at"]),
            from_iso(data.get("finished_at")),
            {name: task_from_dict(task) for name, task in data.get("tasks", {}).items()},
        )
    except KeyError as exc:
        raise StorageError(f"run record is missing field {exc.args[0]!r}") from None


def dumps(document):
    return json.dumps(document, sort_keys=True, indent=2)


def loads(text):
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise StorageError(f"corrupt history file: {exc.msg} at line {exc.lineno}") from None
