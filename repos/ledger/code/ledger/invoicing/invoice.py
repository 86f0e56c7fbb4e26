"""Invoices: lines, totals with discounts and tax, status and balance due."""

from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from ledger.core.currency import get_currency
from ledger.core.errors import AllocationError, CurrencyMismatchError, InvoiceStateError
from ledger.core.money import Money, sum_money
from ledger.invoicing.discounts import spread_discount
from ledger.invoicing.terms import PaymentTerms
from ledger.tax.calculator import TaxLineResult


class InvoiceStatus(Enum):
    DRAFT = "draft"
    ISSUED = "issued"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    VOID = "void"


OPEN_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)


@dataclass
class InvoiceTotals:
    subtotal: Money          # sum of extended line amounts
    discount: Money          # line discounts + invoice discount
    net: Money               # taxable amount, excluding tax
    taxes: dict = field(default_factory=dict)
    tax_total: Money = None
    total: Money = None
    line_results: list = field(default_factory=list)


def compute_totals(lines, discount, calculator, on: date, currency: str,
                   customer_id=None, tax_rounding: str = "line") -> InvoiceTotals:
    """Shared by invoices and credit notes."""
    zero = Money.zero(currency)
    subtotal = sum_money((line.extended() for line in lines), currency)
    line_discounts = sum_money((line.discount() for line in lines), currency)
    amounts = [line.amount() for line in lines]
    before_discount = sum_money(amounts, currency)
    invoice_discount = discount.apply(before_discount) if discount is not None and lines else zero
    discounted = spread_discount(amounts, invoice_discount)
    results = []
    for line, amount in zip(lines, discounted):
        if calculator is None or not line.tax_codes:
            results.append(TaxLineResult(net=amount))
            continue
        results.append(calculator.compute(
            amount, line.tax_codes, on, inclusive=line.price_includes_tax,
            customer_id=customer_id, category=line.category,
        ))
    net = sum_money((r.net for r in results), currency)
    taxes = calculator.summarize(results, currency, tax_rounding) if calculator else {}
    tax_total = sum_money(taxes.values(), currency)
    return InvoiceTotals(subtotal, line_discounts + invoice_discount, net, taxes,
                         tax_total, net + tax_total, results)


class Invoice:
    def __init__(self, customer_id: str, issue_date: date, currency: str = "USD",
                 terms: PaymentTerms | None = None, calculator=None, number: str | None = None,
                 tax_rounding: str = "line"):
        self.customer_id = customer_id
        self.issue_date = issue_date
        self.currency = get_currency(currency).code
        self.terms = terms or PaymentTerms()
        self.calculator = calculator
        self.number = number
        self.tax_rounding = tax_rounding
        self.lines = []
        self.discount = None
        self.status = InvoiceStatus.DRAFT
        self.payments: list[tuple[str, Money]] = []
        self.credits: list[tuple[str, Money]] = []

    # -- editing ------------------------------------------------------------
    def _require_draft(self, action: str) -> None:
        if self.status is not InvoiceStatus.DRAFT:
            raise InvoiceStateError(f"cannot {action} invoice {self.number}: it is {self.status.value}")

    def add_line(self, line) -> "Invoice":
        self._require_draft("add lines to")
        if line.currency != self.currency:
            raise CurrencyMismatchError(f"line in {line.currency} on a {self.currency} invoice")
        self.lines.append(line)
        return self

    def remove_line(self, index: int) -> None:
        self._require_draft("remove lines from")
        del self.lines[index]

    def set_discount(self, discount) -> None:
        self._require_draft("discount")
        self.discount = discount

    # -- amounts ------------------------------------------------------------
    def totals(self) -> InvoiceTotals:
        return compute_totals(self.lines, self.discount, self.calculator, self.issue_date,
                              self.currency, self.customer_id, self.tax_rounding)

    @property
    def total(self) -> Money:
        return self.totals().total

    @property
    def amount_paid(self) -> Money:
        return sum_money((m for _, m in self.payments), self.currency)

    @property
    def amount_credited(self) -> Money:
        return sum_money((m for _, m in self.credits), self.currency)

    @property
    def balance_due(self) -> Money:
        if self.status is InvoiceStatus.VOID:
            return Money.zero(self.currency)
        return self.total - self.amount_paid - self.amount_credited

    # -- lifecycle ----------------------------------------------------------
    def issue(self, sequence=None) -> str:
        self._require_draft("issue")
        if not self.lines:
            raise InvoiceStateError("cannot issue an invoice without lines")
        if not self.total.is_positive():
            raise InvoiceStateError("cannot issue an invoice with a zero total")
        if self.number is None:
            if sequence is None:
                raise InvoiceStateError("an invoice number or a sequence is required")
            self.number = sequence.next(year=self.issue_date.year)
        self.status = InvoiceStatus.ISSUED
        return self.number

    @property
    def due_date(self) -> date:
        return self.terms.due_date(self.issue_date)

    def _settle(self, kind: str, reference: str, amount: Money) -> None:
        if self.status not in OPEN_STATUSES:
            raise InvoiceStateError(f"cannot apply a {kind} to a {self.status.value} invoice")
        if amount.code != self.currency:
            raise CurrencyMismatchError(f"{kind} in {amount.code} on a {self.currency} invoice")
        if not amount.is_positive():
            raise AllocationError(f"{kind} amount must be positive")
        if amount > self.balance_due:
            raise AllocationError(
                f"{kind} of {amount} exceeds the balance due {self.balance_due} on {self.number}"
            )
        (self.payments if kind == "payment" else self.credits).append((reference, amount))
        self.status = InvoiceStatus.PAID if self.balance_due.is_zero() else InvoiceStatus.PARTIALLY_PAID

    def record_payment(self, reference: str, amount: Money) -> None:
        self._settle("payment", reference, amount)

    def record_credit(self, reference: str, amount: Money) -> None:
        self._settle("credit", reference, amount)

    def void(self) -> None:
        if self.status is InvoiceStatus.VOID:
            raise InvoiceStateError(f"invoice {self.number} is already void")
        if self.payments:
            raise InvoiceStateError(f"invoice {self.number} has payments and cannot be voided")
        self.status = InvoiceStatus.VOID

    def is_overdue(self, as_of: date) -> bool:
        return self.status in OPEN_STATUSES and as_of > self.due_date

    def days_overdue(self, as_of: date) -> int:
        return max(0, (as_of - self.due_date).days)
