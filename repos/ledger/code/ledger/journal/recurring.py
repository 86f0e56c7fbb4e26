"""Recurring journal entry templates (rent, depreciation, subscriptions)."""

from dataclasses import dataclass, field
from datetime import date

from ledger.accounts.types import parse_side
from ledger.core.dates import add_months
from ledger.core.errors import LedgerError
from ledger.journal.entry import JournalEntry
from ledger.journal.posting import Posting

FREQUENCIES = {"monthly": 1, "quarterly": 3, "semiannual": 6, "yearly": 12}


@dataclass
class RecurringTemplate:
    template_id: str
    description: str
    lines: list = field(default_factory=list)  # (account, side, Money)
    frequency: str = "monthly"
    start: date = date(2000, 1, 1)
    end: date | None = None
    count: int | None = None

    def __post_init__(self):
        if self.frequency not in FREQUENCIES:
            raise LedgerError(f"unknown frequency {self.frequency!r}")
        if self.count is not None and self.count < 1:
            raise LedgerError("count must be at least 1")
        if self.end is not None and self.end < self.start:
            raise LedgerError("end date is before start date")
        self.lines = [Posting(acct, parse_side(side), amount) for acct, side, amount in self.lines]

    @property
    def step_months(self) -> int:
        return FREQUENCIES[self.frequency]

    def occurrences(self, until: date) -> list[date]:
        """Occurrence dates up to ``until`` anchored on the start day (no drift)."""
        result = []
        k = 0
        while True:
            if self.count is not None and k >= self.count:
                break
            d = add_months(self.start, k * self.step_months)
            if d > until or (self.end is not None and d > self.end):
                break
            result.append(d)
            k += 1
        return result

    def build_entries(self, until: date, sequence, already_generated: int = 0) -> list[JournalEntry]:
        """Draft entries for every occurrence not generated yet."""
        entries = []
        for d in self.occurrences(until)[already_generated:]:
            entry = JournalEntry(sequence.next(year=d.year), d,
                                 f"{self.description} ({d.isoformat()})",
                                 reference=self.template_id)
            for line in self.lines:
                entry.add(line)
            entries.append(entry)
        return entries
