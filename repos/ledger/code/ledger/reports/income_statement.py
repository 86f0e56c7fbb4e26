"""Income statement (profit and loss) for a date range."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ledger.accounts.types import AccountType
from ledger.core.money import Money, sum_money

COGS_PREFIX = "5"


@dataclass
class IncomeStatement:
    start: date
    end: date
    currency: str
    revenue: list = field(default_factory=list)       # (code, name, Money)
    cost_of_sales: list = field(default_factory=list)
    expenses: list = field(default_factory=list)

    def _sum(self, rows) -> Money:
        return sum_money((amount for _, _, amount in rows), self.currency)

    @property
    def total_revenue(self) -> Money:
        return self._sum(self.revenue)

    @property
    def total_cost_of_sales(self) -> Money:
        return self._sum(self.cost_of_sales)

    @property
    def gross_profit(self) -> Money:
        return self.total_revenue - self.total_cost_of_sales

    @property
    def total_expenses(self) -> Money:
        return self._sum(self.expenses)

    @property
    def net_income(self) -> Money:
        return self.gross_profit - self.total_expenses

    def margin_percent(self) -> Decimal | None:
        """Net income as a percentage of revenue, or None without revenue."""
        if self.total_revenue.is_zero():
            return None
        return (self.net_income.amount * 100 / self.total_revenue.amount).quantize(Decimal("0.01"))


def income_statement(ledger, start: date, end: date) -> IncomeStatement:
    """Activity of income and expense accounts, ignoring year-end closing entries."""
    if end < start:
        raise ValueError("end date is before start date")
    cur = ledger.base_currency
    report = IncomeStatement(start, end, cur)
    for account in ledger.chart.leaves():
        if account.currency != cur or not account.type.is_temporary:
            continue
        amount = ledger.balance(account.code, as_of=end, start=start,
                                include_children=False, exclude_closing=True)
        if account.contra:
            amount = -amount
        if amount.is_zero():
            continue
        row = (account.code, account.name, amount)
        if account.type is AccountType.INCOME:
            report.revenue.append(row)
        elif account.code.startswith(COGS_PREFIX):
            report.cost_of_sales.append(row)
        else:
            report.expenses.append(row)
    return report
