from datetime import date

from ledger.core.money import Money
from ledger.invoicing.invoice import Invoice
from ledger.invoicing.lines import LineItem


def consulting_invoice(calculator, customer="C1", on=date(2024, 3, 1), **kw):
    inv = Invoice(customer, on, calculator=calculator, **kw)
    inv.add_line(LineItem("Consulting", 10, Money("150"), ("VAT",)))
    inv.add_line(LineItem("Travel", 1, Money("89.99"), category="travel"))
    return inv


def simple_invoice(number, total, issued, customer="C1", terms=None, currency="USD"):
    inv = Invoice(customer, issued, currency, terms=terms, number=number)
    inv.add_line(LineItem("Goods", 1, Money(total, currency)))
    inv.issue()
    return inv
