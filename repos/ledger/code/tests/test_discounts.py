from decimal import Decimal

import pytest

from ledger.core.errors import CurrencyMismatchError, InvalidAmountError
from ledger.core.money import Money
from ledger.invoicing.discounts import FixedDiscount, PercentDiscount, TieredDiscount, spread_discount


def test_percent_discount():
    assert PercentDiscount("10").apply(Money("59.97")) == Money("6.00")
    assert PercentDiscount(Decimal("12.50")).describe() == "12.5% off"


def test_percent_discount_range():
    with pytest.raises(InvalidAmountError):
        PercentDiscount("150")
    with pytest.raises(InvalidAmountError):
        PercentDiscount("-1")


def test_fixed_discount_capped_at_subtotal():
    assert FixedDiscount(Money("50")).apply(Money("30")) == Money("30")
    assert FixedDiscount(Money("20")).apply(Money("30")) == Money("20")
    assert FixedDiscount(Money("20")).describe() == "20.00 USD off"


def test_fixed_discount_validation():
    with pytest.raises(InvalidAmountError):
        FixedDiscount(Money("-1"))
    with pytest.raises(CurrencyMismatchError):
        FixedDiscount(Money("5", "EUR")).apply(Money("30", "USD"))


def test_tiered_discount():
    tiers = TieredDiscount((("1000", "10"), ("100", "5")))
    assert tiers.percent_for(Money("99.99")) == Decimal("0")
    assert tiers.percent_for(Money("100")) == Decimal("5")
    assert tiers.percent_for(Money("999.99")) == Decimal("5")
    assert tiers.percent_for(Money("1000")) == Decimal("10")
    assert tiers.apply(Money("1500")) == Money("150")
    assert tiers.describe() == "volume discount"


def test_tiered_validation():
    with pytest.raises(InvalidAmountError):
        TieredDiscount((("100", "120"),))


def test_spread_proportional():
    amounts = [Money("10"), Money("20"), Money("30")]
    assert spread_discount(amounts, Money("6")) == [Money("9"), Money("18"), Money("27")]


def test_spread_keeps_every_cent():
    amounts = [Money("1500"), Money("89.99")]
    assert spread_discount(amounts, Money("159.00")) == [Money("1350.00"), Money("80.99")]


def test_spread_tiny_amounts():
    amounts = [Money("0.01")] * 3
    assert spread_discount(amounts, Money("0.02")) == [Money("0.00"), Money("0.00"), Money("0.01")]


def test_spread_zero_discount_returns_copy():
    amounts = [Money("1")]
    result = spread_discount(amounts, Money("0"))
    assert result == amounts and result is not amounts


def test_spread_errors():
    with pytest.raises(InvalidAmountError, match="exceeds"):
        spread_discount([Money("1")], Money("2"))
    with pytest.raises(InvalidAmountError):
        spread_discount([], Money("1"))
    assert spread_discount([], Money("0")) == []


def test_zero_percent_discount_allowed():
    assert PercentDiscount("0").apply(Money("50")) == Money("0")


def test_tier_percent_bounds():
    tiers = TieredDiscount((("0", "0"), ("500", "50")))
    assert tiers.apply(Money("499")) == Money("0")
    assert tiers.apply(Money("600")) == Money("300")
