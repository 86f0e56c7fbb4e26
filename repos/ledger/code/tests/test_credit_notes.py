from datetime import date

import pytest

from invoicing_helpers import consulting_invoice
from ledger.core.errors import AllocationError, CurrencyMismatchError, InvoiceStateError
from ledger.core.money import Money
from ledger.core.sequences import Sequence
from ledger.invoicing.credit_notes import CreditNote, full_credit
from ledger.invoicing.discounts import PercentDiscount
from ledger.invoicing.invoice import Invoice, InvoiceStatus
from ledger.invoicing.lines import LineItem
from ledger.tax.calculator import TaxCalculator
from ledger.tax.rates import TaxRate, TaxRateTable


@pytest.fixture
def issued(calculator):
    inv = consulting_invoice(calculator)
    inv.issue(Sequence("INV"))
    return inv


def hours(n):
    return LineItem("Consulting", n, Money("150"), ("VAT",))


def test_partial_credit(issued):
    note = CreditNote("CN-1", issued, date(2024, 3, 10), "Returned hours", [hours(2)])
    assert note.total == Money("360.00")
    note.apply()
    assert note.applied
    assert issued.balance_due == Money("1529.99")
    assert issued.credits == [("CN-1", Money("360.00"))]
    assert issued.status is InvoiceStatus.PARTIALLY_PAID


def test_credit_exceeding_balance(issued):
    issued.record_payment("P1", Money("1800"))
    note = CreditNote("CN-1", issued, date(2024, 3, 10), "Returned hours", [hours(1)])
    with pytest.raises(AllocationError, match="exceeds"):
        note.apply()
    assert not note.applied


def test_full_credit_matches_invoice(issued):
    issued_total = issued.total
    note = full_credit(issued, "CN-2", date(2024, 3, 10), "Cancelled")
    assert note.total == issued_total
    note.apply()
    assert issued.balance_due == Money("0")
    assert issued.status is InvoiceStatus.PAID


def test_full_credit_copies_invoice_discount(calculator):
    inv = consulting_invoice(calculator)
    inv.set_discount(PercentDiscount("10"))
    inv.issue(Sequence("INV"))
    note = full_credit(inv, "CN-3", date(2024, 3, 10), "Cancelled")
    assert note.total == Money("1700.99")
    assert note.lines[0] is not inv.lines[0]


def test_tax_uses_invoice_date_rates():
    table = TaxRateTable([
        TaxRate("VAT", "VAT", "20", date(2020, 1, 1), date(2024, 6, 30)),
        TaxRate("VAT", "VAT", "22", date(2024, 7, 1)),
    ])
    inv = Invoice("C1", date(2024, 6, 15), calculator=TaxCalculator(table), number="INV-1")
    inv.add_line(LineItem("Thing", 1, Money("100"), ("VAT",)))
    inv.issue()
    note = CreditNote("CN-1", inv, date(2024, 7, 10), "Damaged", [LineItem("Thing", 1, Money("100"), ("VAT",))])
    assert note.totals().taxes == {"VAT": Money("20.00")}


def test_validation(issued):
    with pytest.raises(InvoiceStateError, match="reason"):
        CreditNote("CN-1", issued, date(2024, 3, 10), " ")
    with pytest.raises(InvoiceStateError, match="predate"):
        CreditNote("CN-1", issued, date(2024, 2, 28), "Oops")
    note = CreditNote("CN-1", issued, date(2024, 3, 1), " Oops ")
    assert note.reason == "Oops"
    assert note.currency == "USD"
    with pytest.raises(CurrencyMismatchError):
        note.add_line(LineItem("x", 1, Money("1", "EUR")))


def test_apply_twice(issued):
    note = CreditNote("CN-1", issued, date(2024, 3, 10), "Returned hours", [hours(1)])
    note.apply()
    with pytest.raises(InvoiceStateError, match="already applied"):
        note.apply()
    with pytest.raises(InvoiceStateError):
        note.add_line(hours(1))


def test_cannot_credit_draft_or_void(calculator):
    draft = consulting_invoice(calculator)
    with pytest.raises(InvoiceStateError, match="draft"):
        CreditNote("CN-1", draft, date(2024, 3, 10), "x", [hours(1)]).apply()
    draft.issue(Sequence("INV"))
    draft.void()
    with pytest.raises(InvoiceStateError, match="void"):
        CreditNote("CN-2", draft, date(2024, 3, 10), "x", [hours(1)]).apply()
