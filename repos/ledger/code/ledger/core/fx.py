"""Dated exchange-rate tables and currency conversion."""

from bisect import bisect_right
from datetime import date
from decimal import Decimal

from ledger.core.currency import get_currency
from ledger.core.errors import InvalidAmountError, RateNotFoundError
from ledger.core.money import Money, to_decimal

RATE_PLACES = 10


class RateTable:
    """Holds rates ``1 base = rate quote`` valid from a given date onwards."""

    def __init__(self, pivot: str | None = None, places: int = RATE_PLACES):
        self.pivot = get_currency(pivot).code if pivot else None
        self.places = places
        self._rates: dict[tuple[str, str], list[tuple[date, Decimal]]] = {}

    def set_rate(self, base, quote, rate, on: date) -> None:
        b, q = get_currency(base).code, get_currency(quote).code
        if b == q:
            raise InvalidAmountError("base and quote currency must differ")
        value = to_decimal(rate)
        if value <= 0:
            raise InvalidAmountError(f"exchange rate must be positive, got {value}")
        series = self._rates.setdefault((b, q), [])
        dates = [d for d, _ in series]
        idx = bisect_right(dates, on)
        if idx and series[idx - 1][0] == on:
            series[idx - 1] = (on, value)
        else:
            series.insert(idx, (on, value))

    def _direct(self, base: str, quote: str, on: date) -> Decimal | None:
        series = self._rates.get((base, quote))
        if not series:
            return None
        idx = bisect_right([d for d, _ in series], on)
        if idx == 0:
            return None
        return series[idx - 1][1]

    def _lookup(self, base: str, quote: str, on: date) -> Decimal | None:
        if base == quote:
            return Decimal(1)
        direct = self._direct(base, quote, on)
        if direct is not None:
            return direct
        inverse = self._direct(quote, base, on)
        if inverse is not None:
            return (Decimal(1) / inverse).quantize(Decimal(1).scaleb(-self.places))
        return None

    def get_rate(self, base, quote, on: date) -> Decimal:
        """The rate in effect on ``on``; falls back to the inverse and the pivot."""
        b, q = get_currency(base).code, get_currency(quote).code
        rate = self._lookup(b, q, on)
        if rate is not None:
            return rate
        if self.pivot and self.pivot not in (b, q):
            first = self._lookup(b, self.pivot, on)
            second = self._lookup(self.pivot, q, on)
            if first is not None and second is not None:
                return (first * second).quantize(Decimal(1).scaleb(-self.places))
        raise RateNotFoundError(f"no {b}/{q} rate on or before {on.isoformat()}")

    def convert(self, money: Money, to, on: date, rounding: str = "half_up") -> Money:
        target = get_currency(to)
        if money.code == target.code:
            return money
        rate = self.get_rate(money.code, target.code, on)
        return Money(money.amount * rate, target, rounding)

    def pairs(self) -> list[tuple[str, str]]:
        return sorted(self._rates)


def revaluation_difference(table: RateTable, foreign: Money, booked: Money, on: date) -> Money:
    """Unrealized FX gain (positive) or loss of a foreign balance booked at ``booked``."""
    current = table.convert(foreign, booked.currency, on)
    return current - booked
