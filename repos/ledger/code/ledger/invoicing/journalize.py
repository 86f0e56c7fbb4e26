"""Turning invoices, payments and credit notes into journal entries."""

from dataclasses import dataclass, field

from ledger.core.errors import InvoiceStateError
from ledger.core.money import Money
from ledger.journal.entry import JournalEntry


@dataclass
class AccountMap:
    receivable: str = "1100"
    revenue: str = "4000"
    cash: str = "1000"
    tax_default: str = "2100"
    fees: str = "6900"
    tax_accounts: dict = field(default_factory=dict)        # tax code -> account
    category_revenue: dict = field(default_factory=dict)    # category -> account

    def tax_account(self, code: str) -> str:
        return self.tax_accounts.get(code, self.tax_default)

    def revenue_account(self, category) -> str:
        if category is None:
            return self.revenue
        return self.category_revenue.get(category, self.revenue)


def _revenue_by_account(lines, totals, accounts: AccountMap, currency: str) -> dict:
    grouped: dict[str, Money] = {}
    for line, result in zip(lines, totals.line_results):
        acct = accounts.revenue_account(line.category)
        grouped[acct] = grouped.get(acct, Money.zero(currency)) + result.net
    return grouped


def invoice_entry(invoice, entry_id: str, accounts: AccountMap | None = None) -> JournalEntry:
    """Dr receivable total / Cr revenue per account / Cr tax payable per code."""
    accounts = accounts or AccountMap()
    if invoice.number is None:
        raise InvoiceStateError("issue the invoice before journalizing it")
    totals = invoice.totals()
    entry = JournalEntry(entry_id, invoice.issue_date, f"Invoice {invoice.number}",
                         reference=invoice.number)
    entry.debit(accounts.receivable, totals.total, invoice.customer_id)
    for acct, amount in _revenue_by_account(invoice.lines, totals, accounts, invoice.currency).items():
        if amount.is_positive():
            entry.credit(acct, amount)
    for code, amount in totals.taxes.items():
        if amount.is_positive():
            entry.credit(accounts.tax_account(code), amount, code)
    return entry


def payment_entry(payment, entry_id: str, accounts: AccountMap | None = None,
                  fee: Money | None = None) -> JournalEntry:
    """Dr cash (less fee) / Dr fees / Cr receivable."""
    accounts = accounts or AccountMap()
    entry = JournalEntry(entry_id, payment.received_on, f"Payment {payment.payment_id}",
                         reference=payment.payment_id)
    cash = payment.amount if fee is None else payment.amount - fee
    entry.debit(accounts.cash, cash, payment.customer_id)
    if fee is not None and fee.is_positive():
        entry.debit(accounts.fees, fee, "processing fee")
    entry.credit(accounts.receivable, payment.amount, payment.customer_id)
    return entry


def credit_note_entry(note, entry_id: str, accounts: AccountMap | None = None) -> JournalEntry:
    """The mirror image of an invoice entry for the credited amounts."""
    accounts = accounts or AccountMap()
    totals = note.totals()
    entry = JournalEntry(entry_id, note.issue_date, f"Credit note {note.number}",
                         reference=note.number)
    for acct, amount in _revenue_by_account(note.lines, totals, accounts, note.currency).items():
        if amount.is_positive():
            entry.debit(acct, amount)
    for code, amount in totals.taxes.items():
        if amount.is_positive():
            entry.debit(accounts.tax_account(code), amount, code)
    entry.credit(accounts.receivable, totals.total, note.invoice.customer_id)
    return entry
