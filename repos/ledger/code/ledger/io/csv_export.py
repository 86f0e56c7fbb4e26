"""Writing journal entries and trial balances as CSV."""

import csv
import io

ENTRY_COLUMNS = ["entry_id", "date", "description", "account", "debit", "credit", "currency", "memo"]


def entry_rows(entries) -> list[dict]:
    """One dict per posting; the amount goes in the debit or the credit column."""
    rows = []
    for entry in entries:
        for posting in entry.postings:
            amount = f"{posting.amount.amount:f}"
            rows.append({
                "entry_id": entry.entry_id,
                "date": entry.date.isoformat(),
                "description": entry.description,
                "account": posting.account,
                "debit": amount if posting.is_debit else "",
                "credit": "" if posting.is_debit else amount,
                "currency": posting.amount.code,
                "memo": posting.memo,
            })
    return rows


def write_entries_csv(entries, fp, delimiter: str = ",") -> int:
    """Write entries to a text file object; returns the number of data rows."""
    writer = csv.DictWriter(fp, fieldnames=ENTRY_COLUMNS, delimiter=delimiter,
                            lineterminator="\n")
    writer.writeheader()
    rows = entry_rows(entries)
    writer.writerows(rows)
    return len(rows)


def entries_to_csv(entries, delimiter: str = ",") -> str:
    buf = io.StringIO()
    write_entries_csv(entries, buf, delimiter)
    return buf.getvalue()


def trial_balance_to_csv(tb) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["code", "name", "debit", "credit"])
    for row in tb.rows:
        writer.writerow([row.code, row.name, f"{row.debit.amount:f}", f"{row.credit.amount:f}"])
    writer.writerow(["", "Total", f"{tb.total_debits.amount:f}", f"{tb.total_credits.amount:f}"])
    return buf.getvalue()
