from decimal import Decimal

import pytest

from ledger.core.money import Money
from ledger.core.numfmt import NumberStyle, format_amount, format_money, format_percent, group_digits


def test_group_digits():
    assert group_digits("1234567", ",") == "1,234,567"
    assert group_digits("123", ",") == "123"
    assert group_digits("123456", ",") == "123,456"
    assert group_digits("1234", "") == "1234"


def test_format_amount_default():
    assert format_amount(Decimal("1234.5")) == "1,234.50"
    assert format_amount(Decimal("-1234.5")) == "-1,234.50"


def test_format_amount_places_and_rounding():
    assert format_amount(Decimal("0.125"), places=2) == "0.13"
    assert format_amount(Decimal("1234567"), places=0) == "1,234,567"


def test_format_amount_negative_zero():
    assert format_amount(Decimal("-0.001")) == "0.00"


def test_format_amount_parens():
    assert format_amount(Decimal("-50"), style="en_ACCT") == "(50.00)"
    assert format_amount(Decimal("50"), style="en_ACCT") == "50.00"


def test_format_amount_german():
    assert format_amount(Decimal("1234567.891"), style="de_DE") == "1.234.567,89"


def test_format_money_us():
    assert format_money(Money("1234.5", "USD")) == "$1,234.50"
    assert format_money(Money("-1234.5", "USD")) == "-$1,234.50"


def test_format_money_german_symbol_after():
    assert format_money(Money("1234.5", "EUR"), "de_DE") == "1.234,50 €"


def test_format_money_french_narrow_space():
    assert format_money(Money("1234.5", "EUR"), "fr_FR") == "1\u202f234,50 €"


def test_format_money_swiss():
    assert format_money(Money("12345.65", "CHF"), "de_CH") == "CHF 12'345.65"


def test_format_money_parens():
    assert format_money(Money("-7", "GBP"), "en_ACCT") == "(£7.00)"


def test_format_money_with_code():
    assert format_money(Money("-7", "GBP"), use_symbol=False) == "-7.00 GBP"


def test_format_money_zero_decimals():
    assert format_money(Money("1234567", "JPY")) == "¥1,234,567"


def test_unknown_style():
    with pytest.raises(ValueError):
        format_amount(Decimal("1"), style="xx_XX")


def test_style_validation():
    with pytest.raises(ValueError):
        NumberStyle(",", ",", True, False)
    with pytest.raises(ValueError):
        NumberStyle(",", ".", True, False, "brackets")


def test_format_percent():
    assert format_percent(Decimal("7.50")) == "7.5%"
    assert format_percent(Decimal("20.00")) == "20%"
    assert format_percent(Decimal("9.975")) == "9.975%"
    assert format_percent(Decimal("0")) == "0%"
    assert format_percent(Decimal("12.123456")) == "12.1235%"


def test_custom_style_object():
    style = NumberStyle(" ", ",", False, True, "parens")
    assert format_amount(Decimal("-1234.5"), style=style) == "(1 234,50)"
