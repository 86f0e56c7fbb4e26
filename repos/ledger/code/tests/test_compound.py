from decimal import Decimal

import pytest

from ledger.core.errors import TaxRuleError
from ledger.tax.compound import compute_taxes, effective_multiplier, effective_percent
from ledger.tax.rates import TaxRate

GST = TaxRate("GST", "GST", "5")
PST = TaxRate("PST", "PST", "10", compound=True)
HST = TaxRate("HST", "HST", "8")


def test_single_simple_tax():
    assert compute_taxes(Decimal("100"), [GST]) == [("GST", Decimal("5.00"))]


def test_simple_taxes_use_base():
    assert compute_taxes(Decimal("100"), [GST, HST]) == [("GST", Decimal("5.00")), ("HST", Decimal("8.00"))]


def test_compound_on_base_plus_simple():
    assert compute_taxes(Decimal("100"), [GST, PST]) == [("GST", Decimal("5.00")), ("PST", Decimal("10.500"))]


def test_compound_applied_after_simple_even_if_listed_first():
    result = compute_taxes(Decimal("100"), [PST, GST])
    assert result == [("GST", Decimal("5.00")), ("PST", Decimal("10.500"))]


def test_two_compound_taxes_stack():
    extra = TaxRate("EXT", "Extra", "10", compound=True)
    result = dict(compute_taxes(Decimal("100"), [GST, PST, extra]))
    assert result["EXT"] == Decimal("11.5500")


def test_no_rates():
    assert compute_taxes(Decimal("100"), []) == []
    assert effective_multiplier([]) == Decimal("1")


def test_duplicate_codes_rejected():
    with pytest.raises(TaxRuleError, match="twice"):
        compute_taxes(Decimal("1"), [GST, GST])


def test_effective_multiplier_and_percent():
    assert effective_multiplier([GST, PST]) == Decimal("1.155")
    assert effective_percent([GST, PST]) == Decimal("15.500")
    assert effective_percent([GST, HST]) == Decimal("13.00")
