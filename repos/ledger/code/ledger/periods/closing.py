"""Year-end close: move income and expense balances into retained earnings."""

from ledger.core.errors import LedgerError
from ledger.core.money import Money
from ledger.journal.entry import JournalEntry
from ledger.journal.posting import from_signed


def closing_entry(ledger, calendar, fiscal_year: int, retained_earnings: str,
                  entry_id: str) -> JournalEntry:
    """Build the closing entry for a fiscal year (not yet posted)."""
    start, end = calendar.year_bounds(fiscal_year)
    target = ledger.chart.get(retained_earnings)
    if target.type.is_temporary:
        raise LedgerError(f"account {retained_earnings} is not an equity account")
    entry = JournalEntry(entry_id, end, f"Year-end close FY{fiscal_year}", closing=True)
    offset = Money.zero(target.currency)
    for account in ledger.chart.leaves():
        if not account.type.is_temporary or account.currency != target.currency:
            continue
        raw = ledger.raw_balance(account.code, as_of=end, start=start,
                                 include_children=False, exclude_closing=True)
        if raw.is_zero():
            continue
        entry.add(from_signed(account.code, -raw, "closing"))
        offset = offset + raw
    if not entry.postings:
        raise LedgerError(f"nothing to close for FY{fiscal_year}")
    if not offset.is_zero():
        entry.add(from_signed(target.code, offset, "net income" if offset.is_negative() else "net loss"))
    return entry


def close_fiscal_year(ledger, registry, fiscal_year: int, retained_earnings: str,
                      entry_id: str) -> JournalEntry:
    """Post the closing entry, then close every period of the year."""
    entry = closing_entry(ledger, registry.calendar, fiscal_year, retained_earnings, entry_id)
    ledger.post(entry)
    registry.close_year(fiscal_year)
    return entry
