"""Stacking several taxes, including compound taxes levied on other taxes."""

from decimal import Decimal

from ledger.core.errors import TaxRuleError


def _check_unique(rates) -> None:
    seen = set()
    for r in rates:
        if r.code in seen:
            raise TaxRuleError(f"tax {r.code} listed twice")
        seen.add(r.code)


def compute_taxes(base: Decimal, rates) -> list[tuple[str, Decimal]]:
    """Unrounded tax amounts for ``base``.

    Simple taxes are charged on the base.  Compound taxes are charged on the
    base plus every tax computed before them, in the order given, after all
    simple taxes.
    """
    rates = list(rates)
    _check_unique(rates)
    base = Decimal(base)
    results: list[tuple[str, Decimal]] = []
    running = Decimal(0)
    for rate in rates:
        if not rate.compound:
            amount = base * rate.fraction
            results.append((rate.code, amount))
            running += amount
    for rate in rates:
        if rate.compound:
            amount = (base + running) * rate.fraction
            results.append((rate.code, amount))
            running += amount
    return results


def effective_multiplier(rates) -> Decimal:
    """Gross / net for the given taxes, e.g. 1.14975 for GST 5% + compound 9.5%."""
    return Decimal(1) + sum((amt for _, amt in compute_taxes(Decimal(1), rates)), Decimal(0))


def effective_percent(rates) -> Decimal:
    return (effective_multiplier(rates) - 1) * 100
