"""Reading journal entries from CSV exported by spreadsheets or other systems."""

import csv
import io

from ledger.accounts.types import Side
from ledger.core.dates import parse_iso_date
from ledger.core.errors import DataImportError, LedgerError
from ledger.core.money import Money
from ledger.core.parsing import parse_amount
from ledger.journal.entry import JournalEntry
from ledger.journal.posting import Posting

REQUIRED_COLUMNS = ("entry_id", "date", "account", "debit", "credit")


def _row_amount(row: dict, line: int, decimal: str, thousands: str):
    debit = (row.get("debit") or "").strip()
    credit = (row.get("credit") or "").strip()
    if debit and credit:
        raise DataImportError(f"line {line}: both debit and credit are filled in")
    if not debit and not credit:
        raise DataImportError(f"line {line}: neither debit nor credit is filled in")
    side = Side.DEBIT if debit else Side.CREDIT
    try:
        value = parse_amount(debit or credit, decimal, thousands)
    except LedgerError as exc:
        raise DataImportError(f"line {line}: {exc}") from None
    if value < 0:
        raise DataImportError(f"line {line}: negative amounts are not allowed")
    return side, value


def read_entries_csv(text: str, delimiter: str = ",", decimal: str = ".",
                     thousands: str = ",", default_currency: str = "USD") -> list[JournalEntry]:
    """Group CSV rows by ``entry_id`` into draft journal entries (file order kept)."""
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise DataImportError(f"missing column(s): {', '.join(missing)}")
    reader.fieldnames = header
    entries: dict[str, JournalEntry] = {}
    for line, row in enumerate(reader, start=2):
        entry_id = (row.get("entry_id") or "").strip()
        if not entry_id:
            raise DataImportError(f"line {line}: entry_id is empty")
        try:
            on = parse_iso_date(row.get("date") or "")
        except LedgerError as exc:
            raise DataImportError(f"line {line}: {exc}") from None
        side, value = _row_amount(row, line, decimal, thousands)
        currency = (row.get("currency") or "").strip() or default_currency
        description = (row.get("description") or "").strip()
        entry = entries.get(entry_id)
        if entry is None:
            entry = JournalEntry(entry_id, on, description)
            entries[entry_id] = entry
        elif entry.date != on:
            raise DataImportError(
                f"line {line}: entry {entry_id} has rows dated {entry.date} and {on}"
            )
        elif not entry.description and description:
            entry.description = description
        try:
            entry.add(Posting(row.get("account") or "", side, Money(value, currency),
                              (row.get("memo") or "").strip()))
        except LedgerError as exc:
            raise DataImportError(f"line {line}: {exc}") from None
    return list(entries.values())


def read_entries_file(path, encoding: str = "utf-8", **options) -> list[JournalEntry]:
    with open(path, encoding=encoding, newline="") as fh:
        return read_entries_csv(fh.read(), **options)
