from datetime import date

import pytest

from ledger.accounts.chart import Account
from ledger.accounts.types import AccountType
from ledger.core.errors import (
    AccountNotFoundError,
    CurrencyMismatchError,
    InactiveAccountError,
    LedgerError,
    UnbalancedEntryError,
)
from ledger.core.money import Money
from ledger.journal.entry import JournalEntry
from ledger.journal.validation import is_valid, validate_entry

D = date(2024, 1, 1)


def entry():
    return JournalEntry("JE-1", D)


def test_balanced_entry_passes(chart):
    e = entry().debit("1000", Money("5")).credit("3000", Money("5"))
    assert validate_entry(e, chart) is None
    assert is_valid(e, chart)


def test_too_few_postings():
    with pytest.raises(UnbalancedEntryError, match="at least 2"):
        validate_entry(entry().debit("1000", Money("5")))


def test_out_of_balance_message():
    e = entry().debit("1000", Money("5")).credit("3000", Money("4.50"))
    with pytest.raises(UnbalancedEntryError) as info:
        validate_entry(e)
    assert str(info.value) == "entry JE-1 is out of balance by 0.50 USD (debits 5.00, credits 4.50)"


def test_balance_checked_per_currency():
    e = entry().debit("1000", Money("5", "EUR")).credit("3000", Money("5", "USD"))
    with pytest.raises(UnbalancedEntryError, match="EUR"):
        validate_entry(e)


def test_unknown_account(chart):
    e = entry().debit("1999", Money("5")).credit("3000", Money("5"))
    with pytest.raises(AccountNotFoundError):
        validate_entry(e, chart)


def test_inactive_account(chart):
    chart.deactivate("6900")
    e = entry().debit("6900", Money("5")).credit("1000", Money("5"))
    with pytest.raises(InactiveAccountError, match="Bank Fees"):
        validate_entry(e, chart)


def test_header_account_rejected(chart):
    chart.add(Account("1000.01", "Till", AccountType.ASSET))
    e = entry().debit("1000", Money("5")).credit("3000", Money("5"))
    with pytest.raises(LedgerError, match="sub-accounts"):
        validate_entry(e, chart)
    e2 = entry().debit("1000.01", Money("5")).credit("3000", Money("5"))
    assert is_valid(e2, chart)


def test_currency_must_match_account(chart):
    e = entry().debit("1000", Money("5", "EUR")).credit("3000", Money("5", "EUR"))
    with pytest.raises(CurrencyMismatchError, match="kept in USD"):
        validate_entry(e, chart)


def test_without_chart_accounts_not_checked():
    e = entry().debit("1999", Money("5")).credit("3999", Money("5"))
    assert is_valid(e)


def test_is_valid_false():
    assert not is_valid(entry().debit("1000", Money("5")).credit("3000", Money("6")))


def test_is_valid_true_is_bool(chart):
    e = entry().debit("1000", Money("5")).credit("3000", Money("5"))
    assert is_valid(e, chart) is True


def test_is_valid_false_is_bool():
    assert is_valid(entry().debit("1000", Money("5"))) is False
