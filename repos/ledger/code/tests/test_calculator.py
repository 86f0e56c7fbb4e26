from datetime import date
from decimal import Decimal

import pytest

from ledger.core.errors import TaxRuleError
from ledger.core.money import Money
from ledger.tax.calculator import TaxCalculator, TaxLineResult
from ledger.tax.exemptions import Exemption, ExemptionRegistry

ON = date(2024, 3, 1)


def test_exclusive_single_tax(calculator):
    r = calculator.compute(Money("100.00"), ["VAT"], ON)
    assert r.net == Money("100.00")
    assert r.taxes == {"VAT": Money("20.00")}
    assert r.tax_total == Money("20.00")
    assert r.gross == Money("120.00")


def test_exclusive_rounding_per_line(calculator):
    r = calculator.compute(Money("0.99"), ["GST"], ON)
    assert r.taxes == {"GST": Money("0.05")}
    assert r.raw_taxes == {"GST": Decimal("0.0495")}


def test_compound(calculator):
    r = calculator.compute(Money("100.00"), ["GST", "PST"], ON)
    assert r.taxes == {"GST": Money("5.00"), "PST": Money("10.50")}
    assert r.gross == Money("115.50")


def test_inclusive(calculator):
    r = calculator.compute(Money("10.00"), ["VAT"], ON, inclusive=True)
    assert r.net == Money("8.33")
    assert r.taxes == {"VAT": Money("1.67")}
    assert r.gross == Money("10.00")


def test_no_codes(calculator):
    r = calculator.compute(Money("10.00"), [], ON)
    assert r.taxes == {}
    assert r.gross == Money("10.00")


def test_rounding_mode_is_used(tax_table):
    calc = TaxCalculator(tax_table, rounding="down")
    assert calc.compute(Money("0.99"), ["GST"], ON).taxes == {"GST": Money("0.04")}


def test_invalid_rounding_mode(tax_table):
    with pytest.raises(ValueError):
        TaxCalculator(tax_table, rounding="random")


def test_unknown_code_raises(calculator):
    with pytest.raises(TaxRuleError):
        calculator.compute(Money("1"), ["XYZ"], ON)


def test_rate_date_matters(tax_table):
    with pytest.raises(TaxRuleError):
        TaxCalculator(tax_table).compute(Money("1"), ["VAT"], date(2019, 12, 31))


def test_exemptions_skip_codes(tax_table):
    reg = ExemptionRegistry([Exemption(customer_id="NGO", tax_codes={"PST"})])
    calc = TaxCalculator(tax_table, reg)
    r = calc.compute(Money("100.00"), ["GST", "PST"], ON, customer_id="NGO")
    assert r.taxes == {"GST": Money("5.00")}
    r2 = calc.compute(Money("100.00"), ["GST", "PST"], ON, customer_id="ACME")
    assert r2.taxes == {"GST": Money("5.00"), "PST": Money("10.50")}


def test_category_exemption(tax_table):
    calc = TaxCalculator(tax_table, ExemptionRegistry([Exemption(category="food")]))
    assert calc.compute(Money("50.00"), ["VAT"], ON, category="Food").taxes == {}


def test_applicable_rates_order(calculator):
    assert [r.code for r in calculator.applicable_rates(["RED", "VAT"], ON)] == ["RED", "VAT"]


def test_summarize_line_method(calculator):
    results = [calculator.compute(Money("0.99"), ["GST"], ON) for _ in range(3)]
    assert calculator.summarize(results) == {"GST": Money("0.15")}


def test_summarize_total_method(calculator):
    results = [calculator.compute(Money("0.99"), ["GST"], ON) for _ in range(3)]
    assert calculator.summarize(results, method="total") == {"GST": Money("0.15")}
    results = [calculator.compute(Money("0.10"), ["GST"], ON) for _ in range(3)]
    assert calculator.summarize(results, method="line") == {"GST": Money("0.03")}
    assert calculator.summarize(results, method="total") == {"GST": Money("0.02")}


def test_summarize_sorted_by_code(calculator):
    results = [calculator.compute(Money("10"), ["VAT"], ON), calculator.compute(Money("10"), ["GST"], ON)]
    assert list(calculator.summarize(results)) == ["GST", "VAT"]


def test_summarize_bad_method(calculator):
    with pytest.raises(ValueError):
        calculator.summarize([], method="invoice")


def test_summarize_empty(calculator):
    assert calculator.summarize([]) == {}


def test_line_result_without_taxes():
    r = TaxLineResult(net=Money("3", "EUR"))
    assert r.tax_total == Money("0", "EUR")
    assert r.gross == Money("3", "EUR")
