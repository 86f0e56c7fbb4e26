from datetime import date
from decimal import Decimal

import pytest

from ledger.accounts.chart import default_chart
from ledger.core.money import Money
from ledger.journal.book import Ledger
from ledger.journal.entry import JournalEntry
from ledger.tax.calculator import TaxCalculator
from ledger.tax.rates import TaxRate, TaxRateTable


def usd(x):
    return Money(x, "USD")


@pytest.fixture
def chart():
    return default_chart()


@pytest.fixture
def book(chart):
    return Ledger(chart)


@pytest.fixture
def tax_table():
    return TaxRateTable([
        TaxRate("VAT", "Standard VAT", Decimal("20"), date(2020, 1, 1)),
        TaxRate("RED", "Reduced VAT", Decimal("5"), date(2020, 1, 1)),
        TaxRate("GST", "Goods and services tax", Decimal("5"), date(2020, 1, 1)),
        TaxRate("PST", "Provincial sales tax", Decimal("10"), date(2020, 1, 1), compound=True),
    ])


@pytest.fixture
def calculator(tax_table):
    return TaxCalculator(tax_table)


def make_entry(entry_id, on, *lines, description=""):
    """lines: (account, 'dr'|'cr', amount-string)"""
    entry = JournalEntry(entry_id, on, description)
    for account, side, amount in lines:
        if side == "dr":
            entry.debit(account, usd(amount))
        else:
            entry.credit(account, usd(amount))
    return entry


@pytest.fixture
def busy_book(book):
    """A small year of activity used by the report tests."""
    book.post(make_entry("JE-1", date(2024, 1, 2), ("1000", "dr", "10000.00"), ("3000", "cr", "10000.00"),
                         description="Owner investment"))
    book.post(make_entry("JE-2", date(2024, 1, 10), ("1500", "dr", "3000.00"), ("1000", "cr", "3000.00"),
                         description="Buy equipment"))
    book.post(make_entry("JE-3", date(2024, 2, 1), ("1100", "dr", "2400.00"), ("4000", "cr", "2000.00"),
                         ("2100", "cr", "400.00"), description="Invoice 1"))
    book.post(make_entry("JE-4", date(2024, 2, 15), ("6000", "dr", "800.00"), ("1000", "cr", "800.00"),
                         description="Rent"))
    book.post(make_entry("JE-5", date(2024, 3, 1), ("1000", "dr", "1200.00"), ("1100", "cr", "1200.00"),
                         description="Customer pays"))
    book.post(make_entry("JE-6", date(2024, 3, 31), ("6200", "dr", "50.00"), ("1510", "cr", "50.00"),
                         description="Depreciation"))
    book.post(make_entry("JE-7", date(2024, 3, 31), ("5000", "dr", "700.00"), ("1200", "cr", "700.00"),
                         description="Cost of sales"))
    book.post(make_entry("JE-8", date(2024, 4, 5), ("4900", "dr", "100.00"), ("1100", "cr", "100.00"),
                         description="Discount allowed"))
    return book
