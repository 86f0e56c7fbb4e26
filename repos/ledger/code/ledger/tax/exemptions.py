"""Tax exemptions for customers (certificates) and product categories."""

from dataclasses import dataclass, field
from datetime import date

from ledger.core.errors import TaxRuleError


@dataclass(frozen=True)
class Exemption:
    customer_id: str | None = None
    category: str | None = None
    tax_codes: frozenset = field(default_factory=frozenset)  # empty = every tax
    valid_from: date = date.min
    valid_until: date | None = None  # inclusive
    certificate: str = ""

    def __post_init__(self):
        if (self.customer_id is None) == (self.category is None):
            raise TaxRuleError("an exemption applies to exactly one customer or one category")
        object.__setattr__(self, "tax_codes", frozenset(c.upper() for c in self.tax_codes))
        if self.category is not None:
            object.__setattr__(self, "category", self.category.strip().lower())
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise TaxRuleError("exemption expires before it starts")

    def covers(self, tax_code: str, on: date) -> bool:
        if self.tax_codes and tax_code.upper() not in self.tax_codes:
            return False
        if on < self.valid_from:
            return False
        return self.valid_until is None or on <= self.valid_until

    def matches(self, customer_id: str | None, category: str | None) -> bool:
        if self.customer_id is not None:
            return customer_id == self.customer_id
        return category is not None and category.strip().lower() == self.category


class ExemptionRegistry:
    def __init__(self, exemptions=()):
        self._items: list[Exemption] = list(exemptions)

    def add(self, exemption: Exemption) -> None:
        self._items.append(exemption)

    def __len__(self):
        return len(self._items)

    def find(self, tax_code: str, on: date, customer_id=None, category=None) -> Exemption | None:
        for ex in self._items:
            if ex.matches(customer_id, category) and ex.covers(tax_code, on):
                return ex
        return None

    def is_exempt(self, tax_code: str, on: date, customer_id=None, category=None) -> bool:
        return self.find(tax_code, on, customer_id, category) is not None

    def taxable_codes(self, codes, on: date, customer_id=None, category=None) -> list[str]:
        """The subset of ``codes`` that still applies, order preserved."""
        return [c for c in codes if not self.is_exempt(c, on, customer_id, category)]

    def expiring(self, on: date, within_days: int) -> list[Exemption]:
        """Customer certificates that expire within ``within_days`` after ``on``."""
        limit = date.fromordinal(on.toordinal() + within_days)
        return [ex for ex in self._items
                if ex.customer_id is not None and ex.valid_until is not None
                and on <= ex.valid_until <= limit]
