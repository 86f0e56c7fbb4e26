"""The chart of accounts: accounts, hierarchy and look-ups."""

from dataclasses import dataclass

from ledger.accounts.codes import code_sort_key, is_descendant, parent_code, validate_code
from ledger.accounts.types import AccountType, Side, parse_account_type
from ledger.core.currency import get_currency
from ledger.core.errors import AccountNotFoundError, DuplicateAccountError, LedgerError


@dataclass
class Account:
    code: str
    name: str
    type: AccountType
    currency: str = "USD"
    contra: bool = False
    active: bool = True

    def __post_init__(self):
        self.code = validate_code(self.code)
        self.name = self.name.strip()
        if not self.name:
            raise LedgerError(f"account {self.code} needs a name")
        self.type = parse_account_type(self.type)
        self.currency = get_currency(self.currency).code

    @property
    def normal_side(self) -> Side:
        """Contra accounts carry the opposite balance of their type."""
        side = self.type.normal_side
        return side.opposite if self.contra else side

    @property
    def parent(self) -> str | None:
        return parent_code(self.code)


class ChartOfAccounts:
    def __init__(self, accounts=()):
        self._accounts: dict[str, Account] = {}
        for account in accounts:
            self.add(account)

    def add(self, account: Account) -> Account:
        if account.code in self._accounts:
            raise DuplicateAccountError(f"account {account.code} already exists")
        parent = account.parent
        if parent is not None:
            if parent not in self._accounts:
                raise AccountNotFoundError(f"parent account {parent} of {account.code} does not exist")
            p = self._accounts[parent]
            if p.type is not account.type:
                raise LedgerError(
                    f"sub-account {account.code} must have the same type as {parent} ({p.type.value})"
                )
            if p.currency != account.currency:
                raise LedgerError(f"sub-account {account.code} must use {p.currency} like its parent")
        self._accounts[account.code] = account
        return account

    def get(self, code: str) -> Account:
        try:
            return self._accounts[code.strip()]
        except KeyError:
            raise AccountNotFoundError(f"no account {code!r} in the chart") from None

    def __contains__(self, code) -> bool:
        return isinstance(code, str) and code.strip() in self._accounts

    def __len__(self):
        return len(self._accounts)

    def __iter__(self):
        for code in sorted(self._accounts, key=code_sort_key):
            yield self._accounts[code]

    def find_by_name(self, name: str) -> Account:
        wanted = name.strip().casefold()
        for account in self:
            if account.name.casefold() == wanted:
                return account
        raise AccountNotFoundError(f"no account named {name!r}")

    def children(self, code: str) -> list[Account]:
        return [a for a in self if a.parent == code]

    def descendants(self, code: str) -> list[Account]:
        return [a for a in self if is_descendant(a.code, code)]

    def is_leaf(self, code: str) -> bool:
        return not self.children(code)

    def leaves(self) -> list[Account]:
        return [a for a in self if self.is_leaf(a.code)]

    def of_type(self, account_type) -> list[Account]:
        t = parse_account_type(account_type)
        return [a for a in self if a.type is t]

    def deactivate(self, code: str) -> None:
        account = self.get(code)
        if any(child.active for child in self.children(account.code)):
            raise LedgerError(f"account {code} still has active sub-accounts")
        account.active = False

    def rename(self, code: str, new_name: str) -> None:
        new_name = new_name.strip()
        if not new_name:
            raise LedgerError("account name cannot be empty")
        self.get(code).name = new_name


def default_chart(currency: str = "USD") -> ChartOfAccounts:
    """A small standard chart suitable for a trading business."""
    A, L, E, I, X = (AccountType.ASSET, AccountType.LIABILITY, AccountType.EQUITY,
                     AccountType.INCOME, AccountType.EXPENSE)
    rows = [
        ("1000", "Cash", A, False),
        ("1100", "Accounts Receivable", A, False),
        ("1200", "Inventory", A, False),
        ("1500", "Equipment", A, False),
        ("1510", "Accumulated Depreciation", A, True),
        ("2000", "Accounts Payable", L, False),
        ("2100", "Sales Tax Payable", L, False),
        ("2200", "Customer Deposits", L, False),
        ("3000", "Owner's Capital", E, False),
        ("3100", "Retained Earnings", E, False),
        ("4000", "Sales Revenue", I, False),
        ("4100", "Service Revenue", I, False),
        ("4900", "Sales Discounts", I, True),
        ("5000", "Cost of Goods Sold", X, False),
        ("6000", "Rent Expense", X, False),
        ("6100", "Wages Expense", X, False),
        ("6200", "Depreciation Expense", X, False),
        ("6900", "Bank Fees", X, False),
    ]
    return ChartOfAccounts(Account(c, n, t, currency, contra) for c, n, t, contra in rows)
