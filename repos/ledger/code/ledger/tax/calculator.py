"""The tax calculator used by invoices and credit notes."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ledger.core.money import Money
from ledger.core.rounding import resolve_mode, round_to
from ledger.tax.compound import compute_taxes
from ledger.tax.inclusive import split_inclusive

ROUNDING_METHODS = ("line", "total")


@dataclass
class TaxLineResult:
    net: Money
    taxes: dict = field(default_factory=dict)       # code -> Money (rounded)
    raw_taxes: dict = field(default_factory=dict)   # code -> Decimal (unrounded)

    @property
    def tax_total(self) -> Money:
        total = Money.zero(self.net.currency)
        for amount in self.taxes.values():
            total = total + amount
        return total

    @property
    def gross(self) -> Money:
        return self.net + self.tax_total


class TaxCalculator:
    def __init__(self, table, exemptions=None, rounding: str = "half_up"):
        resolve_mode(rounding)
        self.table = table
        self.exemptions = exemptions
        self.rounding = rounding

    def applicable_rates(self, codes, on: date, customer_id=None, category=None) -> list:
        codes = list(codes)
        if self.exemptions is not None:
            codes = self.exemptions.taxable_codes(codes, on, customer_id, category)
        return [self.table.rate_for(code, on) for code in codes]

    def compute(self, amount: Money, codes, on: date, *, inclusive: bool = False,
                customer_id=None, category=None) -> TaxLineResult:
        rates = self.applicable_rates(codes, on, customer_id, category)
        cur = amount.currency
        places = cur.minor_units
        if inclusive:
            net, taxes = split_inclusive(amount.amount, rates, places, self.rounding)
            raw = {code: value for code, value in taxes}
        else:
            net = amount.amount
            raw = dict(compute_taxes(net, rates))
            taxes = [(code, round_to(value, places, self.rounding)) for code, value in raw.items()]
        return TaxLineResult(
            net=Money(net, cur),
            taxes={code: Money(value, cur) for code, value in taxes},
            raw_taxes=raw,
        )

    def summarize(self, results, currency: str = "USD", method: str = "line") -> dict:
        """Tax per code over several lines, sorted by code.

        ``line`` adds up the rounded per-line taxes; ``total`` adds up the
        unrounded amounts and rounds once per code.
        """
        if method not in ROUNDING_METHODS:
            raise ValueError(f"unknown tax rounding method {method!r}")
        results = list(results)
        if results:
            currency = results[0].net.code
        totals: dict[str, Money] = {}
        if method == "line":
            for result in results:
                for code, amount in result.taxes.items():
                    totals[code] = totals.get(code, Money.zero(currency)) + amount
        else:
            raw: dict[str, Decimal] = {}
            for result in results:
                for code, value in result.raw_taxes.items():
                    raw[code] = raw.get(code, Decimal(0)) + value
            for code, value in raw.items():
                totals[code] = Money(value, currency, self.rounding)
        return dict(sorted(totals.items()))
