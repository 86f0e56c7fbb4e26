from datetime import date

import pytest

from ledger.core.errors import LedgerError
from ledger.core.money import Money
from ledger.core.sequences import Sequence
from ledger.journal.recurring import RecurringTemplate


def rent(**kw):
    params = dict(template_id="RENT", description="Office rent",
                  lines=[("6000", "dr", Money("1000")), ("1000", "cr", Money("1000"))],
                  start=date(2024, 1, 31))
    params.update(kw)
    return RecurringTemplate(**params)


def test_monthly_occurrences_do_not_drift():
    assert rent().occurrences(date(2024, 4, 30)) == [
        date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)]


def test_until_is_inclusive():
    assert rent().occurrences(date(2024, 1, 31)) == [date(2024, 1, 31)]
    assert rent().occurrences(date(2024, 1, 30)) == []


def test_quarterly():
    t = rent(frequency="quarterly", start=date(2024, 1, 15))
    assert t.occurrences(date(2024, 12, 31)) == [
        date(2024, 1, 15), date(2024, 4, 15), date(2024, 7, 15), date(2024, 10, 15)]
    assert t.step_months == 3


def test_end_date_and_count():
    assert len(rent(end=date(2024, 3, 31)).occurrences(date(2025, 1, 1))) == 3
    assert len(rent(count=2).occurrences(date(2025, 1, 1))) == 2


def test_yearly_from_leap_day():
    t = rent(frequency="yearly", start=date(2024, 2, 29))
    assert t.occurrences(date(2028, 3, 1)) == [
        date(2024, 2, 29), date(2025, 2, 28), date(2026, 2, 28), date(2027, 2, 28), date(2028, 2, 29)]


def test_validation():
    with pytest.raises(LedgerError):
        rent(frequency="weekly")
    with pytest.raises(LedgerError):
        rent(count=0)
    with pytest.raises(LedgerError):
        rent(end=date(2023, 1, 1))


def test_build_entries():
    seq = Sequence("RJ")
    entries = rent().build_entries(date(2024, 2, 29), seq)
    assert [e.entry_id for e in entries] == ["RJ-2024-0001", "RJ-2024-0002"]
    assert entries[1].description == "Office rent (2024-02-29)"
    assert entries[0].reference == "RENT"
    assert all(e.is_balanced() for e in entries)


def test_build_entries_skips_already_generated():
    seq = Sequence("RJ", per_year=False)
    entries = rent().build_entries(date(2024, 3, 31), seq, already_generated=2)
    assert [e.date for e in entries] == [date(2024, 3, 31)]
    assert entries[0].entry_id == "RJ-0001"


def test_single_occurrence_templates():
    assert rent(count=1).occurrences(date(2025, 1, 1)) == [date(2024, 1, 31)]
    assert rent(end=date(2024, 1, 31)).occurrences(date(2025, 1, 1)) == [date(2024, 1, 31)]
