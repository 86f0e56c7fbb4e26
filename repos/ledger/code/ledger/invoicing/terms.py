"""Payment terms such as 'Net 30' or '2/10 net 30' and due-date arithmetic."""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ledger.core.dates import end_of_month
from ledger.core.errors import ParseError
from ledger.core.money import Money, to_decimal


@dataclass(frozen=True)
class PaymentTerms:
    net_days: int = 30
    discount_percent: Decimal = Decimal(0)
    discount_days: int = 0
    end_of_month: bool = False

    def __post_init__(self):
        object.__setattr__(self, "discount_percent", to_decimal(self.discount_percent))
        if self.net_days < 0 or self.discount_days < 0:
            raise ValueError("term days cannot be negative")
        if self.discount_days > self.net_days:
            raise ValueError("discount period cannot be longer than the net period")
        if not 0 <= self.discount_percent < 100:
            raise ValueError("early payment discount must be below 100%")

    @property
    def has_discount(self) -> bool:
        return self.discount_percent > 0 and self.discount_days > 0

    def due_date(self, issued: date) -> date:
        base = end_of_month(issued) if self.end_of_month else issued
        return base + timedelta(days=self.net_days)

    def discount_deadline(self, issued: date) -> date | None:
        if not self.has_discount:
            return None
        return issued + timedelta(days=self.discount_days)

    def early_payment_discount(self, amount: Money, issued: date, paid_on: date) -> Money:
        deadline = self.discount_deadline(issued)
        if deadline is None or paid_on > deadline:
            return Money.zero(amount.currency)
        return amount.percent(self.discount_percent)

    def label(self) -> str:
        if self.net_days == 0 and not self.end_of_month:
            return "Due on receipt"
        text = f"Net {self.net_days}"
        if self.has_discount:
            text = f"{self.discount_percent.normalize():f}/{self.discount_days} net {self.net_days}"
        if self.end_of_month:
            text += " EOM"
        return text


_DISCOUNT_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*/\s*(\d+)\s*,?\s*n(?:et)?\s*/?\s*(\d+)(\s+eom)?$")
_NET_RE = re.compile(r"^net\s*(\d+)(\s+eom)?$")


def parse_terms(text: str) -> PaymentTerms:
    s = " ".join(text.strip().lower().split())
    if s in ("due on receipt", "cod", "immediate"):
        return PaymentTerms(net_days=0)
    if s == "eom":
        return PaymentTerms(net_days=0, end_of_month=True)
    m = _DISCOUNT_RE.match(s)
    if m:
        return PaymentTerms(int(m.group(3)), Decimal(m.group(1)), int(m.group(2)), bool(m.group(4)))
    m = _NET_RE.match(s)
    if m:
        return PaymentTerms(int(m.group(1)), end_of_month=bool(m.group(2)))
    raise ParseError(f"unrecognised payment terms {text!r}")
