from datetime import date

import pytest

from ledger.core.errors import InvalidAmountError
from ledger.core.money import Money
from ledger.invoicing.payments import Payment, PaymentMethod, net_received, processing_fee


def pay(amount="100.00"):
    return Payment("P1", "C1", Money(amount), date(2024, 3, 5))


def test_defaults():
    p = pay()
    assert p.method is PaymentMethod.BANK_TRANSFER
    assert p.applied == []
    assert p.unapplied == Money("100.00")
    assert not p.is_fully_applied


def test_method_from_string():
    p = Payment("P1", "C1", Money("5"), date(2024, 3, 5), "card")
    assert p.method is PaymentMethod.CARD


def test_must_be_positive():
    with pytest.raises(InvalidAmountError):
        pay("0")
    with pytest.raises(InvalidAmountError):
        pay("-5")


def test_applied_totals():
    p = pay()
    p.applied.extend([("INV-1", Money("60")), ("INV-2", Money("40"))])
    assert p.applied_total == Money("100")
    assert p.unapplied == Money("0")
    assert p.is_fully_applied


def test_processing_fee():
    assert processing_fee(pay(), "2.9", Money("0.30")) == Money("3.20")
    assert processing_fee(pay("10.00"), "2.9") == Money("0.29")
    assert processing_fee(pay()) == Money("0")


def test_negative_fee_rejected():
    with pytest.raises(InvalidAmountError):
        processing_fee(pay(), "-1")


def test_net_received():
    assert net_received(pay(), "2.9", Money("0.30")) == Money("96.80")
