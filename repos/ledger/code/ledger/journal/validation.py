"""Rules a journal entry must satisfy before it can be posted."""

from ledger.core.errors import (
    CurrencyMismatchError,
    InactiveAccountError,
    LedgerError,
    UnbalancedEntryError,
)

MIN_POSTINGS = 2


def check_balance(entry) -> None:
    if len(entry.postings) < MIN_POSTINGS:
        raise UnbalancedEntryError(
            f"entry {entry.entry_id} needs at least {MIN_POSTINGS} postings"
        )
    for code in entry.currencies():
        debits = entry.total_debits(code)
        credits = entry.total_credits(code)
        if debits != credits:
            raise UnbalancedEntryError(
                f"entry {entry.entry_id} is out of balance by {debits - credits} "
                f"(debits {debits.amount}, credits {credits.amount})"
            )


def check_accounts(entry, chart) -> None:
    for posting in entry.postings:
        account = chart.get(posting.account)
        if not account.active:
            raise InactiveAccountError(f"account {account.code} ({account.name}) is inactive")
        if not chart.is_leaf(account.code):
            raise LedgerError(
                f"account {account.code} has sub-accounts; post to one of them instead"
            )
        if account.currency != posting.amount.code:
            raise CurrencyMismatchError(
                f"account {account.code} is kept in {account.currency}, "
                f"posting is in {posting.amount.code}"
            )


def validate_entry(entry, chart=None) -> None:
    """Raise the first problem found; return None when the entry is postable."""
    check_balance(entry)
    if chart is not None:
        check_accounts(entry, chart)


def is_valid(entry, chart=None) -> bool:
    try:
        validate_entry(entry, chart)
    except LedgerError:
        return False
    return True
