"""Invoice-level discounts and spreading them over the lines."""

from dataclasses import dataclass
from decimal import Decimal

from ledger.core.errors import CurrencyMismatchError, InvalidAmountError
from ledger.core.money import Money, min_money, sum_money, to_decimal


@dataclass(frozen=True)
class PercentDiscount:
    percent: Decimal

    def __post_init__(self):
        object.__setattr__(self, "percent", to_decimal(self.percent))
        if not 0 <= self.percent <= 100:
            raise InvalidAmountError(f"discount must be 0-100%, got {self.percent}")

    def apply(self, subtotal: Money) -> Money:
        return subtotal.percent(self.percent)

    def describe(self) -> str:
        return f"{self.percent.normalize():f}% off"


@dataclass(frozen=True)
class FixedDiscount:
    amount: Money

    def __post_init__(self):
        if self.amount.is_negative():
            raise InvalidAmountError("a fixed discount cannot be negative")

    def apply(self, subtotal: Money) -> Money:
        if subtotal.code != self.amount.code:
            raise CurrencyMismatchError(
                f"discount in {self.amount.code} applied to a {subtotal.code} invoice"
            )
        return min_money(self.amount, subtotal)

    def describe(self) -> str:
        return f"{self.amount} off"


@dataclass(frozen=True)
class TieredDiscount:
    """Volume discount: the percent of the highest tier the subtotal reaches."""

    tiers: tuple  # ((threshold Decimal, percent Decimal), ...)

    def __post_init__(self):
        tiers = tuple(sorted((to_decimal(t), to_decimal(p)) for t, p in self.tiers))
        for _, pct in tiers:
            if not 0 <= pct <= 100:
                raise InvalidAmountError(f"tier discount must be 0-100%, got {pct}")
        object.__setattr__(self, "tiers", tiers)

    def percent_for(self, subtotal: Money) -> Decimal:
        percent = Decimal(0)
        for threshold, pct in self.tiers:
            if subtotal.amount >= threshold:
                percent = pct
        return percent

    def apply(self, subtotal: Money) -> Money:
        return subtotal.percent(self.percent_for(subtotal))

    def describe(self) -> str:
        return "volume discount"


def spread_discount(amounts: list[Money], discount: Money) -> list[Money]:
    """Reduce each line by its share of ``discount``; shares add up exactly."""
    if not amounts:
        if discount.is_zero():
            return []
        raise InvalidAmountError("cannot spread a discount over no lines")
    total = sum_money(amounts, amounts[0].code)
    if discount > total:
        raise InvalidAmountError(f"discount {discount} exceeds the lines total {total}")
    if discount.is_zero() or total.is_zero():
        return list(amounts)
    shares = discount.allocate([a.amount for a in amounts])
    return [a - s for a, s in zip(amounts, shares)]
