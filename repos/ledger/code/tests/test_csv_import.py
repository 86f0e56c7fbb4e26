from datetime import date

import pytest

from ledger.accounts.types import Side
from ledger.core.errors import DataImportError
from ledger.core.money import Money
from ledger.io.csv_export import entries_to_csv
from ledger.io.csv_import import read_entries_csv, read_entries_file

HEADER = "entry_id,date,description,account,debit,credit,currency,memo\n"


def test_basic_import():
    text = HEADER + (
        'JE-1,2024-01-02,Owner investment,1000,"10,000.00",,USD,\n'
        "JE-1,2024-01-02,,3000,,10000.00,USD,capital\n"
    )
    [entry] = read_entries_csv(text)
    assert entry.entry_id == "JE-1"
    assert entry.date == date(2024, 1, 2)
    assert entry.description == "Owner investment"
    assert [(p.account, p.side, p.amount) for p in entry.postings] == [
        ("1000", Side.DEBIT, Money("10000")), ("3000", Side.CREDIT, Money("10000"))]
    assert entry.postings[1].memo == "capital"
    assert entry.is_balanced()


def test_groups_preserve_file_order():
    text = HEADER + (
        "B,2024-01-02,,1000,1,,,\n"
        "A,2024-01-01,,1000,2,,,\n"
        "B,2024-01-02,,3000,,1,,\n"
    )
    entries = read_entries_csv(text)
    assert [e.entry_id for e in entries] == ["B", "A"]
    assert len(entries[0].postings) == 2


def test_default_currency_and_late_description():
    text = HEADER + "X,2024-01-01,,1000,5,,,\nX,2024-01-01,Later,3000,,5,,\n"
    [entry] = read_entries_csv(text, default_currency="EUR")
    assert entry.postings[0].amount == Money("5", "EUR")
    assert entry.description == "Later"


def test_european_format():
    text = ("entry_id;date;account;debit;credit\n"
            "J1;2024-03-01;1000;1.234,50;\n"
            "J1;2024-03-01;4000;;1.234,50\n")
    [entry] = read_entries_csv(text, delimiter=";", decimal=",", thousands=".")
    assert entry.total_debits() == Money("1234.50")


def test_header_whitespace_tolerated():
    text = " entry_id , date , account , debit , credit \nJ1,2024-03-01,1000,1,\n"
    [entry] = read_entries_csv(text)
    assert entry.postings[0].amount == Money("1")


def test_missing_columns():
    with pytest.raises(DataImportError, match="missing column\\(s\\): debit, credit"):
        read_entries_csv("entry_id,date,account\nX,2024-01-01,1000\n")


@pytest.mark.parametrize("row, message", [
    ("X,2024-01-01,,1000,5,5,,", "line 2: both debit and credit"),
    ("X,2024-01-01,,1000,,,,", "line 2: neither debit nor credit"),
    ("X,01/02/2024,,1000,5,,,", "line 2: not an ISO date"),
    ("X,2024-01-01,,1000,abc,,,", "line 2: not an amount"),
    ("X,2024-01-01,,1000,-5,,,", "line 2: negative amounts"),
    (",2024-01-01,,1000,5,,,", "line 2: entry_id is empty"),
    ("X,2024-01-01,,10,5,,,", "line 2: malformed account code"),
    ("X,2024-01-01,,1000,0,,,", "line 2: posting amounts must be positive"),
])
def test_row_errors(row, message):
    with pytest.raises(DataImportError, match=message):
        read_entries_csv(HEADER + row + "\n")


def test_inconsistent_dates_reported_with_line():
    text = HEADER + "X,2024-01-01,,1000,5,,,\nX,2024-01-02,,3000,,5,,\n"
    with pytest.raises(DataImportError, match="line 3: entry X has rows dated 2024-01-01 and 2024-01-02"):
        read_entries_csv(text)


def test_round_trip(busy_book):
    entries = read_entries_csv(entries_to_csv(busy_book.entries()))
    assert [e.entry_id for e in entries] == [e.entry_id for e in busy_book.entries()]
    assert all(e.is_balanced() for e in entries)
    assert entries[2].total_debits() == Money("2400.00")


def test_read_file(tmp_path):
    path = tmp_path / "journal.csv"
    path.write_text(HEADER + "X,2024-01-01,,1000,5,,,\nX,2024-01-01,,3000,,5,,\n", encoding="utf-8")
    [entry] = read_entries_file(path)
    assert entry.is_balanced()


def test_first_description_wins():
    text = HEADER + "X,2024-01-01,First,1000,5,,,\nX,2024-01-01,Second,3000,,5,,\n"
    [entry] = read_entries_csv(text)
    assert entry.description == "First"
