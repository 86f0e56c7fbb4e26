"""Account types, debit/credit sides and normal balances."""

from enum import Enum

from ledger.core.errors import InvalidAccountCodeError


class Side(Enum):
    DEBIT = "debit"
    CREDIT = "credit"

    @property
    def opposite(self) -> "Side":
        return Side.CREDIT if self is Side.DEBIT else Side.DEBIT

    @property
    def short(self) -> str:
        return "Dr" if self is Side.DEBIT else "Cr"


_SIDE_ALIASES = {
    "debit": Side.DEBIT, "dr": Side.DEBIT, "d": Side.DEBIT,
    "credit": Side.CREDIT, "cr": Side.CREDIT, "c": Side.CREDIT,
}


def parse_side(text) -> Side:
    if isinstance(text, Side):
        return text
    key = str(text).strip().lower().rstrip(".")
    try:
        return _SIDE_ALIASES[key]
    except KeyError:
        raise ValueError(f"not a debit/credit side: {text!r}") from None


class AccountType(Enum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"

    @property
    def normal_side(self) -> Side:
        """Assets and expenses increase with debits; everything else with credits."""
        if self in (AccountType.ASSET, AccountType.EXPENSE):
            return Side.DEBIT
        return Side.CREDIT

    @property
    def is_balance_sheet(self) -> bool:
        return self in (AccountType.ASSET, AccountType.LIABILITY, AccountType.EQUITY)

    @property
    def is_temporary(self) -> bool:
        """Income and expense accounts are closed into equity at year end."""
        return not self.is_balance_sheet


_TYPE_ALIASES = {
    "asset": AccountType.ASSET, "assets": AccountType.ASSET,
    "liability": AccountType.LIABILITY, "liabilities": AccountType.LIABILITY,
    "equity": AccountType.EQUITY, "capital": AccountType.EQUITY,
    "income": AccountType.INCOME, "revenue": AccountType.INCOME, "revenues": AccountType.INCOME,
    "expense": AccountType.EXPENSE, "expenses": AccountType.EXPENSE, "cost": AccountType.EXPENSE,
}


def parse_account_type(text) -> AccountType:
    if isinstance(text, AccountType):
        return text
    key = str(text).strip().lower()
    try:
        return _TYPE_ALIASES[key]
    except KeyError:
        raise ValueError(f"unknown account type {text!r}") from None


_PREFIX_TYPES = {
    "1": AccountType.ASSET,
    "2": AccountType.LIABILITY,
    "3": AccountType.EQUITY,
    "4": AccountType.INCOME,
}


def type_for_code(code: str) -> AccountType:
    """Conventional type for a code: 1xxx assets ... 4xxx income, 5xxx-9xxx expenses."""
    first = code.strip()[:1]
    if first in _PREFIX_TYPES:
        return _PREFIX_TYPES[first]
    if first in "56789" and first:
        return AccountType.EXPENSE
    raise InvalidAccountCodeError(f"no conventional account type for code {code!r}")
