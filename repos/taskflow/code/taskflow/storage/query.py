"""Filtering and aggregating run records."""

from taskflow.errors import StorageError

SORT_FIELDS = ("started_at", "finished_at", "duration", "run_id")


class RunQuery:
    """Chainable, immutable query over a list of RunRecords."""

    def __init__(self, records, filters=(), order=None, descending=False, limit=None):
        self._records = list(records)
        self._filters = tuple(filters)
        self._order = order
        self._descending = descending
        self._limit = limit

    def _with(self, **changes):
        options = {
            "filters": self._filters,
            "order": self._order,
            "descending": self._descending,
            "limit": self._limit,
        }
        options.update(changes)
        return RunQuery(self._records, **options)

    def where(self, predicate):
        return self._with(filters=self._filters + (predicate,))

    def workflow(self, name):
        return self.where(lambda record: record.workflow == name)

    def status(self, *statuses):
        wanted = set(statuses)
        return self.where(lambda record: record.status in wanted)

    def since(self, timestamp):
        return self.where(lambda record: record.started_at >= timestamp)

    def until(self, timestamp):
        return self.where(lambda record: record.started_at < timestamp)

    def order_by(self, field, descending=False):
        if field not in SORT_FIELDS:
            raise StorageError(f"cannot sort by {field!r}")
        return self._with(order=field, descending=descending)

    def limit(self, count):
        if count < 0:
            raise StorageError("limit must not be negative")
        return self._with(limit=count)

    def all(self):
        rows = [r for r in self._records if all(check(r) for check in self._filters)]
        if self._order is not None:
            field = self._order
            rows.sort(
                key=lambda r: (getattr(r, field) is None, getattr(r, field) or 0),
                reverse=self._descending,
            )
        if self._limit is not None:
            rows = rows[: self._limit]
        return rows

    def count(self):
        return len(self.all())

    def first(self):
        rows = self.all()
        return rows[0] if rows else None


def success_rate(records):
    finished = [r for r in records if r.status != "running"]
    if not finished:
        return 0.0
    return sum(1 for r in finished if r.status == "succeeded") / len(finished)


def mean_duration(records):
    durations = [r.duration for r in records if r.duration is not None]
    if not durations:
        return None
    return sum(durations) / len(durations)


def failure_streak(records):
    """Number of consecutive failed runs, counting back from the newest."""
    streak = 0
    for record in sorted(records, key=lambda r: r.started_at, reverse=True):
        if record.status == "running":
            continue
        if record.status != "failed":
            break
        streak += 1
    return streak
