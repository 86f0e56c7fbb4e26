"""ISO-4217 style currency definitions and the currency registry."""

from dataclasses import dataclass
from decimal import Decimal

from ledger.core.errors import InvalidAmountError, UnknownCurrencyError


@dataclass(frozen=True)
class Currency:
    """A currency with its number of minor units (decimal places)."""

    code: str
    minor_units: int
    symbol: str
    name: str
    cash_increment: Decimal | None = None

    def __post_init__(self):
        if len(self.code) != 3 or not self.code.isalpha() or not self.code.isupper():
            raise ValueError(f"invalid currency code {self.code!r}")
        if not 0 <= self.minor_units <= 4:
            raise ValueError(f"minor units must be between 0 and 4, got {self.minor_units}")
        if self.cash_increment is not None and self.cash_increment <= 0:
            raise InvalidAmountError("cash increment must be positive")

    @property
    def quantum(self) -> Decimal:
        """The smallest representable amount, e.g. Decimal('0.01')."""
        return Decimal(1).scaleb(-self.minor_units)

    def __str__(self):
        return self.code


_BUILTIN = (
    Currency("USD", 2, "$", "US Dollar"),
    Currency("EUR", 2, "€", "Euro"),
    Currency("GBP", 2, "£", "Pound Sterling"),
    Currency("JPY", 0, "¥", "Yen"),
    Currency("CHF", 2, "CHF", "Swiss Franc", Decimal("0.05")),
    Currency("CAD", 2, "C$", "Canadian Dollar"),
    Currency("SEK", 2, "kr", "Swedish Krona"),
    Currency("KWD", 3, "KD", "Kuwaiti Dinar"),
)

_REGISTRY: dict[str, Currency] = {c.code: c for c in _BUILTIN}


def normalize_code(code: str) -> str:
    """Return a currency code stripped and upper-cased."""
    if not isinstance(code, str):
        raise UnknownCurrencyError(f"currency code must be a string, got {code!r}")
    return code.strip().upper()


def get_currency(code) -> Currency:
    """Look up a currency by code (case-insensitive). Currencies pass through."""
    if isinstance(code, Currency):
        return code
    key = normalize_code(code)
    try:
        return _REGISTRY[key]
    except KeyError:
        raise UnknownCurrencyError(f"unknown currency {key!r}") from None


def register_currency(currency: Currency, replace: bool = False) -> Currency:
    """Add a currency to the registry; refuses to overwrite unless ``replace``."""
    if currency.code in _REGISTRY and not replace:
        raise ValueError(f"currency {currency.code} is already registered")
    _REGISTRY[currency.code] = currency
    return currency


def unregister_currency(code: str) -> None:
    """Remove a currency from the registry."""
    key = normalize_code(code)
    if key not in _REGISTRY:
        raise UnknownCurrencyError(f"unknown currency {key!r}")
    del _REGISTRY[key]


def list_currencies() -> list[str]:
    """All registered currency codes in alphabetical order."""
    return sorted(_REGISTRY)


def currency_for_symbol(symbol: str) -> Currency | None:
    """Find the registered currency using exactly this symbol, if unique."""
    matches = [c for c in _REGISTRY.values() if c.symbol == symbol]
    if len(matches) == 1:
        return matches[0]
    return None
