import io
from datetime import date

from ledger.io.csv_export import ENTRY_COLUMNS, entries_to_csv, entry_rows, trial_balance_to_csv, write_entries_csv
from ledger.reports.trial_balance import trial_balance


def test_columns():
    assert ENTRY_COLUMNS == ["entry_id", "date", "description", "account", "debit", "credit", "currency", "memo"]


def test_entry_rows(busy_book):
    rows = entry_rows([busy_book.get("JE-3")])
    assert [(r["account"], r["debit"], r["credit"]) for r in rows] == [
        ("1100", "2400.00", ""), ("4000", "", "2000.00"), ("2100", "", "400.00")]
    assert rows[0]["date"] == "2024-02-01"
    assert rows[0]["description"] == "Invoice 1"
    assert rows[0]["currency"] == "USD"


def test_entries_to_csv(busy_book):
    text = entries_to_csv([busy_book.get("JE-1")])
    assert text == (
        "entry_id,date,description,account,debit,credit,currency,memo\n"
        "JE-1,2024-01-02,Owner investment,1000,10000.00,,USD,\n"
        "JE-1,2024-01-02,Owner investment,3000,,10000.00,USD,\n"
    )


def test_write_returns_row_count(busy_book):
    buf = io.StringIO()
    assert write_entries_csv(busy_book.entries(), buf) == 17
    assert buf.getvalue().count("\n") == 18


def test_delimiter_and_quoting(busy_book):
    entry = busy_book.get("JE-1")
    entry.description = "Owner; investment"
    text = entries_to_csv([entry], delimiter=";")
    assert text.splitlines()[1] == 'JE-1;2024-01-02;"Owner; investment";1000;10000.00;;USD;'


def test_trial_balance_csv(busy_book):
    text = trial_balance_to_csv(trial_balance(busy_book, date(2024, 1, 31)))
    assert text == (
        "code,name,debit,credit\n"
        "1000,Cash,7000.00,0.00\n"
        "1500,Equipment,3000.00,0.00\n"
        "3000,Owner's Capital,0.00,10000.00\n"
        ",Total,10000.00,10000.00\n"
    )
