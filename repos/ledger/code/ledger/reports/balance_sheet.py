"""Balance sheet: assets = liabilities + equity at a date."""

from dataclasses import dataclass, field
from datetime import date

from ledger.accounts.types import AccountType
from ledger.core.money import Money, sum_money

CURRENT_EARNINGS = "Current Earnings"


@dataclass
class Section:
    title: str
    currency: str
    lines: list = field(default_factory=list)  # (code, name, Money)

    @property
    def total(self) -> Money:
        return sum_money((amount for _, _, amount in self.lines), self.currency)


@dataclass
class BalanceSheet:
    as_of: date
    assets: Section
    liabilities: Section
    equity: Section

    @property
    def total_liabilities_and_equity(self) -> Money:
        return self.liabilities.total + self.equity.total

    @property
    def is_balanced(self) -> bool:
        return self.assets.total == self.total_liabilities_and_equity


def section_amount(ledger, account, as_of: date, start: date | None = None) -> Money:
    """An account's balance signed for its section: contra accounts subtract."""
    amount = ledger.balance(account.code, as_of=as_of, start=start, include_children=False)
    return -amount if account.contra else amount


def unclosed_earnings(ledger, as_of: date) -> Money:
    """Income minus expenses that have not yet been closed into equity."""
    currency = ledger.base_currency
    total = Money.zero(currency)
    for account in ledger.chart.leaves():
        if account.currency != currency or not account.type.is_temporary:
            continue
        amount = section_amount(ledger, account, as_of)
        total = total + amount if account.type is AccountType.INCOME else total - amount
    return total


def balance_sheet(ledger, as_of: date, include_zero: bool = False) -> BalanceSheet:
    cur = ledger.base_currency
    sections = {
        AccountType.ASSET: Section("Assets", cur),
        AccountType.LIABILITY: Section("Liabilities", cur),
        AccountType.EQUITY: Section("Equity", cur),
    }
    for account in ledger.chart.leaves():
        if account.currency != cur or not account.type.is_balance_sheet:
            continue
        amount = section_amount(ledger, account, as_of)
        if amount.is_zero() and not include_zero:
            continue
        sections[account.type].lines.append((account.code, account.name, amount))
    earnings = unclosed_earnings(ledger, as_of)
    if not earnings.is_zero() or include_zero:
        sections[AccountType.EQUITY].lines.append(("", CURRENT_EARNINGS, earnings))
    return BalanceSheet(as_of, sections[AccountType.ASSET], sections[AccountType.LIABILITY],
                        sections[AccountType.EQUITY])
