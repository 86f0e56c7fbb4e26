from datetime import date
from decimal import Decimal

import pytest

from ledger.core.errors import TaxRuleError
from ledger.tax.rates import TaxRate, TaxRateTable


def vat_history():
    return TaxRateTable([
        TaxRate("VAT", "VAT", "19", date(2020, 1, 1), date(2020, 6, 30)),
        TaxRate("VAT", "VAT", "16", date(2020, 7, 1), date(2020, 12, 31)),
        TaxRate("VAT", "VAT", "19", date(2021, 1, 1)),
    ])


def test_rate_normalizes_code_and_percent():
    r = TaxRate(" vat ", "VAT", "20")
    assert r.code == "VAT"
    assert r.percent == Decimal("20")
    assert r.fraction == Decimal("0.2")


def test_rate_validation():
    with pytest.raises(TaxRuleError):
        TaxRate("VAT", "VAT", "101")
    with pytest.raises(TaxRuleError):
        TaxRate("VAT", "VAT", "-1")
    with pytest.raises(TaxRuleError):
        TaxRate("", "VAT", "1")
    with pytest.raises(TaxRuleError):
        TaxRate("VAT", "VAT", "1", date(2024, 2, 1), date(2024, 1, 1))


def test_applies_on_boundaries():
    r = TaxRate("VAT", "VAT", "16", date(2020, 7, 1), date(2020, 12, 31))
    assert r.applies_on(date(2020, 7, 1))
    assert r.applies_on(date(2020, 12, 31))
    assert not r.applies_on(date(2020, 6, 30))
    assert not r.applies_on(date(2021, 1, 1))


def test_rate_for_date():
    table = vat_history()
    assert table.percent_for("VAT", date(2020, 6, 30)) == Decimal("19")
    assert table.percent_for("VAT", date(2020, 7, 1)) == Decimal("16")
    assert table.percent_for("vat", date(2020, 12, 31)) == Decimal("16")
    assert table.percent_for("VAT", date(2030, 1, 1)) == Decimal("19")


def test_rate_before_first_effective_date():
    with pytest.raises(TaxRuleError, match="2019-12-31"):
        vat_history().rate_for("VAT", date(2019, 12, 31))


def test_unknown_code():
    with pytest.raises(TaxRuleError, match="unknown tax code 'GST'"):
        vat_history().rate_for("GST", date(2021, 1, 1))


def test_overlap_rejected():
    table = vat_history()
    with pytest.raises(TaxRuleError, match="overlaps"):
        table.add(TaxRate("VAT", "VAT", "7", date(2020, 12, 31), date(2020, 12, 31)))


def test_adjacent_ranges_allowed():
    table = TaxRateTable([TaxRate("X", "X", "1", date(2024, 1, 1), date(2024, 1, 31))])
    table.add(TaxRate("X", "X", "2", date(2024, 2, 1)))
    assert [r.percent for r in table.history("X")] == [Decimal("1"), Decimal("2")]


def test_history_sorted_and_codes():
    table = TaxRateTable()
    table.add(TaxRate("B", "b", "2", date(2024, 1, 1)))
    table.add(TaxRate("A", "a", "2", date(2023, 1, 1), date(2023, 12, 31)))
    table.add(TaxRate("A", "a", "3", date(2022, 1, 1), date(2022, 12, 31)))
    assert table.codes() == ["A", "B"]
    assert [r.percent for r in table.history("a")] == [Decimal("3"), Decimal("2")]
    assert table.history("zzz") == []


def test_change_rate():
    table = TaxRateTable([TaxRate("GST", "GST", "5", date(2020, 1, 1))])
    new = table.change_rate("GST", "6", date(2024, 7, 1))
    assert new.percent == Decimal("6")
    assert table.percent_for("GST", date(2024, 6, 30)) == Decimal("5")
    assert table.percent_for("GST", date(2024, 7, 1)) == Decimal("6")
    assert table.history("GST")[0].effective_to == date(2024, 6, 30)


def test_change_rate_errors():
    table = vat_history()
    with pytest.raises(TaxRuleError, match="already has an end date"):
        table.change_rate("VAT", "17", date(2020, 8, 1))
    with pytest.raises(TaxRuleError):
        table.change_rate("VAT", "17", date(2021, 1, 1))


def test_compound_flag_kept_on_change():
    table = TaxRateTable([TaxRate("PST", "PST", "9", date(2020, 1, 1), compound=True)])
    assert table.change_rate("PST", "10", date(2021, 1, 1)).compound is True


def test_zero_rate_allowed():
    assert TaxRate("ZERO", "Zero rated", "0").fraction == Decimal("0")


def test_applies_on_returns_bool():
    r = TaxRate("VAT", "VAT", "16", date(2020, 7, 1), date(2020, 12, 31))
    assert r.applies_on(date(2020, 6, 1)) is False


def test_overlap_on_shared_boundary_day():
    table = TaxRateTable([TaxRate("X", "X", "1", date(2024, 1, 1), date(2024, 1, 31))])
    with pytest.raises(TaxRuleError):
        table.add(TaxRate("X", "X", "2", date(2024, 1, 31)))


def test_change_rate_on_start_day_rejected():
    table = TaxRateTable([TaxRate("GST", "GST", "5", date(2020, 1, 1))])
    with pytest.raises(TaxRuleError, match="must start after"):
        table.change_rate("GST", "6", date(2020, 1, 1))


def test_new_rate_ending_on_existing_start_overlaps():
    table = TaxRateTable([TaxRate("X", "X", "2", date(2024, 2, 1))])
    with pytest.raises(TaxRuleError):
        table.add(TaxRate("X", "X", "1", date(2024, 1, 1), date(2024, 2, 1)))
    table.add(TaxRate("X", "X", "1", date(2024, 1, 1), date(2024, 1, 31)))
    assert table.percent_for("X", date(2024, 1, 31)) == Decimal("1")
