"""Trial balance: every account's debit or credit balance at a date."""

from dataclasses import dataclass, field
from datetime import date

from ledger.core.money import Money, sum_money
from ledger.core.numfmt import format_amount


@dataclass
class TrialBalanceRow:
    code: str
    name: str
    debit: Money
    credit: Money


@dataclass
class TrialBalance:
    as_of: date
    currency: str
    rows: list = field(default_factory=list)

    @property
    def total_debits(self) -> Money:
        return sum_money((r.debit for r in self.rows), self.currency)

    @property
    def total_credits(self) -> Money:
        return sum_money((r.credit for r in self.rows), self.currency)

    @property
    def is_balanced(self) -> bool:
        return self.total_debits == self.total_credits

    def render(self, name_width: int = 24) -> str:
        def cell(m: Money) -> str:
            return format_amount(m.amount) if m else ""

        lines = [f"{'Code':<8}{'Account':<{name_width}}{'Debit':>14}{'Credit':>14}"]
        for r in self.rows:
            lines.append(f"{r.code:<8}{r.name[:name_width]:<{name_width}}"
                         f"{cell(r.debit):>14}{cell(r.credit):>14}")
        lines.append(f"{'':<8}{'Total':<{name_width}}"
                     f"{format_amount(self.total_debits.amount):>14}"
                     f"{format_amount(self.total_credits.amount):>14}")
        return "\n".join(lines)


def trial_balance(ledger, as_of: date, include_zero: bool = False,
                  currency: str | None = None) -> TrialBalance:
    """Balances of postable (leaf) accounts kept in ``currency``."""
    code = currency or ledger.base_currency
    tb = TrialBalance(as_of, code)
    zero = Money.zero(code)
    for account in ledger.chart.leaves():
        if account.currency != code:
            continue
        raw = ledger.raw_balance(account.code, as_of=as_of, include_children=False)
        if raw.is_zero() and not include_zero:
            continue
        if raw.is_negative():
            tb.rows.append(TrialBalanceRow(account.code, account.name, zero, -raw))
        else:
            tb.rows.append(TrialBalanceRow(account.code, account.name, raw, zero))
    return tb
