from datetime import date
from decimal import Decimal

import pytest

from ledger.core.errors import ParseError
from ledger.core.money import Money
from ledger.invoicing.terms import PaymentTerms, parse_terms

ISSUED = date(2024, 1, 15)


def test_net_30_due_date():
    assert PaymentTerms().due_date(ISSUED) == date(2024, 2, 14)


def test_eom_due_date():
    assert PaymentTerms(30, end_of_month=True).due_date(ISSUED) == date(2024, 3, 1)
    assert PaymentTerms(0, end_of_month=True).due_date(ISSUED) == date(2024, 1, 31)


def test_discount_deadline():
    t = PaymentTerms(30, "2", 10)
    assert t.has_discount
    assert t.discount_deadline(ISSUED) == date(2024, 1, 25)
    assert PaymentTerms().discount_deadline(ISSUED) is None


def test_early_payment_discount_inclusive_deadline():
    t = PaymentTerms(30, "2", 10)
    assert t.early_payment_discount(Money("1000"), ISSUED, date(2024, 1, 25)) == Money("20.00")
    assert t.early_payment_discount(Money("1000"), ISSUED, date(2024, 1, 26)) == Money("0")


def test_no_discount_terms_give_zero():
    assert PaymentTerms().early_payment_discount(Money("1000", "EUR"), ISSUED, ISSUED) == Money("0", "EUR")


def test_labels():
    assert PaymentTerms().label() == "Net 30"
    assert PaymentTerms(30, "2", 10).label() == "2/10 net 30"
    assert PaymentTerms(0).label() == "Due on receipt"
    assert PaymentTerms(30, end_of_month=True).label() == "Net 30 EOM"
    assert PaymentTerms(45, "1.5", 15).label() == "1.5/15 net 45"


def test_validation():
    with pytest.raises(ValueError):
        PaymentTerms(10, "2", 15)
    with pytest.raises(ValueError):
        PaymentTerms(-1)
    with pytest.raises(ValueError):
        PaymentTerms(30, "100", 10)


def test_parse_discount_terms():
    assert parse_terms("2/10 net 30") == PaymentTerms(30, Decimal("2"), 10)
    assert parse_terms("2/10, n/30") == PaymentTerms(30, Decimal("2"), 10)
    assert parse_terms("1.5/15 Net 45") == PaymentTerms(45, Decimal("1.5"), 15)


def test_parse_net_terms():
    assert parse_terms("NET30") == PaymentTerms(30)
    assert parse_terms("Net  60 EOM") == PaymentTerms(60, end_of_month=True)


def test_parse_special_terms():
    assert parse_terms("Due on receipt") == PaymentTerms(0)
    assert parse_terms("COD") == PaymentTerms(0)
    assert parse_terms("eom") == PaymentTerms(0, end_of_month=True)


def test_parse_errors():
    with pytest.raises(ParseError):
        parse_terms("whenever")
    with pytest.raises(ParseError):
        parse_terms("net thirty")


def test_negative_discount_days_rejected():
    with pytest.raises(ValueError):
        PaymentTerms(30, "2", -1)


def test_large_discount_allowed_below_100():
    assert PaymentTerms(30, "15", 10).discount_percent == Decimal("15")


def test_discount_needs_percent_and_days():
    assert not PaymentTerms(30, "0", 10).has_discount
    assert not PaymentTerms(30, "2", 0).has_discount
