"""A single debit or credit line of a journal entry."""

from dataclasses import dataclass

from ledger.accounts.codes import validate_code
from ledger.accounts.types import Side, parse_side
from ledger.core.errors import InvalidAmountError
from ledger.core.money import Money


@dataclass(frozen=True)
class Posting:
    account: str
    side: Side
    amount: Money
    memo: str = ""

    def __post_init__(self):
        object.__setattr__(self, "account", validate_code(self.account))
        object.__setattr__(self, "side", parse_side(self.side))
        if not isinstance(self.amount, Money):
            raise InvalidAmountError(f"posting amount must be Money, got {self.amount!r}")
        if not self.amount.is_positive():
            raise InvalidAmountError(
                f"posting amounts must be positive, got {self.amount} on {self.account}"
            )

    @classmethod
    def debit(cls, account: str, amount: Money, memo: str = "") -> "Posting":
        return cls(account, Side.DEBIT, amount, memo)

    @classmethod
    def credit(cls, account: str, amount: Money, memo: str = "") -> "Posting":
        return cls(account, Side.CREDIT, amount, memo)

    @property
    def is_debit(self) -> bool:
        return self.side is Side.DEBIT

    @property
    def signed(self) -> Money:
        """Debits positive, credits negative."""
        return self.amount if self.side is Side.DEBIT else -self.amount

    def flipped(self) -> "Posting":
        return Posting(self.account, self.side.opposite, self.amount, self.memo)

    def __str__(self):
        return f"{self.side.short} {self.account} {self.amount}"


def from_signed(account: str, amount: Money, memo: str = "") -> Posting:
    """Build a posting from a signed amount (positive = debit)."""
    if amount.is_zero():
        raise InvalidAmountError(f"cannot post a zero amount to {account}")
    if amount.is_negative():
        return Posting(account, Side.CREDIT, -amount, memo)
    return Posting(account, Side.DEBIT, amount, memo)
