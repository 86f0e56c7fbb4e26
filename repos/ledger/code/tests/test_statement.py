from datetime import date

import pytest

from ledger.core.money import Money
from ledger.reports.statement import account_activity


def test_opening_running_closing(busy_book):
    act = account_activity(busy_book, "1000", date(2024, 2, 1), date(2024, 3, 31))
    assert act.opening == Money("7000.00")
    assert [(l.entry_id, str(l.debit.amount), str(l.credit.amount), str(l.balance.amount)) for l in act.lines] == [
        ("JE-4", "0.00", "800.00", "6200.00"),
        ("JE-5", "1200.00", "0.00", "7400.00"),
    ]
    assert act.closing == Money("7400.00")
    assert act.net_change == Money("400.00")


def test_descriptions_fall_back_to_entry(busy_book):
    act = account_activity(busy_book, "1000", date(2024, 2, 1), date(2024, 2, 28))
    assert act.lines[0].description == "Rent"
    assert act.name == "Cash"


def test_credit_normal_account(busy_book):
    act = account_activity(busy_book, "3000", date(2024, 1, 1), date(2024, 1, 31))
    assert act.opening == Money("0")
    assert act.lines[0].credit == Money("10000.00")
    assert act.lines[0].balance == Money("10000.00")


def test_start_day_included(busy_book):
    act = account_activity(busy_book, "1100", date(2024, 3, 1), date(2024, 3, 1))
    assert act.opening == Money("2400.00")
    assert [l.entry_id for l in act.lines] == ["JE-5"]
    assert act.closing == Money("1200.00")


def test_no_activity(busy_book):
    act = account_activity(busy_book, "6100", date(2024, 1, 1), date(2024, 12, 31))
    assert act.lines == []
    assert act.closing == Money("0")


def test_bad_range(busy_book):
    with pytest.raises(ValueError):
        account_activity(busy_book, "1000", date(2024, 3, 1), date(2024, 2, 1))


def test_parent_account_rolls_up_by_default(chart):
    from conftest import make_entry
    from ledger.accounts.chart import Account
    from ledger.accounts.types import AccountType
    from ledger.journal.book import Ledger

    chart.add(Account("1000.01", "Till", AccountType.ASSET))
    book = Ledger(chart)
    book.post(make_entry("JE-1", date(2024, 1, 5), ("1000.01", "dr", "30"), ("3000", "cr", "30")))
    act = account_activity(book, "1000", date(2024, 1, 1), date(2024, 1, 31))
    assert act.closing == Money("30")
    assert account_activity(book, "1000", date(2024, 1, 1), date(2024, 1, 31), include_children=False).lines == []
