"""Accounts receivable aging by days past due."""

from dataclasses import dataclass, field
from datetime import date

from ledger.core.money import Money, sum_money
from ledger.invoicing.invoice import OPEN_STATUSES

DEFAULT_BUCKETS = (30, 60, 90)
CURRENT = "current"


def bucket_labels(buckets=DEFAULT_BUCKETS) -> list[str]:
    labels = [CURRENT]
    lower = 1
    for upper in buckets:
        labels.append(f"{lower}-{upper}")
        lower = upper + 1
    labels.append(f"over {buckets[-1]}")
    return labels


def bucket_for(days_overdue: int, buckets=DEFAULT_BUCKETS) -> str:
    """The label of the bucket a number of days past due falls into."""
    if days_overdue <= 0:
        return CURRENT
    lower = 1
    for upper in buckets:
        if days_overdue <= upper:
            return f"{lower}-{upper}"
        lower = upper + 1
    return f"over {buckets[-1]}"


@dataclass
class AgingRow:
    customer_id: str
    buckets: dict = field(default_factory=dict)

    @property
    def total(self) -> Money:
        values = list(self.buckets.values())
        return sum_money(values, values[0].code if values else "USD")


def aging_report(invoices, as_of: date, buckets=DEFAULT_BUCKETS, currency: str = "USD") -> list[AgingRow]:
    """One row per customer with open balances, sorted by customer id."""
    if list(buckets) != sorted(buckets) or len(set(buckets)) != len(buckets):
        raise ValueError("aging buckets must be strictly increasing")
    labels = bucket_labels(buckets)
    rows: dict[str, AgingRow] = {}
    for inv in invoices:
        if inv.status not in OPEN_STATUSES or inv.currency != currency:
            continue
        if inv.issue_date > as_of:
            continue
        due = inv.balance_due
        if not due.is_positive():
            continue
        row = rows.get(inv.customer_id)
        if row is None:
            row = AgingRow(inv.customer_id, {label: Money.zero(currency) for label in labels})
            rows[inv.customer_id] = row
        label = bucket_for(inv.days_overdue(as_of), buckets)
        row.buckets[label] = row.buckets[label] + due
    return [rows[k] for k in sorted(rows)]


def aging_totals(rows, buckets=DEFAULT_BUCKETS, currency: str = "USD") -> dict:
    totals = {label: Money.zero(currency) for label in bucket_labels(buckets)}
    for row in rows:
        for label, amount in row.buckets.items():
            totals[label] = totals[label] + amount
    return totals
