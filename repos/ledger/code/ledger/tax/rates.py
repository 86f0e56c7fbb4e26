"""Tax rates that are valid over date ranges, and a table to look them up."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ledger.core.errors import TaxRuleError
from ledger.core.money import to_decimal


@dataclass(frozen=True)
class TaxRate:
    code: str
    name: str
    percent: Decimal
    effective_from: date = date.min
    effective_to: date | None = None  # last day the rate applies (inclusive)
    compound: bool = False

    def __post_init__(self):
        object.__setattr__(self, "code", self.code.strip().upper())
        object.__setattr__(self, "percent", to_decimal(self.percent))
        if not self.code:
            raise TaxRuleError("tax rates need a code")
        if not 0 <= self.percent <= 100:
            raise TaxRuleError(f"tax percent must be between 0 and 100, got {self.percent}")
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise TaxRuleError(f"rate {self.code} ends before it starts")

    @property
    def fraction(self) -> Decimal:
        return self.percent / 100

    def applies_on(self, on: date) -> bool:
        if on < self.effective_from:
            return False
        return self.effective_to is None or on <= self.effective_to

    def overlaps(self, other: "TaxRate") -> bool:
        self_end = self.effective_to or date.max
        other_end = other.effective_to or date.max
        return self.effective_from <= other_end and other.effective_from <= self_end


class TaxRateTable:
    def __init__(self, rates=()):
        self._rates: dict[str, list[TaxRate]] = {}
        for rate in rates:
            self.add(rate)

    def add(self, rate: TaxRate) -> None:
        history = self._rates.setdefault(rate.code, [])
        for existing in history:
            if existing.overlaps(rate):
                raise TaxRuleError(
                    f"{rate.code} rate from {rate.effective_from.isoformat()} overlaps an existing rate"
                )
        history.append(rate)
        history.sort(key=lambda r: r.effective_from)

    def rate_for(self, code: str, on: date) -> TaxRate:
        key = code.strip().upper()
        if key not in self._rates:
            raise TaxRuleError(f"unknown tax code {key!r}")
        for rate in self._rates[key]:
            if rate.applies_on(on):
                return rate
        raise TaxRuleError(f"no {key} rate in effect on {on.isoformat()}")

    def percent_for(self, code: str, on: date) -> Decimal:
        return self.rate_for(code, on).percent

    def history(self, code: str) -> list[TaxRate]:
        return list(self._rates.get(code.strip().upper(), []))

    def codes(self) -> list[str]:
        return sorted(self._rates)

    def change_rate(self, code: str, new_percent, from_date: date) -> TaxRate:
        """End the open-ended rate the day before ``from_date`` and start a new one."""
        key = code.strip().upper()
        current = self.rate_for(key, from_date)
        if current.effective_to is not None:
            raise TaxRuleError(f"{key} rate in effect on {from_date} already has an end date")
        if from_date <= current.effective_from:
            raise TaxRuleError("new rate must start after the current one")
        history = self._rates[key]
        ended = TaxRate(current.code, current.name, current.percent, current.effective_from,
                        date.fromordinal(from_date.toordinal() - 1), current.compound)
        history[history.index(current)] = ended
        new = TaxRate(key, current.name, new_percent, from_date, None, current.compound)
        self.add(new)
        return new
