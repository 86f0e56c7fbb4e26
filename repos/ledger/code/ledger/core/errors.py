"""Exception hierarchy shared by every part of the library."""


class LedgerError(Exception):
    """Base class for all errors raised by the ledger library."""


class InvalidAmountError(LedgerError, ValueError):
    """An amount is malformed, non-finite or outside the allowed range."""


class UnknownCurrencyError(LedgerError, KeyError):
    """A currency code is not registered."""

    def __str__(self):
        return str(self.args[0]) if self.args else "unknown currency"


class CurrencyMismatchError(LedgerError, ValueError):
    """Two amounts in different currencies were combined."""


class RateNotFoundError(LedgerError, LookupError):
    """No exchange rate is available for a currency pair and date."""


class ParseError(LedgerError, ValueError):
    """Text could not be parsed into an amount, date or value."""


class SequenceError(LedgerError):
    """A document number sequence was misused or is exhausted."""


class InvalidAccountCodeError(LedgerError, ValueError):
    """An account code does not follow the code rules."""


class AccountNotFoundError(LedgerError, KeyError):
    """An account code is not present in the chart of accounts."""

    def __str__(self):
        return str(self.args[0]) if self.args else "account not found"


class DuplicateAccountError(LedgerError):
    """An account with the same code already exists."""


class InactiveAccountError(LedgerError):
    """Something was posted to a deactivated account."""


class UnbalancedEntryError(LedgerError):
    """A journal entry's debits and credits differ."""


class DuplicateEntryError(LedgerError):
    """A journal entry id was posted twice."""


class PeriodClosedError(LedgerError):
    """A posting date falls into a closed fiscal period."""


class PeriodError(LedgerError):
    """A fiscal period operation is not allowed in the current state."""


class TaxRuleError(LedgerError):
    """Tax rates or exemptions are inconsistent or missing."""


class InvoiceStateError(LedgerError):
    """An invoice operation is not allowed in the invoice's status."""


class AllocationError(LedgerError):
    """A payment or credit cannot be applied as requested."""


class DataImportError(LedgerError):
    """Imported data is malformed."""
