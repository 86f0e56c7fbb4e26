from datetime import date

import pytest

from invoicing_helpers import simple_invoice
from ledger.core.errors import AllocationError, CurrencyMismatchError
from ledger.core.money import Money
from ledger.invoicing.allocation import allocate_payment, open_invoices
from ledger.invoicing.invoice import InvoiceStatus
from ledger.invoicing.payments import Payment
from ledger.invoicing.terms import PaymentTerms


@pytest.fixture
def invoices():
    return [
        simple_invoice("INV-B", "500", date(2024, 2, 1)),
        simple_invoice("INV-A", "1000", date(2024, 1, 1)),
        simple_invoice("INV-C", "700", date(2023, 12, 1), customer="C2"),
    ]


def pay(amount, on=date(2024, 3, 1), customer="C1", pid="P1"):
    return Payment(pid, customer, Money(amount), on)


def test_open_invoices_oldest_due_first(invoices):
    assert [i.number for i in open_invoices(invoices, "C1")] == ["INV-A", "INV-B"]


def test_open_invoices_skip_paid(invoices):
    invoices[1].record_payment("X", Money("1000"))
    assert [i.number for i in open_invoices(invoices, "C1")] == ["INV-B"]


def test_oldest_first(invoices):
    p = pay("1200")
    result = allocate_payment(p, invoices)
    assert [(a.invoice_number, a.amount) for a in result.allocations] == [
        ("INV-A", Money("1000")), ("INV-B", Money("200"))]
    assert result.unapplied == Money("0")
    assert invoices[1].status is InvoiceStatus.PAID
    assert invoices[0].balance_due == Money("300")
    assert p.applied == [("INV-A", Money("1000")), ("INV-B", Money("200"))]
    assert result.invoices_paid == ["INV-A", "INV-B"]


def test_overpayment_left_unapplied(invoices):
    p = pay("2000")
    result = allocate_payment(p, invoices)
    assert result.unapplied == Money("500")
    assert p.unapplied == Money("500")


def test_explicit_order(invoices):
    result = allocate_payment(pay("600"), invoices, order=["INV-B", "INV-A"])
    assert [(a.invoice_number, str(a.amount)) for a in result.allocations] == [
        ("INV-B", "500.00 USD"), ("INV-A", "100.00 USD")]


def test_explicit_order_errors(invoices):
    with pytest.raises(AllocationError, match="INV-Z"):
        allocate_payment(pay("1"), invoices, order=["INV-Z"])
    with pytest.raises(AllocationError, match="another customer"):
        allocate_payment(pay("1"), invoices, order=["INV-C"])


def test_dry_run_changes_nothing(invoices):
    p = pay("1200")
    result = allocate_payment(p, invoices, apply=False)
    assert len(result.allocations) == 2
    assert invoices[1].balance_due == Money("1000")
    assert p.applied == []


def test_no_open_invoices():
    result = allocate_payment(pay("50", customer="C9"), [])
    assert result.allocations == []
    assert result.unapplied == Money("50")


def test_previously_applied_part_is_not_reused(invoices):
    p = pay("1200")
    p.applied.append(("OLD", Money("1000")))
    result = allocate_payment(p, invoices)
    assert [(a.invoice_number, a.amount) for a in result.allocations] == [("INV-A", Money("200"))]


def test_early_payment_discount_taken():
    inv = simple_invoice("INV-1", "1000", date(2024, 1, 1), terms=PaymentTerms(30, "2", 10))
    result = allocate_payment(pay("980", on=date(2024, 1, 8)), [inv], take_early_discount=True)
    a = result.allocations[0]
    assert (a.amount, a.discount) == (Money("980"), Money("20"))
    assert inv.status is InvoiceStatus.PAID
    assert inv.credits == [("DISC-P1", Money("20.00"))]


def test_early_payment_discount_expired():
    inv = simple_invoice("INV-1", "1000", date(2024, 1, 1), terms=PaymentTerms(30, "2", 10))
    result = allocate_payment(pay("980", on=date(2024, 1, 12)), [inv], take_early_discount=True)
    assert result.allocations[0].discount == Money("0")
    assert inv.balance_due == Money("20")


def test_early_payment_discount_needs_enough_money():
    inv = simple_invoice("INV-1", "1000", date(2024, 1, 1), terms=PaymentTerms(30, "2", 10))
    allocate_payment(pay("500", on=date(2024, 1, 5)), [inv], take_early_discount=True)
    assert inv.balance_due == Money("500")
    assert inv.credits == []


def test_currency_mismatch():
    inv = simple_invoice("INV-E", "10", date(2024, 1, 1), currency="EUR")
    with pytest.raises(CurrencyMismatchError):
        allocate_payment(pay("10"), [inv], order=["INV-E"])


def test_ties_broken_by_invoice_number():
    invs = [simple_invoice("INV-B", "10", date(2024, 1, 1)), simple_invoice("INV-A", "10", date(2024, 1, 1))]
    assert [i.number for i in open_invoices(invs, "C1")] == ["INV-A", "INV-B"]


def test_early_discount_not_taken_by_default():
    inv = simple_invoice("INV-1", "1000", date(2024, 1, 1), terms=PaymentTerms(30, "2", 10))
    result = allocate_payment(pay("980", on=date(2024, 1, 8)), [inv])
    assert result.allocations[0].discount == Money("0")
    assert inv.balance_due == Money("20")
