from datetime import date

import pytest

from ledger.core.errors import TaxRuleError
from ledger.tax.exemptions import Exemption, ExemptionRegistry


def test_needs_exactly_one_subject():
    with pytest.raises(TaxRuleError):
        Exemption()
    with pytest.raises(TaxRuleError):
        Exemption(customer_id="C1", category="food")


def test_codes_and_category_normalized():
    ex = Exemption(category=" Food ", tax_codes={"vat"})
    assert ex.category == "food"
    assert ex.tax_codes == frozenset({"VAT"})


def test_invalid_validity():
    with pytest.raises(TaxRuleError):
        Exemption(customer_id="C1", valid_from=date(2024, 2, 1), valid_until=date(2024, 1, 1))


def test_covers_all_codes_when_empty():
    ex = Exemption(customer_id="C1")
    assert ex.covers("VAT", date(2024, 1, 1))
    assert ex.covers("gst", date(2024, 1, 1))


def test_covers_listed_codes_only():
    ex = Exemption(customer_id="C1", tax_codes={"GST"})
    assert ex.covers("gst", date(2024, 1, 1))
    assert not ex.covers("PST", date(2024, 1, 1))


def test_certificate_valid_through_expiry_day():
    ex = Exemption(customer_id="C1", valid_from=date(2024, 1, 1), valid_until=date(2024, 12, 31))
    assert ex.covers("VAT", date(2024, 12, 31))
    assert not ex.covers("VAT", date(2025, 1, 1))
    assert not ex.covers("VAT", date(2023, 12, 31))


def test_matches():
    assert Exemption(customer_id="C1").matches("C1", None)
    assert not Exemption(customer_id="C1").matches("C2", "food")
    assert Exemption(category="food").matches(None, "FOOD ")
    assert not Exemption(category="food").matches("C1", None)


def test_registry_lookup():
    reg = ExemptionRegistry([
        Exemption(customer_id="CHARITY", certificate="EX-1"),
        Exemption(category="books", tax_codes={"VAT"}),
    ])
    on = date(2024, 5, 1)
    assert reg.is_exempt("VAT", on, customer_id="CHARITY")
    assert reg.is_exempt("VAT", on, category="Books")
    assert not reg.is_exempt("GST", on, category="books")
    assert reg.find("GST", on, customer_id="CHARITY").certificate == "EX-1"
    assert reg.find("GST", on, customer_id="ACME") is None


def test_taxable_codes_keeps_order():
    reg = ExemptionRegistry([Exemption(category="food", tax_codes={"PST"})])
    assert reg.taxable_codes(["GST", "PST", "HST"], date(2024, 1, 1), category="food") == ["GST", "HST"]


def test_expiring():
    reg = ExemptionRegistry()
    reg.add(Exemption(customer_id="A", valid_until=date(2024, 6, 30)))
    reg.add(Exemption(customer_id="B", valid_until=date(2024, 8, 30)))
    reg.add(Exemption(customer_id="C"))
    reg.add(Exemption(category="food", valid_until=date(2024, 6, 1)))
    assert len(reg) == 4
    assert [e.customer_id for e in reg.expiring(date(2024, 6, 1), 30)] == ["A"]
    assert [e.customer_id for e in reg.expiring(date(2024, 6, 1), 90)] == ["A", "B"]
    assert reg.expiring(date(2024, 7, 1), 10) == []


def test_single_day_certificate():
    ex = Exemption(customer_id="C1", valid_from=date(2024, 5, 1), valid_until=date(2024, 5, 1))
    assert ex.covers("VAT", date(2024, 5, 1)) is True
    assert ex.covers("VAT", date(2024, 4, 30)) is False
    assert ex.covers("VAT", date(2024, 5, 2)) is False
    assert Exemption(customer_id="C1", tax_codes={"GST"}).covers("VAT", date(2024, 5, 1)) is False


def test_expiring_includes_today():
    reg = ExemptionRegistry([Exemption(customer_id="A", valid_until=date(2024, 6, 1))])
    assert len(reg.expiring(date(2024, 6, 1), 0)) == 1
