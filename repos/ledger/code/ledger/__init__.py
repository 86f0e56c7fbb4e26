"""ledger: double-entry accounting and invoicing on Decimal money."""

from ledger.core.currency import Currency, get_currency
from ledger.core.money import Money

__version__ = "0.4.0"

__all__ = ["Currency", "Money", "get_currency", "__version__"]
