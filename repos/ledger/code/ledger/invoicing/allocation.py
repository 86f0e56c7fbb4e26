"""Applying a payment across a customer's open invoices."""

from dataclasses import dataclass, field

from ledger.core.errors import AllocationError, CurrencyMismatchError
from ledger.core.money import Money, min_money
from ledger.invoicing.invoice import OPEN_STATUSES


@dataclass
class Allocation:
    invoice_number: str
    amount: Money
    discount: Money


@dataclass
class AllocationResult:
    allocations: list = field(default_factory=list)
    unapplied: Money = None

    @property
    def invoices_paid(self) -> list[str]:
        return [a.invoice_number for a in self.allocations]


def open_invoices(invoices, customer_id: str) -> list:
    """Open invoices of a customer, oldest due date first."""
    items = [inv for inv in invoices
             if inv.customer_id == customer_id and inv.status in OPEN_STATUSES
             and inv.balance_due.is_positive()]
    return sorted(items, key=lambda inv: (inv.due_date, inv.issue_date, inv.number or ""))


def allocate_payment(payment, invoices, order=None, apply: bool = True,
                     take_early_discount: bool = False) -> AllocationResult:
    """Spread ``payment`` over invoices (oldest first, or in the explicit ``order``)."""
    if order is not None:
        by_number = {inv.number: inv for inv in invoices}
        missing = [n for n in order if n not in by_number]
        if missing:
            raise AllocationError(f"unknown invoice(s): {', '.join(missing)}")
        targets = [by_number[n] for n in order]
        for inv in targets:
            if inv.customer_id != payment.customer_id:
                raise AllocationError(f"invoice {inv.number} belongs to another customer")
    else:
        targets = open_invoices(invoices, payment.customer_id)
    remaining = payment.unapplied
    result = AllocationResult(unapplied=remaining)
    for inv in targets:
        if remaining.is_zero():
            break
        if inv.currency != payment.amount.code:
            raise CurrencyMismatchError(f"invoice {inv.number} is in {inv.currency}")
        due = inv.balance_due
        discount = Money.zero(inv.currency)
        if take_early_discount:
            offered = inv.terms.early_payment_discount(due, inv.issue_date, payment.received_on)
            if offered.is_positive() and remaining >= due - offered:
                discount = offered
        amount = min_money(remaining, due - discount)
        if amount.is_zero():
            continue
        if apply:
            inv.record_payment(payment.payment_id, amount)
            if discount.is_positive():
                inv.record_credit(f"DISC-{payment.payment_id}", discount)
            payment.applied.append((inv.number, amount))
        result.allocations.append(Allocation(inv.number, amount, discount))
        remaining = remaining - amount
    result.unapplied = remaining
    return result
