from datetime import date

import pytest

from conftest import make_entry
from ledger.accounts.chart import Account
from ledger.accounts.types import AccountType
from ledger.audit.log import AuditLog
from ledger.core.errors import (
    DuplicateEntryError,
    LedgerError,
    PeriodClosedError,
    UnbalancedEntryError,
)
from ledger.core.money import Money
from ledger.journal.book import Ledger
from ledger.periods.fiscal import FiscalCalendar, PeriodRegistry


def test_post_marks_entry_posted(book):
    e = make_entry("JE-1", date(2024, 1, 1), ("1000", "dr", "100"), ("3000", "cr", "100"))
    book.post(e)
    assert e.is_posted
    assert len(book) == 1
    assert book.get("JE-1") is e


def test_duplicate_id(book):
    book.post(make_entry("JE-1", date(2024, 1, 1), ("1000", "dr", "1"), ("3000", "cr", "1")))
    with pytest.raises(DuplicateEntryError):
        book.post(make_entry("JE-1", date(2024, 1, 2), ("1000", "dr", "1"), ("3000", "cr", "1")))


def test_already_posted_entry_rejected(chart):
    e = make_entry("JE-1", date(2024, 1, 1), ("1000", "dr", "1"), ("3000", "cr", "1"))
    Ledger(chart).post(e)
    with pytest.raises(LedgerError, match="already posted"):
        Ledger(chart).post(e)


def test_unbalanced_not_stored(book):
    with pytest.raises(UnbalancedEntryError):
        book.post(make_entry("JE-1", date(2024, 1, 1), ("1000", "dr", "2"), ("3000", "cr", "1")))
    assert len(book) == 0


def test_get_missing(book):
    with pytest.raises(LedgerError, match="JE-404"):
        book.get("JE-404")


def test_balances_normal_sign(busy_book):
    assert busy_book.balance("1000") == Money("7400.00")
    assert busy_book.balance("3000") == Money("10000.00")
    assert busy_book.balance("1100") == Money("1100.00")
    assert busy_book.balance("4000") == Money("2000.00")


def test_raw_balance_sign(busy_book):
    assert busy_book.raw_balance("3000") == Money("-10000.00")
    assert busy_book.raw_balance("1000") == Money("7400.00")


def test_contra_account_balance_positive(busy_book):
    assert busy_book.balance("1510") == Money("50.00")
    assert busy_book.balance("4900") == Money("100.00")


def test_balance_as_of_and_from(busy_book):
    assert busy_book.balance("1000", as_of=date(2024, 1, 31)) == Money("7000.00")
    assert busy_book.balance("1000", as_of=date(2024, 1, 2)) == Money("10000.00")
    assert busy_book.balance("1000", as_of=date(2024, 1, 1)) == Money("0.00")
    assert busy_book.balance("1000", start=date(2024, 2, 1)) == Money("400.00")


def test_balance_rolls_up_sub_accounts(chart):
    chart.add(Account("1000.01", "Till", AccountType.ASSET))
    chart.add(Account("1000.02", "Bank", AccountType.ASSET))
    book = Ledger(chart)
    book.post(make_entry("JE-1", date(2024, 1, 1), ("1000.01", "dr", "30"), ("3000", "cr", "30")))
    book.post(make_entry("JE-2", date(2024, 1, 1), ("1000.02", "dr", "70"), ("3000", "cr", "70")))
    assert book.balance("1000") == Money("100")
    assert book.balance("1000", include_children=False) == Money("0")
    assert book.balance("1000.02") == Money("70")


def test_entries_sorted_and_filtered(busy_book):
    ids = [e.entry_id for e in busy_book.entries(date(2024, 3, 1), date(2024, 3, 31))]
    assert ids == ["JE-5", "JE-6", "JE-7"]
    assert [e.entry_id for e in busy_book.entries()][:2] == ["JE-1", "JE-2"]


def test_postings_for(busy_book):
    pairs = busy_book.postings_for("1100")
    assert [(e.entry_id, str(p.signed)) for e, p in pairs] == [
        ("JE-3", "2400.00 USD"), ("JE-5", "-1200.00 USD"), ("JE-8", "-100.00 USD")]


def test_postings_for_unknown_account(busy_book):
    with pytest.raises(LedgerError):
        busy_book.postings_for("1999")


def test_turnover(busy_book):
    assert busy_book.turnover("1000") == (Money("11200.00"), Money("3800.00"))
    assert busy_book.turnover("1000", start=date(2024, 2, 1)) == (Money("1200.00"), Money("800.00"))


def test_reverse(busy_book):
    rev = busy_book.reverse("JE-4", "JE-4R", date(2024, 2, 20))
    assert rev.reference == "JE-4"
    assert busy_book.balance("6000") == Money("0.00")
    assert busy_book.balance("6000", as_of=date(2024, 2, 19)) == Money("800.00")


def test_reverse_twice_rejected(busy_book):
    busy_book.reverse("JE-4", "JE-4R")
    with pytest.raises(LedgerError, match="already been reversed"):
        busy_book.reverse("JE-4", "JE-4R2")


def test_closed_period_rejects_posting(chart):
    registry = PeriodRegistry(FiscalCalendar())
    registry.close(2024, 1)
    book = Ledger(chart, periods=registry)
    with pytest.raises(PeriodClosedError, match="2024-01-31"):
        book.post(make_entry("JE-1", date(2024, 1, 31), ("1000", "dr", "1"), ("3000", "cr", "1")))
    book.post(make_entry("JE-2", date(2024, 2, 1), ("1000", "dr", "1"), ("3000", "cr", "1")))
    assert len(book) == 1


def test_posting_is_audited(chart):
    log = AuditLog()
    book = Ledger(chart, audit=log)
    book.post(make_entry("JE-1", date(2024, 1, 1), ("1000", "dr", "12.50"), ("3000", "cr", "12.50")), actor="ann")
    rec = list(log)[0]
    assert (rec.action, rec.subject, rec.actor) == ("post", "JE-1", "ann")
    assert rec.details == {"date": "2024-01-01", "lines": 2, "debits": "12.50"}


@pytest.fixture
def parent_book(chart):
    chart.add(Account("1000.01", "Till", AccountType.ASSET))
    chart.add(Account("1000.02", "Bank", AccountType.ASSET))
    book = Ledger(chart)
    book.post(make_entry("JE-1", date(2024, 1, 1), ("1000.01", "dr", "30"), ("3000", "cr", "30")))
    book.post(make_entry("JE-2", date(2024, 1, 2), ("1000.02", "dr", "70"), ("3000", "cr", "70")))
    return book


def test_postings_for_excludes_children_by_default(parent_book):
    assert parent_book.postings_for("1000") == []
    assert len(parent_book.postings_for("1000", include_children=True)) == 2


def test_raw_balance_defaults(parent_book):
    assert parent_book.raw_balance("1000") == Money("100")
    closing = make_entry("C", date(2024, 1, 3), ("3000", "dr", "10"), ("1000.02", "cr", "10"))
    closing.closing = True
    parent_book.post(closing)
    assert parent_book.raw_balance("1000") == Money("90")
    assert parent_book.raw_balance("1000", exclude_closing=True) == Money("100")


def test_turnover_includes_children(parent_book):
    assert parent_book.turnover("1000") == (Money("100"), Money("0"))
