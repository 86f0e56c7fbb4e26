"""An append-only, hash-chained audit log."""

import hashlib
import json
from dataclasses import dataclass, field

from ledger.audit.diff import diff, summarize

GENESIS = "0" * 64


def canonical(data) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    action: str
    subject: str
    actor: str
    details: dict = field(default_factory=dict)
    at: str | None = None
    prev_hash: str = GENESIS
    hash: str = ""

    def payload(self) -> dict:
        return {"seq": self.seq, "action": self.action, "subject": self.subject,
                "actor": self.actor, "details": self.details, "at": self.at,
                "prev": self.prev_hash}

    def compute_hash(self) -> str:
        return hashlib.sha256(canonical(self.payload()).encode("utf-8")).hexdigest()


class AuditLog:
    """Records who did what; timestamps are supplied by the caller."""

    def __init__(self):
        self._records: list[AuditRecord] = []

    def __len__(self):
        return len(self._records)

    def __iter__(self):
        return iter(self._records)

    @property
    def head(self) -> str:
        return self._records[-1].hash if self._records else GENESIS

    def record(self, action: str, subject: str, details: dict | None = None,
               actor: str = "system", at: str | None = None) -> AuditRecord:
        if not action:
            raise ValueError("audit records need an action")
        draft = AuditRecord(len(self._records) + 1, action, str(subject), actor,
                            dict(details or {}), at, self.head)
        rec = AuditRecord(draft.seq, draft.action, draft.subject, draft.actor, draft.details,
                          draft.at, draft.prev_hash, draft.compute_hash())
        self._records.append(rec)
        return rec

    def record_change(self, subject: str, before: dict, after: dict, actor: str = "system",
                      at: str | None = None) -> AuditRecord | None:
        """Record an 'update' with a field-level diff; nothing if nothing changed."""
        changes = diff(before, after)
        if not changes:
            return None
        return self.record("update", subject, {"changes": summarize(changes)}, actor, at)

    def for_subject(self, subject: str) -> list[AuditRecord]:
        return [r for r in self._records if r.subject == subject]

    def by_action(self, action: str) -> list[AuditRecord]:
        return [r for r in self._records if r.action == action]

    def by_actor(self, actor: str) -> list[AuditRecord]:
        return [r for r in self._records if r.actor == actor]

    def verify(self) -> int | None:
        """Index of the first record whose chain is broken, or None if intact."""
        prev = GENESIS
        for index, rec in enumerate(self._records):
            if rec.seq != index + 1 or rec.prev_hash != prev or rec.compute_hash() != rec.hash:
                return index
            prev = rec.hash
        return None
