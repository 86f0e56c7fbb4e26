from datetime import date
from decimal import Decimal

import pytest

from ledger.core.errors import InvalidAmountError, RateNotFoundError
from ledger.core.fx import RateTable, revaluation_difference
from ledger.core.money import Money


@pytest.fixture
def table():
    t = RateTable()
    t.set_rate("EUR", "USD", "1.10", date(2024, 1, 1))
    t.set_rate("EUR", "USD", "1.20", date(2024, 2, 1))
    return t


def test_rate_on_exact_date(table):
    assert table.get_rate("EUR", "USD", date(2024, 2, 1)) == Decimal("1.20")


def test_rate_uses_latest_earlier(table):
    assert table.get_rate("EUR", "USD", date(2024, 1, 31)) == Decimal("1.10")
    assert table.get_rate("EUR", "USD", date(2025, 1, 1)) == Decimal("1.20")


def test_no_rate_before_first(table):
    with pytest.raises(RateNotFoundError, match="EUR/USD"):
        table.get_rate("EUR", "USD", date(2023, 12, 31))


def test_same_currency_is_one(table):
    assert table.get_rate("usd", "USD", date(2000, 1, 1)) == Decimal(1)


def test_inverse_rate(table):
    assert table.get_rate("USD", "EUR", date(2024, 1, 15)) == Decimal("0.9090909091")


def test_replacing_a_rate_on_same_date(table):
    table.set_rate("EUR", "USD", "1.15", date(2024, 1, 1))
    assert table.get_rate("EUR", "USD", date(2024, 1, 10)) == Decimal("1.15")
    assert table.get_rate("EUR", "USD", date(2024, 2, 10)) == Decimal("1.20")
    assert table.pairs() == [("EUR", "USD")]


def test_out_of_order_inserts():
    t = RateTable()
    t.set_rate("GBP", "USD", "1.30", date(2024, 3, 1))
    t.set_rate("GBP", "USD", "1.25", date(2024, 1, 1))
    assert t.get_rate("GBP", "USD", date(2024, 2, 1)) == Decimal("1.25")
    assert t.get_rate("GBP", "USD", date(2024, 3, 2)) == Decimal("1.30")


def test_invalid_rates():
    t = RateTable()
    with pytest.raises(InvalidAmountError):
        t.set_rate("EUR", "USD", "0", date(2024, 1, 1))
    with pytest.raises(InvalidAmountError):
        t.set_rate("EUR", "EUR", "1", date(2024, 1, 1))


def test_cross_rate_via_pivot():
    t = RateTable(pivot="USD")
    t.set_rate("EUR", "USD", "1.10", date(2024, 1, 1))
    t.set_rate("USD", "JPY", "150", date(2024, 1, 1))
    assert t.get_rate("EUR", "JPY", date(2024, 1, 2)) == Decimal("165.0000000000")


def test_cross_rate_needs_both_legs():
    t = RateTable(pivot="USD")
    t.set_rate("EUR", "USD", "1.10", date(2024, 1, 1))
    with pytest.raises(RateNotFoundError, match="EUR/JPY"):
        t.get_rate("EUR", "JPY", date(2024, 1, 2))


def test_cross_rate_needs_pivot():
    t = RateTable()
    t.set_rate("EUR", "USD", "1.10", date(2024, 1, 1))
    t.set_rate("USD", "JPY", "150", date(2024, 1, 1))
    with pytest.raises(RateNotFoundError):
        t.get_rate("EUR", "JPY", date(2024, 1, 2))


def test_convert(table):
    assert table.convert(Money("100.00", "EUR"), "USD", date(2024, 1, 5)) == Money("110.00", "USD")
    assert table.convert(Money("0.05", "EUR"), "USD", date(2024, 2, 5), "down") == Money("0.06", "USD")


def test_convert_same_currency_returns_input(table):
    m = Money("5", "EUR")
    assert table.convert(m, "EUR", date(2024, 1, 5)) is m


def test_convert_to_zero_decimal_currency():
    t = RateTable()
    t.set_rate("USD", "JPY", "149.5", date(2024, 1, 1))
    assert t.convert(Money("10.01", "USD"), "JPY", date(2024, 1, 1)) == Money("1496", "JPY")


def test_revaluation_gain(table):
    diff = revaluation_difference(table, Money("1000", "EUR"), Money("1100", "USD"), date(2024, 2, 10))
    assert diff == Money("100.00", "USD")


def test_revaluation_loss():
    t = RateTable()
    t.set_rate("EUR", "USD", "1.05", date(2024, 1, 1))
    assert revaluation_difference(t, Money("200", "EUR"), Money("220", "USD"), date(2024, 1, 1)) == Money("-10", "USD")
