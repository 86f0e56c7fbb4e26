from decimal import Decimal

import pytest

from ledger.core.currency import (
    Currency,
    currency_for_symbol,
    get_currency,
    list_currencies,
    register_currency,
    unregister_currency,
)
from ledger.core.errors import InvalidAmountError, UnknownCurrencyError


def test_lookup_is_case_insensitive_and_strips():
    assert get_currency(" eur ").code == "EUR"


def test_currency_passes_through():
    c = get_currency("USD")
    assert get_currency(c) is c


def test_unknown_currency():
    with pytest.raises(UnknownCurrencyError, match="XYZ"):
        get_currency("xyz")


def test_non_string_code_rejected():
    with pytest.raises(UnknownCurrencyError):
        get_currency(840)


def test_minor_units():
    assert get_currency("USD").minor_units == 2
    assert get_currency("JPY").minor_units == 0
    assert get_currency("KWD").minor_units == 3


def test_quantum():
    assert get_currency("USD").quantum == Decimal("0.01")
    assert get_currency("JPY").quantum == Decimal("1")
    assert get_currency("KWD").quantum == Decimal("0.001")


def test_cash_increment_only_for_chf():
    assert get_currency("CHF").cash_increment == Decimal("0.05")
    assert get_currency("USD").cash_increment is None


def test_invalid_codes():
    with pytest.raises(ValueError):
        Currency("US", 2, "$", "x")
    with pytest.raises(ValueError):
        Currency("usd", 2, "$", "x")
    with pytest.raises(ValueError):
        Currency("U1D", 2, "$", "x")


def test_minor_units_range():
    with pytest.raises(ValueError):
        Currency("ABC", 5, "a", "x")
    with pytest.raises(ValueError):
        Currency("ABC", -1, "a", "x")
    assert Currency("ABC", 4, "a", "x").minor_units == 4


def test_cash_increment_must_be_positive():
    with pytest.raises(InvalidAmountError):
        Currency("ABC", 2, "a", "x", Decimal("0"))


def test_register_and_unregister():
    c = Currency("XTS", 2, "T", "Testing")
    register_currency(c)
    try:
        assert get_currency("xts") is c
        with pytest.raises(ValueError):
            register_currency(Currency("XTS", 0, "T", "Again"))
        replaced = register_currency(Currency("XTS", 0, "T", "Again"), replace=True)
        assert get_currency("XTS").minor_units == 0
        assert replaced.name == "Again"
    finally:
        unregister_currency("XTS")
    assert "XTS" not in list_currencies()


def test_unregister_unknown():
    with pytest.raises(UnknownCurrencyError):
        unregister_currency("QQQ")


def test_list_is_sorted():
    codes = list_currencies()
    assert codes == sorted(codes)
    assert codes[:3] == ["CAD", "CHF", "EUR"]


def test_symbol_lookup():
    assert currency_for_symbol("€").code == "EUR"
    assert currency_for_symbol("C$").code == "CAD"
    assert currency_for_symbol("@") is None


def test_str_is_code():
    assert str(get_currency("GBP")) == "GBP"
