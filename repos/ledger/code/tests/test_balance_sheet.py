from datetime import date

from conftest import make_entry
from ledger.core.money import Money
from ledger.reports.balance_sheet import CURRENT_EARNINGS, balance_sheet, section_amount, unclosed_earnings


def test_sections(busy_book):
    bs = balance_sheet(busy_book, date(2024, 12, 31))
    assert [(c, str(a.amount)) for c, _, a in bs.assets.lines] == [
        ("1000", "7400.00"), ("1100", "1100.00"), ("1200", "-700.00"),
        ("1500", "3000.00"), ("1510", "-50.00")]
    assert [(c, str(a.amount)) for c, _, a in bs.liabilities.lines] == [("2100", "400.00")]
    assert bs.equity.lines[-1] == ("", CURRENT_EARNINGS, Money("350.00"))


def test_totals_balance(busy_book):
    bs = balance_sheet(busy_book, date(2024, 12, 31))
    assert bs.assets.total == Money("10750.00")
    assert bs.liabilities.total == Money("400.00")
    assert bs.equity.total == Money("10350.00")
    assert bs.total_liabilities_and_equity == Money("10750.00")
    assert bs.is_balanced


def test_contra_asset_reduces_assets(busy_book):
    acc_dep = busy_book.chart.get("1510")
    assert section_amount(busy_book, acc_dep, date(2024, 12, 31)) == Money("-50.00")


def test_unclosed_earnings(busy_book):
    assert unclosed_earnings(busy_book, date(2024, 2, 29)) == Money("1200.00")
    assert unclosed_earnings(busy_book, date(2024, 3, 31)) == Money("450.00")
    assert unclosed_earnings(busy_book, date(2024, 4, 30)) == Money("350.00")


def test_early_date(busy_book):
    bs = balance_sheet(busy_book, date(2024, 1, 5))
    assert [c for c, _, _ in bs.assets.lines] == ["1000"]
    assert [n for _, n, _ in bs.equity.lines] == ["Owner's Capital"]
    assert bs.is_balanced


def test_include_zero(busy_book):
    bs = balance_sheet(busy_book, date(2024, 1, 1), include_zero=True)
    assert len(bs.assets.lines) == 5
    assert len(bs.liabilities.lines) == 3
    assert bs.equity.lines[-1] == ("", CURRENT_EARNINGS, Money("0"))


def test_net_loss_shows_negative_earnings(book):
    book.post(make_entry("JE-1", date(2024, 1, 1), ("6000", "dr", "300"), ("1000", "cr", "300")))
    bs = balance_sheet(book, date(2024, 1, 31))
    assert bs.equity.lines == [("", CURRENT_EARNINGS, Money("-300"))]
    assert bs.assets.total == Money("-300")
    assert bs.is_balanced
