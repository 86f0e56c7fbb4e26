from decimal import Decimal

import pytest

from ledger.core.errors import InvalidAmountError
from ledger.core.money import Money
from ledger.invoicing.lines import LineItem


def test_amounts():
    line = LineItem("Widget", "3", Money("19.99"), ("vat",), "10")
    assert line.extended() == Money("59.97")
    assert line.discount() == Money("6.00")
    assert line.amount() == Money("53.97")


def test_fractional_quantity_rounds_extended():
    assert LineItem("Hours", "2.5", Money("3.33")).extended() == Money("8.33")


def test_normalization():
    line = LineItem("  Widget ", 2, Money("1"), (" vat", "gst "))
    assert line.description == "Widget"
    assert line.quantity == Decimal("2")
    assert line.tax_codes == ("VAT", "GST")
    assert line.currency == "USD"


def test_no_discount_by_default():
    line = LineItem("Widget", 1, Money("5"))
    assert line.discount() == Money("0")
    assert line.amount() == Money("5")


def test_full_discount():
    assert LineItem("Free", 1, Money("5"), discount_percent=100).amount() == Money("0")


def test_validation():
    with pytest.raises(InvalidAmountError):
        LineItem(" ", 1, Money("1"))
    with pytest.raises(InvalidAmountError):
        LineItem("x", 0, Money("1"))
    with pytest.raises(InvalidAmountError):
        LineItem("x", -1, Money("1"))
    with pytest.raises(InvalidAmountError):
        LineItem("x", 1, Money("-1"))
    with pytest.raises(InvalidAmountError):
        LineItem("x", 1, "1.00")
    with pytest.raises(InvalidAmountError):
        LineItem("x", 1, Money("1"), discount_percent="101")


def test_zero_price_allowed():
    assert LineItem("Sample", 1, Money("0")).amount() == Money("0")


def test_copy_is_independent():
    line = LineItem("Widget", 3, Money("2"), ("VAT",), 5, "goods", True)
    dup = line.copy()
    assert dup == line
    assert dup is not line
