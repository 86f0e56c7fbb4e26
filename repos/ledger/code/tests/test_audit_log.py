import dataclasses

import pytest

from ledger.audit.log import GENESIS, AuditLog, canonical


def test_first_record():
    log = AuditLog()
    rec = log.record("post", "JE-1", {"lines": 2}, actor="ann", at="2024-01-01T09:00")
    assert rec.seq == 1
    assert rec.prev_hash == GENESIS
    assert len(rec.hash) == 64
    assert log.head == rec.hash
    assert len(log) == 1


def test_chain_links():
    log = AuditLog()
    a = log.record("post", "JE-1")
    b = log.record("post", "JE-2")
    assert b.prev_hash == a.hash
    assert b.seq == 2
    assert log.verify() is None


def test_hash_is_deterministic():
    h1 = AuditLog().record("post", "JE-1", {"a": 1, "b": 2}, at="t").hash
    h2 = AuditLog().record("post", "JE-1", {"b": 2, "a": 1}, at="t").hash
    h3 = AuditLog().record("post", "JE-1", {"a": 1, "b": 3}, at="t").hash
    assert h1 == h2
    assert h1 != h3


def test_canonical():
    assert canonical({"b": 1, "a": [1, 2]}) == '{"a":[1,2],"b":1}'


def test_tampering_detected():
    log = AuditLog()
    log.record("post", "JE-1", {"amount": "10"})
    log.record("post", "JE-2", {"amount": "20"})
    log.record("post", "JE-3", {"amount": "30"})
    log._records[1] = dataclasses.replace(log._records[1], details={"amount": "99"})
    assert log.verify() == 1


def test_removed_record_detected():
    log = AuditLog()
    for i in range(3):
        log.record("post", f"JE-{i}")
    del log._records[0]
    assert log.verify() == 0


def test_empty_log():
    log = AuditLog()
    assert log.head == GENESIS
    assert log.verify() is None


def test_action_required():
    with pytest.raises(ValueError):
        AuditLog().record("", "JE-1")


def test_filters():
    log = AuditLog()
    log.record("post", "JE-1", actor="ann")
    log.record("reverse", "JE-1", actor="bob")
    log.record("post", "JE-2", actor="ann")
    assert [r.seq for r in log.for_subject("JE-1")] == [1, 2]
    assert [r.subject for r in log.by_action("post")] == ["JE-1", "JE-2"]
    assert [r.seq for r in log.by_actor("bob")] == [2]


def test_record_change():
    log = AuditLog()
    rec = log.record_change("INV-1", {"amount": 10, "status": "draft"}, {"amount": 12, "status": "issued"},
                            actor="ann")
    assert rec.action == "update"
    assert rec.details == {"changes": "amount: 10 -> 12; status: draft -> issued"}


def test_record_change_without_changes():
    log = AuditLog()
    assert log.record_change("INV-1", {"a": 1}, {"a": 1}) is None
    assert len(log) == 0


def test_subject_coerced_to_text():
    assert AuditLog().record("post", 42).subject == "42"


def test_wrong_sequence_number_detected():
    log = AuditLog()
    log.record("post", "JE-1")
    forged = dataclasses.replace(log._records[0], seq=7)
    log._records[0] = dataclasses.replace(forged, hash=forged.compute_hash())
    assert log.verify() == 0
