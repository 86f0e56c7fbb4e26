from datetime import date

import pytest

from ledger.core.errors import CurrencyMismatchError, LedgerError
from ledger.core.money import Money
from ledger.journal.entry import EntryStatus, JournalEntry
from ledger.journal.posting import Posting

D = date(2024, 5, 1)


def test_builder_chain():
    e = JournalEntry("JE-1", D, "Sale").debit("1100", Money("10")).credit("4000", Money("10"))
    assert len(e.postings) == 2
    assert e.status is EntryStatus.DRAFT
    assert repr(e) == "<JournalEntry JE-1 2024-05-01 2 postings>"


def test_id_and_date_required():
    with pytest.raises(LedgerError):
        JournalEntry(" ", D)
    with pytest.raises(LedgerError):
        JournalEntry("JE-1", "2024-05-01")


def test_totals_and_balance():
    e = JournalEntry("JE-1", D).debit("1100", Money("12")).credit("4000", Money("10")).credit("2100", Money("2"))
    assert e.total_debits() == Money("12")
    assert e.total_credits() == Money("12")
    assert e.imbalance() == Money("0")
    assert e.is_balanced()


def test_unbalanced():
    e = JournalEntry("JE-1", D).debit("1100", Money("12")).credit("4000", Money("10"))
    assert e.imbalance() == Money("2")
    assert not e.is_balanced()


def test_single_posting_is_not_balanced():
    assert not JournalEntry("JE-1", D).is_balanced()


def test_multi_currency_totals_need_currency():
    e = (JournalEntry("JE-1", D).debit("1000", Money("5", "EUR")).credit("1000", Money("5", "EUR"))
         .debit("1100", Money("3", "USD")).credit("4000", Money("3", "USD")))
    assert e.currencies() == ["EUR", "USD"]
    with pytest.raises(CurrencyMismatchError):
        e.total_debits()
    assert e.total_debits("EUR") == Money("5", "EUR")
    assert e.is_balanced()


def test_multi_currency_unbalanced_in_one_currency():
    e = (JournalEntry("JE-1", D).debit("1000", Money("5", "EUR")).credit("1000", Money("5", "USD")))
    assert not e.is_balanced()


def test_empty_entry_totals_default_to_usd():
    assert JournalEntry("JE-1", D).total_debits() == Money("0", "USD")


def test_accounts_and_lines_for():
    e = JournalEntry("JE-1", D).debit("1100", Money("1")).credit("4000", Money("1")).debit("1100", Money("2"))
    assert e.accounts() == ["1100", "4000"]
    assert [p.amount for p in e.lines_for("1100")] == [Money("1"), Money("2")]


def test_posted_entries_are_frozen():
    e = JournalEntry("JE-1", D).debit("1100", Money("1")).credit("4000", Money("1"))
    e.mark_posted()
    assert e.is_posted
    with pytest.raises(LedgerError, match="already posted"):
        e.debit("1000", Money("1"))


def test_add_requires_posting():
    with pytest.raises(LedgerError):
        JournalEntry("JE-1", D).add(("1000", "dr", "5"))


def test_constructor_postings():
    e = JournalEntry("JE-9", D, postings=[Posting.debit("1000", Money("1")), Posting.credit("3000", Money("1"))])
    assert e.is_balanced()
    assert e.closing is False


def test_is_balanced_returns_bools():
    assert JournalEntry("JE-1", D).is_balanced() is False
    e = JournalEntry("JE-1", D).debit("1100", Money("1")).credit("4000", Money("1"))
    assert e.is_balanced() is True
