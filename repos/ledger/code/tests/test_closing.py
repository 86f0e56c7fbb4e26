from datetime import date

import pytest

from conftest import make_entry
from ledger.accounts.types import Side
from ledger.core.errors import LedgerError, PeriodClosedError
from ledger.core.money import Money
from ledger.journal.book import Ledger
from ledger.periods.closing import close_fiscal_year, closing_entry
from ledger.periods.fiscal import FiscalCalendar, PeriodRegistry
from ledger.reports.balance_sheet import balance_sheet
from ledger.reports.income_statement import income_statement


def lines_of(entry):
    return [(p.account, p.side.short, str(p.amount.amount), p.memo) for p in entry.postings]


def test_closing_entry(busy_book):
    e = closing_entry(busy_book, FiscalCalendar(), 2024, "3100", "CLOSE-2024")
    assert lines_of(e) == [
        ("4000", "Dr", "2000.00", "closing"),
        ("4900", "Cr", "100.00", "closing"),
        ("5000", "Cr", "700.00", "closing"),
        ("6000", "Cr", "800.00", "closing"),
        ("6200", "Cr", "50.00", "closing"),
        ("3100", "Cr", "350.00", "net income"),
    ]
    assert e.date == date(2024, 12, 31)
    assert e.closing
    assert e.is_balanced()
    assert e.description == "Year-end close FY2024"


def test_close_fiscal_year(chart, busy_book):
    reg = PeriodRegistry(FiscalCalendar())
    busy_book.periods = reg
    close_fiscal_year(busy_book, reg, 2024, "3100", "CLOSE-2024")
    assert busy_book.balance("3100") == Money("350.00")
    assert busy_book.balance("4000") == Money("0.00")
    assert reg.open_periods(2024) == []
    with pytest.raises(PeriodClosedError):
        busy_book.post(make_entry("LATE", date(2024, 12, 31), ("1000", "dr", "1"), ("3000", "cr", "1")))


def test_reports_after_close(busy_book):
    reg = PeriodRegistry(FiscalCalendar())
    close_fiscal_year(busy_book, reg, 2024, "3100", "CLOSE-2024")
    assert income_statement(busy_book, date(2024, 1, 1), date(2024, 12, 31)).net_income == Money("350.00")
    bs = balance_sheet(busy_book, date(2024, 12, 31))
    assert [n for _, n, _ in bs.equity.lines] == ["Owner's Capital", "Retained Earnings"]
    assert bs.is_balanced


def test_only_the_fiscal_year_is_closed(book):
    book.post(make_entry("A", date(2023, 12, 31), ("1000", "dr", "100"), ("4000", "cr", "100")))
    book.post(make_entry("B", date(2024, 1, 1), ("1000", "dr", "40"), ("4000", "cr", "40")))
    e = closing_entry(book, FiscalCalendar(), 2024, "3100", "C")
    assert lines_of(e)[0] == ("4000", "Dr", "40.00", "closing")


def test_net_loss(book):
    book.post(make_entry("A", date(2024, 3, 1), ("6000", "dr", "300"), ("1000", "cr", "300")))
    e = closing_entry(book, FiscalCalendar(), 2024, "3100", "C")
    assert lines_of(e) == [("6000", "Cr", "300.00", "closing"), ("3100", "Dr", "300.00", "net loss")]
    assert e.postings[-1].side is Side.DEBIT


def test_july_fiscal_year_bounds(book):
    book.post(make_entry("A", date(2023, 6, 30), ("1000", "dr", "5"), ("4000", "cr", "5")))
    book.post(make_entry("B", date(2023, 7, 1), ("1000", "dr", "7"), ("4000", "cr", "7")))
    e = closing_entry(book, FiscalCalendar(7), 2024, "3100", "C")
    assert e.date == date(2024, 6, 30)
    assert lines_of(e)[0] == ("4000", "Dr", "7.00", "closing")


def test_nothing_to_close(book):
    with pytest.raises(LedgerError, match="nothing to close"):
        closing_entry(book, FiscalCalendar(), 2024, "3100", "C")


def test_target_must_be_balance_sheet_account(busy_book):
    with pytest.raises(LedgerError, match="not an equity"):
        closing_entry(busy_book, FiscalCalendar(), 2024, "4000", "C")


def test_previous_closing_entries_ignored(busy_book):
    first = closing_entry(busy_book, FiscalCalendar(), 2024, "3100", "C1")
    busy_book.post(first)
    again = closing_entry(busy_book, FiscalCalendar(), 2024, "3100", "C2")
    assert lines_of(again) == lines_of(first)


def test_close_fiscal_year_returns_posted_entry(busy_book):
    reg = PeriodRegistry(FiscalCalendar())
    entry = close_fiscal_year(busy_book, reg, 2024, "3100", "CLOSE-2024")
    assert entry is busy_book.get("CLOSE-2024")
    assert entry.is_posted
