from datetime import date

import pytest

from invoicing_helpers import simple_invoice
from ledger.core.money import Money
from ledger.reports.aging import aging_report, aging_totals, bucket_for, bucket_labels

AS_OF = date(2024, 6, 30)


@pytest.fixture
def invoices():
    invs = [
        simple_invoice("INV-1", "100", date(2024, 6, 15)),
        simple_invoice("INV-2", "200", date(2024, 5, 1)),
        simple_invoice("INV-3", "300", date(2024, 4, 1)),
        simple_invoice("INV-4", "400", date(2024, 3, 1), customer="C2"),
        simple_invoice("INV-5", "500", date(2024, 1, 1), customer="C2"),
        simple_invoice("INV-6", "600", date(2024, 4, 15), customer="C2"),
        simple_invoice("INV-7", "700", date(2024, 7, 5), customer="C3"),
        simple_invoice("INV-8", "50", date(2024, 3, 20), customer="C3"),
    ]
    invs[4].record_payment("P1", Money("100"))
    invs[5].record_payment("P2", Money("600"))
    return invs


def test_labels():
    assert bucket_labels() == ["current", "1-30", "31-60", "61-90", "over 90"]
    assert bucket_labels((15, 45)) == ["current", "1-15", "16-45", "over 45"]


def test_bucket_boundaries():
    assert bucket_for(0) == "current"
    assert bucket_for(-5) == "current"
    assert bucket_for(1) == "1-30"
    assert bucket_for(30) == "1-30"
    assert bucket_for(31) == "31-60"
    assert bucket_for(90) == "61-90"
    assert bucket_for(91) == "over 90"


def test_report_rows(invoices):
    rows = aging_report(invoices, AS_OF)
    assert [r.customer_id for r in rows] == ["C1", "C2", "C3"]
    c1 = {k: str(v.amount) for k, v in rows[0].buckets.items()}
    assert c1 == {"current": "100.00", "1-30": "200.00", "31-60": "300.00", "61-90": "0.00", "over 90": "0.00"}
    assert rows[0].total == Money("600")


def test_partial_payments_and_paid_invoices(invoices):
    c2 = aging_report(invoices, AS_OF)[1]
    assert c2.buckets["over 90"] == Money("800")
    assert c2.buckets["31-60"] == Money("0")
    assert c2.total == Money("800")


def test_future_invoices_ignored(invoices):
    c3 = aging_report(invoices, AS_OF)[2]
    assert c3.buckets["61-90"] == Money("50")
    assert c3.total == Money("50")


def test_totals(invoices):
    totals = aging_totals(aging_report(invoices, AS_OF))
    assert {k: str(v.amount) for k, v in totals.items()} == {
        "current": "100.00", "1-30": "200.00", "31-60": "300.00", "61-90": "50.00", "over 90": "800.00"}


def test_custom_buckets(invoices):
    rows = aging_report(invoices, AS_OF, buckets=(45,))
    assert list(rows[0].buckets) == ["current", "1-45", "over 45"]
    assert rows[0].buckets["1-45"] == Money("200")
    assert rows[0].buckets["over 45"] == Money("300")


def test_bad_buckets(invoices):
    with pytest.raises(ValueError):
        aging_report(invoices, AS_OF, buckets=(60, 30))
    with pytest.raises(ValueError):
        aging_report(invoices, AS_OF, buckets=(30, 30))


def test_other_currency_and_void_excluded():
    eur = simple_invoice("INV-E", "10", date(2024, 1, 1), currency="EUR")
    void = simple_invoice("INV-V", "10", date(2024, 1, 1))
    void.void()
    assert aging_report([eur, void], AS_OF) == []
    assert aging_report([eur], AS_OF, currency="EUR")[0].total == Money("10", "EUR")


def test_invoice_issued_on_report_date_included():
    inv = simple_invoice("INV-T", "10", AS_OF)
    rows = aging_report([inv], AS_OF)
    assert rows[0].buckets["current"] == Money("10")
