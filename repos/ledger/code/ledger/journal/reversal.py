"""Reversing entries (undo a posted entry by posting its mirror image)."""

from collections import Counter
from datetime import date

from ledger.journal.entry import JournalEntry


def reverse_entry(entry: JournalEntry, new_id: str, on: date | None = None,
                  description: str | None = None) -> JournalEntry:
    """A new draft entry with every posting's side swapped."""
    reversal = JournalEntry(
        new_id,
        on or entry.date,
        description if description is not None else f"Reversal of {entry.entry_id}",
        reference=entry.entry_id,
    )
    for posting in entry.postings:
        reversal.add(posting.flipped())
    return reversal


def _signature(entry: JournalEntry) -> Counter:
    return Counter((p.account, p.side, p.amount) for p in entry.postings)


def is_reversal_of(candidate: JournalEntry, original: JournalEntry) -> bool:
    """True if ``candidate`` exactly cancels ``original``."""
    flipped = Counter((p.account, p.side.opposite, p.amount) for p in original.postings)
    return bool(original.postings) and _signature(candidate) == flipped


def accrual_with_reversal(entry: JournalEntry, reversal_id: str, reverse_on: date) -> tuple[JournalEntry, JournalEntry]:
    """An accrual entry and its automatic reversal dated ``reverse_on``."""
    if reverse_on <= entry.date:
        raise ValueError("the reversal must be dated after the accrual")
    return entry, reverse_entry(entry, reversal_id, reverse_on, f"Auto-reversal of {entry.entry_id}")
