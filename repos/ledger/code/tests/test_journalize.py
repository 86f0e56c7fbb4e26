from datetime import date

import pytest

from invoicing_helpers import consulting_invoice
from ledger.accounts.types import Side
from ledger.core.errors import InvoiceStateError
from ledger.core.money import Money
from ledger.core.sequences import Sequence
from ledger.invoicing.credit_notes import CreditNote
from ledger.invoicing.journalize import AccountMap, credit_note_entry, invoice_entry, payment_entry
from ledger.invoicing.lines import LineItem
from ledger.invoicing.payments import Payment


def lines_of(entry):
    return [(p.account, p.side.short, str(p.amount.amount)) for p in entry.postings]


@pytest.fixture
def issued(calculator):
    inv = consulting_invoice(calculator)
    inv.issue(Sequence("INV"))
    return inv


def test_account_map_defaults():
    m = AccountMap(tax_accounts={"GST": "2150"}, category_revenue={"travel": "4100"})
    assert m.tax_account("GST") == "2150"
    assert m.tax_account("VAT") == "2100"
    assert m.revenue_account(None) == "4000"
    assert m.revenue_account("travel") == "4100"
    assert m.revenue_account("other") == "4000"


def test_invoice_entry(issued):
    e = invoice_entry(issued, "JE-10")
    assert lines_of(e) == [("1100", "Dr", "1889.99"), ("4000", "Cr", "1589.99"), ("2100", "Cr", "300.00")]
    assert e.is_balanced()
    assert e.reference == "INV-2024-0001"
    assert e.description == "Invoice INV-2024-0001"
    assert e.date == date(2024, 3, 1)


def test_invoice_entry_revenue_by_category(issued):
    e = invoice_entry(issued, "JE-10", AccountMap(category_revenue={"travel": "4100"}))
    assert lines_of(e)[1:3] == [("4000", "Cr", "1500.00"), ("4100", "Cr", "89.99")]


def test_invoice_entry_posts(issued, book):
    book.post(invoice_entry(issued, "JE-10"))
    assert book.balance("1100") == Money("1889.99")
    assert book.balance("2100") == Money("300.00")


def test_invoice_entry_requires_number(calculator):
    with pytest.raises(InvoiceStateError):
        invoice_entry(consulting_invoice(calculator), "JE-1")


def test_payment_entry():
    p = Payment("P1", "C1", Money("100.00"), date(2024, 3, 5))
    e = payment_entry(p, "JE-11")
    assert lines_of(e) == [("1000", "Dr", "100.00"), ("1100", "Cr", "100.00")]
    assert e.postings[0].side is Side.DEBIT


def test_payment_entry_with_fee():
    p = Payment("P1", "C1", Money("100.00"), date(2024, 3, 5))
    e = payment_entry(p, "JE-11", fee=Money("3.20"))
    assert lines_of(e) == [("1000", "Dr", "96.80"), ("6900", "Dr", "3.20"), ("1100", "Cr", "100.00")]
    assert e.is_balanced()


def test_credit_note_entry(issued):
    note = CreditNote("CN-1", issued, date(2024, 3, 10), "Returned hours",
                      [LineItem("Consulting", 2, Money("150"), ("VAT",))])
    e = credit_note_entry(note, "JE-12")
    assert lines_of(e) == [("4000", "Dr", "300.00"), ("2100", "Dr", "60.00"), ("1100", "Cr", "360.00")]
    assert e.date == date(2024, 3, 10)
    assert e.is_balanced()
