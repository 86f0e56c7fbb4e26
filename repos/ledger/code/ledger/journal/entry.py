"""Journal entries: dated groups of postings that must balance."""

from datetime import date
from enum import Enum

from ledger.accounts.types import Side
from ledger.core.errors import CurrencyMismatchError, LedgerError
from ledger.core.money import Money, sum_money
from ledger.journal.posting import Posting


class EntryStatus(Enum):
    DRAFT = "draft"
    POSTED = "posted"


class JournalEntry:
    def __init__(self, entry_id: str, on: date, description: str = "", postings=(),
                 reference: str | None = None, closing: bool = False):
        if not entry_id or not str(entry_id).strip():
            raise LedgerError("journal entries need an id")
        if not isinstance(on, date):
            raise LedgerError(f"entry date must be a date, got {on!r}")
        self.entry_id = str(entry_id).strip()
        self.date = on
        self.description = description
        self.reference = reference
        self.closing = closing
        self.status = EntryStatus.DRAFT
        self.postings: list[Posting] = []
        for p in postings:
            self.add(p)

    def add(self, posting: Posting) -> "JournalEntry":
        if self.status is not EntryStatus.DRAFT:
            raise LedgerError(f"entry {self.entry_id} is already posted")
        if not isinstance(posting, Posting):
            raise LedgerError(f"expected a Posting, got {posting!r}")
        self.postings.append(posting)
        return self

    def debit(self, account: str, amount: Money, memo: str = "") -> "JournalEntry":
        return self.add(Posting(account, Side.DEBIT, amount, memo))

    def credit(self, account: str, amount: Money, memo: str = "") -> "JournalEntry":
        return self.add(Posting(account, Side.CREDIT, amount, memo))

    def mark_posted(self) -> None:
        self.status = EntryStatus.POSTED

    @property
    def is_posted(self) -> bool:
        return self.status is EntryStatus.POSTED

    def currencies(self) -> list[str]:
        return sorted({p.amount.code for p in self.postings})

    def _resolve_currency(self, currency: str | None) -> str:
        if currency is not None:
            return currency
        codes = self.currencies()
        if len(codes) > 1:
            raise CurrencyMismatchError(
                f"entry {self.entry_id} mixes {', '.join(codes)}; pass a currency"
            )
        return codes[0] if codes else "USD"

    def total(self, side: Side, currency: str | None = None) -> Money:
        code = self._resolve_currency(currency)
        return sum_money((p.amount for p in self.postings
                          if p.side is side and p.amount.code == code), code)

    def total_debits(self, currency: str | None = None) -> Money:
        return self.total(Side.DEBIT, currency)

    def total_credits(self, currency: str | None = None) -> Money:
        return self.total(Side.CREDIT, currency)

    def imbalance(self, currency: str | None = None) -> Money:
        """Debits minus credits in one currency."""
        code = self._resolve_currency(currency)
        return self.total_debits(code) - self.total_credits(code)

    def is_balanced(self) -> bool:
        if len(self.postings) < 2:
            return False
        return all(self.imbalance(code).is_zero() for code in self.currencies())

    def accounts(self) -> list[str]:
        return sorted({p.account for p in self.postings})

    def lines_for(self, account: str) -> list[Posting]:
        return [p for p in self.postings if p.account == account]

    def __repr__(self):
        return f"<JournalEntry {self.entry_id} {self.date.isoformat()} {len(self.postings)} postings>"
