"""Invoice line items: quantity x unit price less a line discount."""

from dataclasses import dataclass
from decimal import Decimal

from ledger.core.errors import InvalidAmountError
from ledger.core.money import Money, to_decimal


@dataclass
class LineItem:
    description: str
    quantity: Decimal
    unit_price: Money
    tax_codes: tuple = ()
    discount_percent: Decimal = Decimal(0)
    category: str | None = None
    price_includes_tax: bool = False

    def __post_init__(self):
        self.description = self.description.strip()
        if not self.description:
            raise InvalidAmountError("line items need a description")
        self.quantity = to_decimal(self.quantity)
        if self.quantity <= 0:
            raise InvalidAmountError(f"quantity must be positive, got {self.quantity}")
        if not isinstance(self.unit_price, Money):
            raise InvalidAmountError("unit price must be Money")
        if self.unit_price.is_negative():
            raise InvalidAmountError("unit price must not be negative")
        self.discount_percent = to_decimal(self.discount_percent)
        if not 0 <= self.discount_percent <= 100:
            raise InvalidAmountError(f"line discount must be 0-100%, got {self.discount_percent}")
        self.tax_codes = tuple(code.strip().upper() for code in self.tax_codes)

    @property
    def currency(self) -> str:
        return self.unit_price.code

    def extended(self) -> Money:
        """Quantity times unit price, rounded to the currency."""
        return Money(self.quantity * self.unit_price.amount, self.unit_price.currency)

    def discount(self) -> Money:
        return self.extended().percent(self.discount_percent)

    def amount(self) -> Money:
        """The line amount after the line discount."""
        return self.extended() - self.discount()

    def copy(self) -> "LineItem":
        return LineItem(self.description, self.quantity, self.unit_price, self.tax_codes,
                        self.discount_percent, self.category, self.price_includes_tax)
