import json
from datetime import date
from decimal import Decimal

import pytest

from invoicing_helpers import consulting_invoice
from ledger.core.errors import DataImportError
from ledger.core.money import Money
from ledger.core.sequences import Sequence
from ledger.invoicing.discounts import FixedDiscount, PercentDiscount
from ledger.invoicing.invoice import InvoiceStatus
from ledger.invoicing.terms import PaymentTerms
from ledger.io.json_codec import (
    dumps,
    entry_from_dict,
    entry_to_dict,
    invoice_from_dict,
    invoice_to_dict,
    loads,
    money_from_dict,
    money_to_dict,
)


def test_money_round_trip():
    assert money_to_dict(Money("12.5", "EUR")) == {"amount": "12.50", "currency": "EUR"}
    assert money_from_dict({"amount": "12.50", "currency": "EUR"}) == Money("12.5", "EUR")


def test_money_missing_field():
    with pytest.raises(DataImportError, match="currency"):
        money_from_dict({"amount": "1"})


def test_entry_to_dict(busy_book):
    d = entry_to_dict(busy_book.get("JE-4"))
    assert d["id"] == "JE-4"
    assert d["date"] == "2024-02-15"
    assert d["status"] == "posted"
    assert d["postings"][1] == {"account": "1000", "side": "credit",
                                "amount": {"amount": "800.00", "currency": "USD"}, "memo": ""}


def test_entry_round_trip(busy_book):
    original = busy_book.get("JE-3")
    copy = entry_from_dict(entry_to_dict(original))
    assert copy.is_posted
    assert [(p.account, p.side, p.amount) for p in copy.postings] == [
        (p.account, p.side, p.amount) for p in original.postings]
    assert copy.description == "Invoice 1"


def test_draft_entry_stays_draft(busy_book):
    d = entry_to_dict(busy_book.get("JE-3"))
    d["status"] = "draft"
    d["closing"] = True
    copy = entry_from_dict(d)
    assert not copy.is_posted
    assert copy.closing


def test_invoice_round_trip(calculator):
    inv = consulting_invoice(calculator, terms=PaymentTerms(30, "2", 10))
    inv.set_discount(PercentDiscount("10"))
    inv.issue(Sequence("INV"))
    inv.record_payment("P1", Money("100"))
    copy = invoice_from_dict(invoice_to_dict(inv), calculator)
    assert copy.number == "INV-2024-0001"
    assert copy.status is InvoiceStatus.PARTIALLY_PAID
    assert copy.terms == inv.terms
    assert copy.total == Money("1700.99")
    assert copy.balance_due == Money("1600.99")
    assert copy.lines[1].category == "travel"


def test_invoice_dict_values(calculator):
    inv = consulting_invoice(calculator)
    inv.set_discount(FixedDiscount(Money("5")))
    d = invoice_to_dict(inv)
    assert d["discount"] == {"type": "fixed", "amount": {"amount": "5.00", "currency": "USD"}}
    assert d["lines"][0]["quantity"] == "10"
    assert d["lines"][0]["tax_codes"] == ["VAT"]
    assert d["terms"] == {"net_days": 30, "discount_percent": "0", "discount_days": 0, "end_of_month": False}
    assert invoice_from_dict(d).discount == FixedDiscount(Money("5"))


def test_unknown_discount_type(calculator):
    d = invoice_to_dict(consulting_invoice(calculator))
    d["discount"] = {"type": "bogo"}
    with pytest.raises(DataImportError, match="bogo"):
        invoice_from_dict(d)


def test_dumps_and_loads(busy_book):
    text = dumps({"entry": busy_book.get("JE-1"), "total": Money("3"), "rate": Decimal("1.50"),
                  "on": date(2024, 1, 2)})
    payload = json.loads(text)
    assert payload["version"] == 1
    data = loads(text)
    assert data["total"] == {"amount": "3.00", "currency": "USD"}
    assert data["rate"] == "1.50"
    assert data["on"] == "2024-01-02"
    assert data["entry"]["id"] == "JE-1"


def test_dumps_keeps_unicode():
    assert "€" in dumps({"symbol": "€"}, indent=None)


def test_dumps_unsupported():
    with pytest.raises(TypeError):
        dumps(object())


def test_loads_errors():
    with pytest.raises(DataImportError, match="invalid JSON"):
        loads("{nope")
    with pytest.raises(DataImportError, match="version"):
        loads('{"version": 2, "data": {}}')
    with pytest.raises(DataImportError):
        loads("[1, 2]")


def test_minimal_dicts_use_defaults():
    entry = entry_from_dict({"id": "J", "date": "2024-01-01"})
    assert entry.closing is False
    assert entry.postings == []
    inv = invoice_from_dict({
        "customer_id": "C1", "issue_date": "2024-01-01", "currency": "USD",
        "lines": [{"description": "x", "quantity": "1",
                   "unit_price": {"amount": "5", "currency": "USD"}}],
    })
    assert inv.terms.end_of_month is False
    assert inv.terms.net_days == 30
    assert inv.lines[0].price_includes_tax is False
    assert inv.status is InvoiceStatus.DRAFT


def test_dumps_invoice_and_key_order(calculator):
    data = loads(dumps({"invoice": consulting_invoice(calculator)}))
    assert data["invoice"]["customer_id"] == "C1"
    assert dumps({"b": 1, "a": 2}, indent=None) == '{"data": {"a": 2, "b": 1}, "version": 1}'
