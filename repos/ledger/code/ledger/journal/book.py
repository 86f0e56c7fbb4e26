"""The general ledger: posted entries and account balances."""

from datetime import date

from ledger.accounts.codes import is_descendant
from ledger.accounts.types import Side
from ledger.core.errors import DuplicateEntryError, LedgerError, PeriodClosedError
from ledger.core.money import Money
from ledger.journal.entry import JournalEntry
from ledger.journal.reversal import reverse_entry
from ledger.journal.validation import validate_entry


class Ledger:
    def __init__(self, chart, periods=None, audit=None, base_currency: str = "USD"):
        self.chart = chart
        self.periods = periods
        self.audit = audit
        self.base_currency = base_currency
        self._entries: dict[str, JournalEntry] = {}

    # -- posting ------------------------------------------------------------
    def post(self, entry: JournalEntry, actor: str = "system") -> JournalEntry:
        if entry.entry_id in self._entries:
            raise DuplicateEntryError(f"entry {entry.entry_id} was already posted")
        if entry.is_posted:
            raise LedgerError(f"entry {entry.entry_id} is already posted elsewhere")
        validate_entry(entry, self.chart)
        if self.periods is not None and not self.periods.is_open(entry.date):
            raise PeriodClosedError(
                f"cannot post {entry.entry_id}: period containing {entry.date.isoformat()} is closed"
            )
        entry.mark_posted()
        self._entries[entry.entry_id] = entry
        if self.audit is not None:
            self.audit.record("post", entry.entry_id, {
                "date": entry.date.isoformat(),
                "lines": len(entry.postings),
                "debits": str(sum(p.amount.amount for p in entry.postings if p.is_debit)),
            }, actor=actor)
        return entry

    def reverse(self, entry_id: str, new_id: str, on: date | None = None,
                actor: str = "system") -> JournalEntry:
        original = self.get(entry_id)
        if any(e.reference == entry_id for e in self._entries.values()):
            raise LedgerError(f"entry {entry_id} has already been reversed")
        return self.post(reverse_entry(original, new_id, on), actor=actor)

    # -- queries ------------------------------------------------------------
    def get(self, entry_id: str) -> JournalEntry:
        try:
            return self._entries[entry_id]
        except KeyError:
            raise LedgerError(f"no posted entry {entry_id!r}") from None

    def __len__(self):
        return len(self._entries)

    def entries(self, start: date | None = None, end: date | None = None) -> list[JournalEntry]:
        result = [e for e in self._entries.values()
                  if (start is None or e.date >= start) and (end is None or e.date <= end)]
        return sorted(result, key=lambda e: (e.date, e.entry_id))

    def _matches(self, account: str, code: str, include_children: bool) -> bool:
        return account == code or (include_children and is_descendant(account, code))

    def postings_for(self, code: str, start: date | None = None, end: date | None = None,
                     include_children: bool = False, exclude_closing: bool = False):
        """``(entry, posting)`` pairs touching an account, in date order."""
        self.chart.get(code)
        pairs = []
        for entry in self.entries(start, end):
            if exclude_closing and entry.closing:
                continue
            for posting in entry.postings:
                if self._matches(posting.account, code, include_children):
                    pairs.append((entry, posting))
        return pairs

    def raw_balance(self, code: str, as_of: date | None = None, start: date | None = None,
                    include_children: bool = True, exclude_closing: bool = False) -> Money:
        """Debits minus credits for an account (and its sub-accounts)."""
        account = self.chart.get(code)
        total = Money.zero(account.currency)
        for _, posting in self.postings_for(code, start, as_of, include_children, exclude_closing):
            total = total + posting.signed
        return total

    def balance(self, code: str, as_of: date | None = None, start: date | None = None,
                include_children: bool = True, exclude_closing: bool = False) -> Money:
        """Balance expressed on the account's normal side (positive = normal)."""
        account = self.chart.get(code)
        raw = self.raw_balance(code, as_of, start, include_children, exclude_closing)
        return raw if account.normal_side is Side.DEBIT else -raw

    def turnover(self, code: str, start: date | None = None, end: date | None = None) -> tuple[Money, Money]:
        """Total debits and total credits posted to an account in a range."""
        account = self.chart.get(code)
        debits = Money.zero(account.currency)
        credits = Money.zero(account.currency)
        for _, posting in self.postings_for(code, start, end, include_children=True):
            if posting.is_debit:
                debits = debits + posting.amount
            else:
                credits = credits + posting.amount
        return debits, credits
