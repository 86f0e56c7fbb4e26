from datetime import date

from conftest import make_entry
from ledger.accounts.chart import Account, default_chart
from ledger.accounts.types import AccountType
from ledger.core.money import Money
from ledger.journal.book import Ledger
from ledger.reports.trial_balance import trial_balance


def test_rows_and_totals(busy_book):
    tb = trial_balance(busy_book, date(2024, 12, 31))
    assert [(r.code, str(r.debit.amount), str(r.credit.amount)) for r in tb.rows] == [
        ("1000", "7400.00", "0.00"),
        ("1100", "1100.00", "0.00"),
        ("1200", "0.00", "700.00"),
        ("1500", "3000.00", "0.00"),
        ("1510", "0.00", "50.00"),
        ("2100", "0.00", "400.00"),
        ("3000", "0.00", "10000.00"),
        ("4000", "0.00", "2000.00"),
        ("4900", "100.00", "0.00"),
        ("5000", "700.00", "0.00"),
        ("6000", "800.00", "0.00"),
        ("6200", "50.00", "0.00"),
    ]
    assert tb.total_debits == Money("13150.00")
    assert tb.total_credits == Money("13150.00")
    assert tb.is_balanced


def test_as_of_date(busy_book):
    tb = trial_balance(busy_book, date(2024, 1, 31))
    assert [r.code for r in tb.rows] == ["1000", "1500", "3000"]
    assert tb.total_debits == Money("10000.00")


def test_include_zero(busy_book):
    tb = trial_balance(busy_book, date(2024, 1, 31), include_zero=True)
    assert len(tb.rows) == 18
    assert tb.rows[1].code == "1100"
    assert tb.rows[1].debit == Money("0")


def test_header_accounts_excluded():
    chart = default_chart()
    chart.add(Account("1000.01", "Till", AccountType.ASSET))
    book = Ledger(chart)
    book.post(make_entry("JE-1", date(2024, 1, 1), ("1000.01", "dr", "5"), ("3000", "cr", "5")))
    tb = trial_balance(book, date(2024, 1, 1))
    assert [r.code for r in tb.rows] == ["1000.01", "3000"]


def test_other_currency_accounts_excluded():
    chart = default_chart()
    chart.add(Account("1050", "Euro bank", AccountType.ASSET, "EUR"))
    book = Ledger(chart)
    e = make_entry("JE-1", date(2024, 1, 1), ("1000", "dr", "5"), ("3000", "cr", "5"))
    book.post(e)
    assert [r.code for r in trial_balance(book, date(2024, 1, 1)).rows] == ["1000", "3000"]
    assert trial_balance(book, date(2024, 1, 1), currency="EUR").rows == []


def test_render(busy_book):
    text = trial_balance(busy_book, date(2024, 1, 31)).render(name_width=16)
    assert text.splitlines() == [
        "Code    Account                  Debit        Credit",
        "1000    Cash                  7,000.00              ",
        "1500    Equipment             3,000.00              ",
        "3000    Owner's Capital                    10,000.00",
        "        Total                10,000.00     10,000.00",
    ]


def test_render_truncates_long_names(busy_book):
    text = trial_balance(busy_book, date(2024, 2, 1)).render(name_width=10)
    assert "Accounts R  " in text
