"""Account activity statements with opening, running and closing balances."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from ledger.accounts.types import Side
from ledger.core.money import Money


@dataclass
class ActivityLine:
    date: date
    entry_id: str
    description: str
    debit: Money
    credit: Money
    balance: Money


@dataclass
class AccountActivity:
    code: str
    name: str
    start: date
    end: date
    opening: Money
    lines: list = field(default_factory=list)

    @property
    def closing(self) -> Money:
        return self.lines[-1].balance if self.lines else self.opening

    @property
    def net_change(self) -> Money:
        return self.closing - self.opening


def account_activity(ledger, code: str, start: date, end: date,
                     include_children: bool = True) -> AccountActivity:
    """Postings to ``code`` between ``start`` and ``end`` inclusive.

    Balances are shown on the account's normal side.
    """
    if end < start:
        raise ValueError("end date is before start date")
    account = ledger.chart.get(code)
    opening = ledger.balance(code, as_of=start - timedelta(days=1),
                             include_children=include_children)
    activity = AccountActivity(account.code, account.name, start, end, opening)
    zero = Money.zero(account.currency)
    running = opening
    normal_debit = account.normal_side is Side.DEBIT
    for entry, posting in ledger.postings_for(code, start, end, include_children):
        change = posting.signed if normal_debit else -posting.signed
        running = running + change
        activity.lines.append(ActivityLine(
            entry.date, entry.entry_id, posting.memo or entry.description,
            posting.amount if posting.is_debit else zero,
            zero if posting.is_debit else posting.amount,
            running,
        ))
    return activity
