from datetime import date

import pytest

from invoicing_helpers import consulting_invoice
from ledger.core.errors import AllocationError, CurrencyMismatchError, InvoiceStateError
from ledger.core.money import Money
from ledger.core.sequences import Sequence
from ledger.invoicing.discounts import FixedDiscount, PercentDiscount
from ledger.invoicing.invoice import Invoice, InvoiceStatus
from ledger.invoicing.lines import LineItem
from ledger.invoicing.terms import PaymentTerms
from ledger.tax.exemptions import Exemption, ExemptionRegistry
from ledger.tax.calculator import TaxCalculator


def test_totals(calculator):
    t = consulting_invoice(calculator).totals()
    assert t.subtotal == Money("1589.99")
    assert t.discount == Money("0")
    assert t.net == Money("1589.99")
    assert t.taxes == {"VAT": Money("300.00")}
    assert t.tax_total == Money("300.00")
    assert t.total == Money("1889.99")


def test_invoice_discount_is_spread_before_tax(calculator):
    inv = consulting_invoice(calculator)
    inv.set_discount(PercentDiscount("10"))
    t = inv.totals()
    assert t.discount == Money("159.00")
    assert t.net == Money("1430.99")
    assert t.taxes == {"VAT": Money("270.00")}
    assert t.total == Money("1700.99")


def test_fixed_discount(calculator):
    inv = consulting_invoice(calculator)
    inv.set_discount(FixedDiscount(Money("89.99")))
    t = inv.totals()
    assert t.net == Money("1500.00")
    assert t.taxes == {"VAT": Money("283.02")}


def test_line_discount_counts_in_discount_total(calculator):
    inv = Invoice("C1", date(2024, 3, 1), calculator=calculator)
    inv.add_line(LineItem("Widget", 4, Money("25"), ("VAT",), discount_percent="25"))
    t = inv.totals()
    assert t.subtotal == Money("100")
    assert t.discount == Money("25")
    assert t.net == Money("75")
    assert t.total == Money("90")


def test_tax_inclusive_line(calculator):
    inv = Invoice("C1", date(2024, 3, 1), calculator=calculator)
    inv.add_line(LineItem("Book", 1, Money("10.00"), ("VAT",), price_includes_tax=True))
    t = inv.totals()
    assert t.net == Money("8.33")
    assert t.taxes == {"VAT": Money("1.67")}
    assert t.total == Money("10.00")


def test_tax_rounding_total_method(calculator):
    inv = Invoice("C1", date(2024, 3, 1), calculator=calculator, tax_rounding="total")
    for _ in range(3):
        inv.add_line(LineItem("Pen", 1, Money("0.10"), ("GST",)))
    assert inv.totals().taxes == {"GST": Money("0.02")}
    inv.tax_rounding = "line"
    assert inv.totals().taxes == {"GST": Money("0.03")}


def test_no_calculator_means_no_tax():
    inv = consulting_invoice(None)
    assert inv.totals().taxes == {}
    assert inv.total == Money("1589.99")


def test_customer_exemption_passed_to_calculator(tax_table):
    calc = TaxCalculator(tax_table, ExemptionRegistry([Exemption(customer_id="NGO")]))
    assert consulting_invoice(calc, customer="NGO").total == Money("1589.99")


def test_category_passed_to_calculator(tax_table):
    calc = TaxCalculator(tax_table, ExemptionRegistry([Exemption(category="food")]))
    inv = Invoice("C1", date(2024, 3, 1), calculator=calc)
    inv.add_line(LineItem("Bread", 1, Money("4"), ("VAT",), category="food"))
    inv.add_line(LineItem("Wine", 1, Money("10"), ("VAT",), category="drink"))
    assert inv.totals().taxes == {"VAT": Money("2.00")}


def test_currency_mismatch_line():
    inv = Invoice("C1", date(2024, 3, 1), "EUR")
    with pytest.raises(CurrencyMismatchError):
        inv.add_line(LineItem("x", 1, Money("1", "USD")))


def test_remove_line(calculator):
    inv = consulting_invoice(calculator)
    inv.remove_line(1)
    assert inv.total == Money("1800.00")


def test_issue_assigns_number(calculator):
    inv = consulting_invoice(calculator)
    assert inv.issue(Sequence("INV")) == "INV-2024-0001"
    assert inv.status is InvoiceStatus.ISSUED
    assert inv.number == "INV-2024-0001"


def test_issue_keeps_existing_number(calculator):
    inv = consulting_invoice(calculator, number="X-1")
    assert inv.issue() == "X-1"


def test_issue_errors(calculator):
    with pytest.raises(InvoiceStateError, match="without lines"):
        Invoice("C1", date(2024, 3, 1)).issue(Sequence("INV"))
    free = Invoice("C1", date(2024, 3, 1))
    free.add_line(LineItem("Sample", 1, Money("0")))
    with pytest.raises(InvoiceStateError, match="zero total"):
        free.issue(Sequence("INV"))
    with pytest.raises(InvoiceStateError, match="sequence"):
        consulting_invoice(calculator).issue()


def test_issued_invoice_is_locked(calculator):
    inv = consulting_invoice(calculator)
    inv.issue(Sequence("INV"))
    with pytest.raises(InvoiceStateError, match="issued"):
        inv.add_line(LineItem("More", 1, Money("1")))
    with pytest.raises(InvoiceStateError):
        inv.set_discount(PercentDiscount("5"))
    with pytest.raises(InvoiceStateError):
        inv.issue(Sequence("INV"))


def test_payments_update_status(calculator):
    inv = consulting_invoice(calculator)
    inv.issue(Sequence("INV"))
    inv.record_payment("P1", Money("1000"))
    assert inv.status is InvoiceStatus.PARTIALLY_PAID
    assert inv.balance_due == Money("889.99")
    inv.record_payment("P2", Money("889.99"))
    assert inv.status is InvoiceStatus.PAID
    assert inv.amount_paid == Money("1889.99")
    assert inv.balance_due == Money("0")


def test_credit_reduces_balance(calculator):
    inv = consulting_invoice(calculator)
    inv.issue(Sequence("INV"))
    inv.record_credit("CN-1", Money("89.99"))
    assert inv.amount_credited == Money("89.99")
    assert inv.balance_due == Money("1800.00")


def test_overpayment_rejected(calculator):
    inv = consulting_invoice(calculator)
    inv.issue(Sequence("INV"))
    with pytest.raises(AllocationError, match="exceeds"):
        inv.record_payment("P1", Money("1890.00"))


def test_payment_validation(calculator):
    inv = consulting_invoice(calculator)
    with pytest.raises(InvoiceStateError):
        inv.record_payment("P1", Money("1"))
    inv.issue(Sequence("INV"))
    with pytest.raises(AllocationError):
        inv.record_payment("P1", Money("0"))
    with pytest.raises(CurrencyMismatchError):
        inv.record_payment("P1", Money("1", "EUR"))


def test_void(calculator):
    inv = consulting_invoice(calculator)
    inv.issue(Sequence("INV"))
    inv.void()
    assert inv.status is InvoiceStatus.VOID
    assert inv.balance_due == Money("0")
    with pytest.raises(InvoiceStateError):
        inv.void()


def test_void_with_payment_rejected(calculator):
    inv = consulting_invoice(calculator)
    inv.issue(Sequence("INV"))
    inv.record_payment("P1", Money("10"))
    with pytest.raises(InvoiceStateError, match="payments"):
        inv.void()


def test_due_date_and_overdue(calculator):
    inv = consulting_invoice(calculator, terms=PaymentTerms(15))
    assert inv.due_date == date(2024, 3, 16)
    assert not inv.is_overdue(date(2024, 3, 20))  # still a draft
    inv.issue(Sequence("INV"))
    assert not inv.is_overdue(date(2024, 3, 16))
    assert inv.is_overdue(date(2024, 3, 17))
    assert inv.days_overdue(date(2024, 3, 20)) == 4
    assert inv.days_overdue(date(2024, 3, 1)) == 0


def test_paid_invoice_not_overdue(calculator):
    inv = consulting_invoice(calculator)
    inv.issue(Sequence("INV"))
    inv.record_payment("P1", inv.total)
    assert not inv.is_overdue(date(2025, 1, 1))


def test_add_line_returns_invoice():
    inv = Invoice("C1", date(2024, 3, 1))
    assert inv.add_line(LineItem("x", 1, Money("1"))) is inv
