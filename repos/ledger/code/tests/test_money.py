from decimal import Decimal

import pytest

from ledger.core.errors import CurrencyMismatchError, InvalidAmountError
from ledger.core.money import Money, max_money, min_money, sum_money, to_decimal


def test_construction_rounds_half_up():
    assert Money("10.005", "USD").amount == Decimal("10.01")


def test_construction_with_explicit_rounding():
    assert Money("10.005", "USD", "half_even").amount == Decimal("10.00")


def test_zero_decimal_currency():
    assert Money("1234.5", "JPY").amount == Decimal("1235")


def test_three_decimal_currency():
    assert Money("1.2345", "KWD").amount == Decimal("1.235")


def test_default_currency_is_usd():
    assert Money(5).code == "USD"
    assert Money(5).amount == Decimal("5.00")


def test_to_decimal_rejects_floats_and_bools():
    with pytest.raises(InvalidAmountError, match="floats"):
        to_decimal(0.1)
    with pytest.raises(InvalidAmountError):
        to_decimal(True)


def test_to_decimal_rejects_garbage():
    with pytest.raises(InvalidAmountError):
        to_decimal("ten")
    with pytest.raises(InvalidAmountError):
        to_decimal("NaN")
    with pytest.raises(InvalidAmountError):
        to_decimal(["1"])


def test_to_decimal_accepts_strings_with_spaces():
    assert to_decimal(" 1.50 ") == Decimal("1.50")


def test_addition_and_subtraction():
    assert Money("1.10") + Money("2.25") == Money("3.35")
    assert Money("1.10") - Money("2.25") == Money("-1.15")


def test_currency_mismatch():
    with pytest.raises(CurrencyMismatchError, match="USD with EUR"):
        Money("1", "USD") + Money("1", "EUR")
    with pytest.raises(CurrencyMismatchError):
        Money("1", "USD") < Money("2", "EUR")


def test_adding_non_money_fails():
    with pytest.raises(TypeError):
        Money("1") + Decimal("1")
    with pytest.raises(TypeError):
        Money("1") + 1


def test_builtin_sum_works():
    assert sum([Money("1.00"), Money("2.50")]) == Money("3.50")


def test_multiplication_rounds():
    assert Money("10.00") * Decimal("0.333") == Money("3.33")
    assert 3 * Money("1.115") == Money("3.36")


def test_multiply_with_mode():
    assert Money("10.00").multiply("0.0125", "down") == Money("0.12")
    assert Money("10.00").multiply("0.0125") == Money("0.13")


def test_multiply_money_by_money_fails():
    with pytest.raises(TypeError):
        Money("1") * Money("2")


def test_division():
    assert Money("10.00") / 3 == Money("3.33")
    assert Money("10.00") / Decimal("4") == Money("2.50")


def test_division_by_zero():
    with pytest.raises(InvalidAmountError):
        Money("1") / 0


def test_ratio():
    assert Money("25.00").ratio(Money("100.00")) == Decimal("0.25")
    with pytest.raises(InvalidAmountError):
        Money("1").ratio(Money("0"))


def test_percent():
    assert Money("200.00").percent("7.5") == Money("15.00")
    assert Money("19.99").percent(10) == Money("2.00")
    assert Money("19.99").percent(10, "down") == Money("1.99")


def test_allocate():
    parts = Money("100.00").allocate([1, 1, 1])
    assert parts == [Money("33.34"), Money("33.33"), Money("33.33")]


def test_allocate_negative():
    assert Money("-10.00").allocate([1, 2]) == [Money("-3.33"), Money("-6.67")]


def test_split():
    assert Money("0.05").split(3) == [Money("0.02"), Money("0.02"), Money("0.01")]
    with pytest.raises(InvalidAmountError):
        Money("1").split(0)


def test_cash_rounding():
    assert Money("3.02", "CHF").cash_rounded() == Money("3.00", "CHF")
    assert Money("3.03", "CHF").cash_rounded() == Money("3.05", "CHF")
    assert Money("3.02", "USD").cash_rounded() == Money("3.02", "USD")


def test_predicates():
    assert Money("0").is_zero()
    assert not bool(Money("0"))
    assert bool(Money("0.01"))
    assert Money("-1").is_negative()
    assert Money("1").is_positive()
    assert not Money("0").is_positive()


def test_neg_abs_pos():
    assert -Money("1.50") == Money("-1.50")
    assert abs(Money("-1.50")) == Money("1.50")
    m = Money("2")
    assert +m is m


def test_equality_and_hash():
    assert Money("1.0") == Money("1.00")
    assert Money("1", "USD") != Money("1", "CAD")
    assert hash(Money("1.0")) == hash(Money("1.00"))
    assert Money("1") != Decimal("1")


def test_ordering():
    assert Money("1") < Money("2")
    assert Money("2") <= Money("2")
    assert Money("3") > Money("2")
    assert Money("2") >= Money("2")
    assert not Money("2") > Money("2")


def test_repr_and_str():
    assert repr(Money("3.5", "EUR")) == "Money('3.50', 'EUR')"
    assert str(Money("3.5", "EUR")) == "3.50 EUR"


def test_sum_money():
    assert sum_money([], "EUR") == Money("0", "EUR")
    assert sum_money([Money("1", "EUR"), Money("2", "EUR")], "EUR") == Money("3", "EUR")


def test_min_max():
    a, b = Money("1"), Money("2")
    assert max_money(a, b) is b
    assert min_money(a, b) is a


def test_split_into_one_part():
    assert Money("7.77").split(1) == [Money("7.77")]


def test_equality_with_other_types_is_not_implemented():
    assert Money("1").__eq__(1) is NotImplemented


def test_strict_ordering_on_equal_amounts():
    assert not Money("2") < Money("2")
    assert Money("2") <= Money("2.00")


def test_min_max_prefer_first_on_ties():
    a, b = Money("5"), Money("5.00")
    assert max_money(a, b) is a
    assert min_money(a, b) is a
