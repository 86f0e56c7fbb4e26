from decimal import Decimal

from ledger.tax.inclusive import split_inclusive, tax_portion
from ledger.tax.rates import TaxRate

VAT = TaxRate("VAT", "VAT", "20")
GST = TaxRate("GST", "GST", "5")
PST = TaxRate("PST", "PST", "10", compound=True)


def test_simple_split():
    assert split_inclusive(Decimal("120.00"), [VAT]) == (Decimal("100.00"), [("VAT", Decimal("20.00"))])


def test_split_rounds_and_reconciles():
    net, taxes = split_inclusive(Decimal("10.00"), [VAT])
    assert net == Decimal("8.33")
    assert taxes == [("VAT", Decimal("1.67"))]
    assert net + taxes[0][1] == Decimal("10.00")


def test_residue_goes_to_net():
    net, taxes = split_inclusive(Decimal("1.00"), [GST, TaxRate("HST", "HST", "8")])
    assert net == Decimal("0.89")
    assert taxes == [("GST", Decimal("0.04")), ("HST", Decimal("0.07"))]
    assert net + sum(t for _, t in taxes) == Decimal("1.00")


def test_compound_split():
    net, taxes = split_inclusive(Decimal("115.50"), [GST, PST])
    assert net == Decimal("100.00")
    assert taxes == [("GST", Decimal("5.00")), ("PST", Decimal("10.50"))]


def test_no_rates_returns_gross():
    assert split_inclusive(Decimal("9.999"), []) == (Decimal("10.00"), [])


def test_zero_places():
    net, taxes = split_inclusive(Decimal("1000"), [VAT], places=0)
    assert (net, taxes) == (Decimal("833"), [("VAT", Decimal("167"))])


def test_tax_portion():
    assert tax_portion(Decimal("120.00"), Decimal("20")) == Decimal("20.00")
    assert tax_portion(Decimal("10.00"), Decimal("20")) == Decimal("1.67")
    assert tax_portion(Decimal("10.00"), Decimal("0")) == Decimal("0.00")
