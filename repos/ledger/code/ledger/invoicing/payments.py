"""Customer payments, their application to invoices and processing fees."""

from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from ledger.core.errors import InvalidAmountError
from ledger.core.money import Money, sum_money, to_decimal


class PaymentMethod(Enum):
    CASH = "cash"
    CARD = "card"
    BANK_TRANSFER = "bank_transfer"
    CHECK = "check"


@dataclass
class Payment:
    payment_id: str
    customer_id: str
    amount: Money
    received_on: date
    method: PaymentMethod = PaymentMethod.BANK_TRANSFER
    reference: str = ""
    applied: list = field(default_factory=list)  # (invoice number, Money)

    def __post_init__(self):
        if not self.amount.is_positive():
            raise InvalidAmountError(f"payment {self.payment_id} must be positive, got {self.amount}")
        if isinstance(self.method, str):
            self.method = PaymentMethod(self.method)

    @property
    def applied_total(self) -> Money:
        return sum_money((m for _, m in self.applied), self.amount.code)

    @property
    def unapplied(self) -> Money:
        return self.amount - self.applied_total

    @property
    def is_fully_applied(self) -> bool:
        return self.unapplied.is_zero()


def processing_fee(payment: Payment, percent="0", fixed: Money | None = None) -> Money:
    """Card/processor fee: ``percent`` of the amount plus a fixed charge."""
    pct = to_decimal(percent)
    if pct < 0:
        raise InvalidAmountError("fee percent cannot be negative")
    fee = payment.amount.percent(pct)
    if fixed is not None:
        fee = fee + fixed
    return fee


def net_received(payment: Payment, percent="0", fixed: Money | None = None) -> Money:
    """What actually reaches the bank account after the processing fee."""
    return payment.amount - processing_fee(payment, percent, fixed)
