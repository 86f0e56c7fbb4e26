"""Backing tax out of tax-inclusive prices."""

from decimal import Decimal

from ledger.core.rounding import round_to
from ledger.tax.compound import compute_taxes, effective_multiplier


def split_inclusive(gross: Decimal, rates, places: int = 2, mode: str = "half_up"):
    """Split a tax-inclusive ``gross`` into ``(net, [(code, tax), ...])``.

    The rounded parts always add back up to ``gross``; any rounding residue is
    absorbed by the net amount.
    """
    gross = Decimal(gross)
    rates = list(rates)
    if not rates:
        return round_to(gross, places, mode), []
    net = round_to(gross / effective_multiplier(rates), places, mode)
    taxes = [(code, round_to(amount, places, mode)) for code, amount in compute_taxes(net, rates)]
    residue = gross - net - sum((t for _, t in taxes), Decimal(0))
    return net + residue, taxes


def tax_portion(gross: Decimal, percent: Decimal, places: int = 2, mode: str = "half_up") -> Decimal:
    """The tax contained in a gross amount at a single simple rate."""
    gross = Decimal(gross)
    net = round_to(gross * 100 / (100 + Decimal(percent)), places, mode)
    return gross - net
