"""JSON serialization of money, journal entries and invoices."""

import json
from datetime import date
from decimal import Decimal

from ledger.core.dates import parse_iso_date
from ledger.core.errors import DataImportError
from ledger.core.money import Money
from ledger.invoicing.discounts import FixedDiscount, PercentDiscount
from ledger.invoicing.invoice import Invoice, InvoiceStatus
from ledger.invoicing.lines import LineItem
from ledger.invoicing.terms import PaymentTerms
from ledger.journal.entry import EntryStatus, JournalEntry
from ledger.journal.posting import Posting

FORMAT_VERSION = 1


def money_to_dict(m: Money) -> dict:
    return {"amount": f"{m.amount:f}", "currency": m.code}


def money_from_dict(data: dict) -> Money:
    try:
        return Money(data["amount"], data["currency"])
    except KeyError as exc:
        raise DataImportError(f"money is missing {exc.args[0]!r}") from None


def entry_to_dict(entry: JournalEntry) -> dict:
    return {
        "id": entry.entry_id,
        "date": entry.date.isoformat(),
        "description": entry.description,
        "reference": entry.reference,
        "closing": entry.closing,
        "status": entry.status.value,
        "postings": [
            {"account": p.account, "side": p.side.value, "amount": money_to_dict(p.amount),
             "memo": p.memo}
            for p in entry.postings
        ],
    }


def entry_from_dict(data: dict) -> JournalEntry:
    entry = JournalEntry(data["id"], parse_iso_date(data["date"]), data.get("description", ""),
                         reference=data.get("reference"), closing=data.get("closing", False))
    for p in data.get("postings", []):
        entry.add(Posting(p["account"], p["side"], money_from_dict(p["amount"]), p.get("memo", "")))
    if data.get("status") == EntryStatus.POSTED.value:
        entry.mark_posted()
    return entry


def _terms_to_dict(terms: PaymentTerms) -> dict:
    return {"net_days": terms.net_days, "discount_percent": f"{terms.discount_percent:f}",
            "discount_days": terms.discount_days, "end_of_month": terms.end_of_month}


def _discount_to_dict(discount):
    if discount is None:
        return None
    if isinstance(discount, PercentDiscount):
        return {"type": "percent", "percent": f"{discount.percent:f}"}
    if isinstance(discount, FixedDiscount):
        return {"type": "fixed", "amount": money_to_dict(discount.amount)}
    raise DataImportError(f"cannot serialize discount {discount!r}")


def _discount_from_dict(data):
    if data is None:
        return None
    if data.get("type") == "percent":
        return PercentDiscount(Decimal(data["percent"]))
    if data.get("type") == "fixed":
        return FixedDiscount(money_from_dict(data["amount"]))
    raise DataImportError(f"unknown discount type {data.get('type')!r}")


def invoice_to_dict(invoice: Invoice) -> dict:
    return {
        "number": invoice.number,
        "customer_id": invoice.customer_id,
        "issue_date": invoice.issue_date.isoformat(),
        "currency": invoice.currency,
        "status": invoice.status.value,
        "tax_rounding": invoice.tax_rounding,
        "terms": _terms_to_dict(invoice.terms),
        "discount": _discount_to_dict(invoice.discount),
        "lines": [
            {"description": line.description, "quantity": f"{line.quantity:f}",
             "unit_price": money_to_dict(line.unit_price), "tax_codes": list(line.tax_codes),
             "discount_percent": f"{line.discount_percent:f}", "category": line.category,
             "price_includes_tax": line.price_includes_tax}
            for line in invoice.lines
        ],
        "payments": [[ref, money_to_dict(m)] for ref, m in invoice.payments],
        "credits": [[ref, money_to_dict(m)] for ref, m in invoice.credits],
    }


def invoice_from_dict(data: dict, calculator=None) -> Invoice:
    t = data.get("terms") or {}
    terms = PaymentTerms(t.get("net_days", 30), Decimal(t.get("discount_percent", "0")),
                         t.get("discount_days", 0), t.get("end_of_month", False))
    inv = Invoice(data["customer_id"], parse_iso_date(data["issue_date"]), data["currency"],
                  terms, calculator, data.get("number"), data.get("tax_rounding", "line"))
    for line in data.get("lines", []):
        inv.add_line(LineItem(line["description"], Decimal(line["quantity"]),
                              money_from_dict(line["unit_price"]), tuple(line.get("tax_codes", ())),
                              Decimal(line.get("discount_percent", "0")), line.get("category"),
                              line.get("price_includes_tax", False)))
    inv.discount = _discount_from_dict(data.get("discount"))
    inv.payments = [(ref, money_from_dict(m)) for ref, m in data.get("payments", [])]
    inv.credits = [(ref, money_from_dict(m)) for ref, m in data.get("credits", [])]
    inv.status = InvoiceStatus(data.get("status", "draft"))
    return inv


def _default(obj):
    if isinstance(obj, Money):
        return money_to_dict(obj)
    if isinstance(obj, Decimal):
        return f"{obj:f}"
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, JournalEntry):
        return entry_to_dict(obj)
    if isinstance(obj, Invoice):
        return invoice_to_dict(obj)
    raise TypeError(f"cannot serialize {type(obj).__name__}")


def dumps(obj, indent: int | None = 2) -> str:
    return json.dumps({"version": FORMAT_VERSION, "data": obj}, default=_default,
                      indent=indent, sort_keys=True, ensure_ascii=False)


def loads(text: str):
    """Return the raw ``data`` payload after checking the format version."""
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataImportError(f"invalid JSON: {exc.msg}") from None
    if not isinstance(payload, dict) or payload.get("version") != FORMAT_VERSION:
        raise DataImportError("unsupported or missing format version")
    return payload["data"]
