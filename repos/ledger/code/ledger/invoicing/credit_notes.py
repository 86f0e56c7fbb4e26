"""Credit notes that reduce what a customer owes on an invoice."""

from datetime import date

from ledger.core.errors import AllocationError, CurrencyMismatchError, InvoiceStateError
from ledger.invoicing.invoice import OPEN_STATUSES, InvoiceTotals, compute_totals


class CreditNote:
    def __init__(self, number: str, invoice, issue_date: date, reason: str,
                 lines=(), discount=None):
        if not reason or not reason.strip():
            raise InvoiceStateError("a credit note needs a reason")
        if issue_date < invoice.issue_date:
            raise InvoiceStateError("a credit note cannot predate its invoice")
        self.number = number
        self.invoice = invoice
        self.issue_date = issue_date
        self.reason = reason.strip()
        self.discount = discount
        self.lines = []
        self.applied = False
        for line in lines:
            self.add_line(line)

    def add_line(self, line) -> None:
        if self.applied:
            raise InvoiceStateError(f"credit note {self.number} is already applied")
        if line.currency != self.invoice.currency:
            raise CurrencyMismatchError(
                f"credit line in {line.currency} for a {self.invoice.currency} invoice"
            )
        self.lines.append(line)

    @property
    def currency(self) -> str:
        return self.invoice.currency

    def totals(self) -> InvoiceTotals:
        """Taxed at the rates of the original invoice date."""
        inv = self.invoice
        return compute_totals(self.lines, self.discount, inv.calculator, inv.issue_date,
                              inv.currency, inv.customer_id, inv.tax_rounding)

    @property
    def total(self):
        return self.totals().total

    def apply(self) -> None:
        if self.applied:
            raise InvoiceStateError(f"credit note {self.number} is already applied")
        if self.invoice.status not in OPEN_STATUSES:
            raise InvoiceStateError(
                f"cannot credit invoice {self.invoice.number}: it is {self.invoice.status.value}"
            )
        total = self.total
        if total > self.invoice.balance_due:
            raise AllocationError(
                f"credit note {self.number} for {total} exceeds the balance due "
                f"{self.invoice.balance_due}"
            )
        self.invoice.record_credit(self.number, total)
        self.applied = True


def full_credit(invoice, number: str, issue_date: date, reason: str) -> CreditNote:
    """A credit note that exactly cancels ``invoice``."""
    return CreditNote(number, invoice, issue_date, reason,
                      [line.copy() for line in invoice.lines], invoice.discount)
