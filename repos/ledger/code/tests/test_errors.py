import pytest

from ledger.core import errors


def test_all_errors_derive_from_ledger_error():
    for name in ("InvalidAmountError", "UnknownCurrencyError", "CurrencyMismatchError",
                 "RateNotFoundError", "ParseError", "SequenceError", "AccountNotFoundError",
                 "UnbalancedEntryError", "PeriodClosedError", "TaxRuleError",
                 "InvoiceStateError", "AllocationError", "DataImportError"):
        assert issubclass(getattr(errors, name), errors.LedgerError)


def test_value_error_compatibility():
    assert issubclass(errors.InvalidAmountError, ValueError)
    assert issubclass(errors.ParseError, ValueError)
    assert issubclass(errors.CurrencyMismatchError, ValueError)


def test_key_error_messages_are_not_quoted():
    assert str(errors.UnknownCurrencyError("unknown currency 'XXX'")) == "unknown currency 'XXX'"
    assert str(errors.AccountNotFoundError("no account '9'")) == "no account '9'"


def test_key_error_default_messages():
    assert str(errors.UnknownCurrencyError()) == "unknown currency"
    assert str(errors.AccountNotFoundError()) == "account not found"


def test_catching_lookup_error():
    with pytest.raises(LookupError):
        raise errors.RateNotFoundError("x")
