"""Persistent run history stored as a single JSON document."""

import os

from taskflow.errors import StorageError
from taskflow.storage import serializer
from taskflow.storage.migrations import CURRENT_VERSION, migrate


class RunHistory:
    """Run records persisted to ``path``; optionally keeps only the newest N."""

    def __init__(self, path, max_records=None):
        if max_records is not None and max_records < 1:
            raise StorageError("max_records must be at least 1")
        self.path = os.fspath(path)
        self.max_records = max_records
        self._records = []
        self.migrated = False

    def __len__(self):
        return len(self._records)

    def load(self):
        if not os.path.exists(self.path):
            self._records = []
            return self
        with open(self.path, encoding="utf-8") as handle:
            document = serializer.loads(handle.read())
        upgraded = migrate(document)
        self.migrated = upgraded is not document
        self._records = [serializer.record_from_dict(run) for run in upgraded["runs"]]
        self._sort()
        return self

    def save(self):
        document = {
            "schema_version": CURRENT_VERSION,
            "runs": [serializer.record_to_dict(record) for record in self._records],
        }
        directory = os.path.dirname(self.path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        temporary = self.path + ".tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(serializer.dumps(document))
        os.replace(temporary, self.path)

    def _sort(self):
        self._records.sort(key=lambda record: (record.started_at, record.run_id))

    def append(self, record):
        if any(existing.run_id == record.run_id for existing in self._records):
            raise StorageError(f"duplicate run id: {record.run_id}")
        self._records.append(record)
        self._sort()
        if self.max_records is not None and len(self._records) > self.max_records:
            del self._records[: len(self._records) - self.max_records]

    def update(self, record):
        for index, existing in enumerate(self._records):
            if existing.run_id == record.run_id:
                self._records[index] = record
                self._sort()
                return
        raise StorageError(f"unknown run id: {record.run_id}")

    def get(self, run_id):
        for record in self._records:
            if record.run_id == run_id:
                return record
        return None

    def records(self):
        return list(self._records)

    def latest(self, workflow=None):
        for record in reversed(self._records):
            if workflow is None or record.workflow == workflow:
                return record
        return None
