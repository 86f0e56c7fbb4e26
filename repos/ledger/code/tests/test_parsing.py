from decimal import Decimal

import pytest

from ledger.core.errors import ParseError
from ledger.core.money import Money
from ledger.core.parsing import parse_amount, parse_money, parse_percent


def test_plain_numbers():
    assert parse_amount("12") == Decimal("12")
    assert parse_amount("12.50") == Decimal("12.50")
    assert parse_amount(".5") == Decimal("0.5")
    assert parse_amount("12.") == Decimal("12")


def test_thousands():
    assert parse_amount("1,234,567.89") == Decimal("1234567.89")


def test_misplaced_thousands():
    with pytest.raises(ParseError, match="misplaced"):
        parse_amount("1,23,4.00")
    with pytest.raises(ParseError):
        parse_amount("1234,567")


def test_thousands_in_fraction():
    with pytest.raises(ParseError):
        parse_amount("1.234,5")


def test_negative_forms():
    assert parse_amount("-5.00") == Decimal("-5.00")
    assert parse_amount("(1,234.56)") == Decimal("-1234.56")
    assert parse_amount("123.45-") == Decimal("-123.45")
    assert parse_amount("+7") == Decimal("7")


def test_sign_around_symbol():
    assert parse_amount("-$5") == Decimal("-5")
    assert parse_amount("$-5") == Decimal("-5")
    assert parse_amount("($5.00)") == Decimal("-5.00")


def test_european_separators():
    assert parse_amount("1.234,56", decimal=",", thousands=".") == Decimal("1234.56")


def test_currency_stripped():
    assert parse_amount("USD 10.00") == Decimal("10.00")
    assert parse_amount("10.00 eur") == Decimal("10.00")
    assert parse_amount("€ 3") == Decimal("3")


def test_errors():
    for bad in ("", "   ", "abc", "1.2.3", "$", "--", "1e5"):
        with pytest.raises(ParseError):
            parse_amount(bad)


def test_non_text():
    with pytest.raises(ParseError):
        parse_amount(12)


def test_same_separators_rejected():
    with pytest.raises(ParseError):
        parse_amount("1", decimal=",", thousands=",")


def test_parse_money_symbol_prefix():
    assert parse_money("$12.50") == Money("12.50", "USD")
    assert parse_money("C$12.50") == Money("12.50", "CAD")


def test_parse_money_code_suffix():
    assert parse_money("12.50 EUR") == Money("12.50", "EUR")
    assert parse_money("CHF 3.05") == Money("3.05", "CHF")


def test_parse_money_negative():
    assert parse_money("-£4.20") == Money("-4.20", "GBP")
    assert parse_money("(4.20) GBP") == Money("-4.20", "GBP")


def test_parse_money_default_currency():
    assert parse_money("3.5", default_currency="SEK") == Money("3.50", "SEK")
    with pytest.raises(ParseError, match="no currency"):
        parse_money("3.5")


def test_parse_money_unknown_default():
    with pytest.raises(ParseError):
        parse_money("3.5", default_currency="QQQ")


def test_parse_percent():
    assert parse_percent("7.5%") == Decimal("7.5")
    assert parse_percent(" 20 % ") == Decimal("20")
    assert parse_percent("9.975") == Decimal("9.975")
    with pytest.raises(ParseError):
        parse_percent("%")


def test_symbol_after_amount():
    assert parse_money("12.50 kr") == Money("12.50", "SEK")
    assert parse_amount("3 €") == Decimal("3")


def test_spaces_inside_numbers_ignored():
    assert parse_amount("1 234.50") == Decimal("1234.50")


def test_space_as_thousands_separator():
    assert parse_amount("1 234,50", decimal=",", thousands=" ") == Decimal("1234.50")
    with pytest.raises(ParseError):
        parse_amount("12 34,50", decimal=",", thousands=" ")
