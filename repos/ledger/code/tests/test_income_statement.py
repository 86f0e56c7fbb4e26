from datetime import date
from decimal import Decimal

import pytest

from conftest import make_entry
from ledger.core.money import Money
from ledger.reports.income_statement import income_statement


def test_full_year(busy_book):
    r = income_statement(busy_book, date(2024, 1, 1), date(2024, 12, 31))
    assert [(c, str(a.amount)) for c, _, a in r.revenue] == [("4000", "2000.00"), ("4900", "-100.00")]
    assert [(c, str(a.amount)) for c, _, a in r.cost_of_sales] == [("5000", "700.00")]
    assert [(c, str(a.amount)) for c, _, a in r.expenses] == [("6000", "800.00"), ("6200", "50.00")]
    assert r.total_revenue == Money("1900.00")
    assert r.total_cost_of_sales == Money("700.00")
    assert r.gross_profit == Money("1200.00")
    assert r.total_expenses == Money("850.00")
    assert r.net_income == Money("350.00")


def test_margin(busy_book):
    r = income_statement(busy_book, date(2024, 1, 1), date(2024, 12, 31))
    assert r.margin_percent() == Decimal("18.42")


def test_margin_without_revenue(book):
    r = income_statement(book, date(2024, 1, 1), date(2024, 12, 31))
    assert r.margin_percent() is None
    assert r.net_income == Money("0")


def test_quarter(busy_book):
    r = income_statement(busy_book, date(2024, 1, 1), date(2024, 3, 31))
    assert r.total_revenue == Money("2000.00")
    assert r.net_income == Money("450.00")


def test_range_is_inclusive(busy_book):
    r = income_statement(busy_book, date(2024, 2, 15), date(2024, 2, 15))
    assert [c for c, _, _ in r.expenses] == ["6000"]
    assert r.revenue == []


def test_start_excludes_earlier(busy_book):
    r = income_statement(busy_book, date(2024, 4, 1), date(2024, 4, 30))
    assert r.total_revenue == Money("-100.00")
    assert r.net_income == Money("-100.00")


def test_closing_entries_ignored(busy_book):
    closing = make_entry("CLOSE", date(2024, 12, 31), ("4000", "dr", "2000"), ("3100", "cr", "2000"))
    closing.closing = True
    busy_book.post(closing)
    r = income_statement(busy_book, date(2024, 1, 1), date(2024, 12, 31))
    assert r.total_revenue == Money("1900.00")


def test_bad_range(book):
    with pytest.raises(ValueError):
        income_statement(book, date(2024, 2, 1), date(2024, 1, 1))
