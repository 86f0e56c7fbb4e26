"""Locale-style formatting of amounts, money and percentages."""

from dataclasses import dataclass
from decimal import Decimal

from ledger.core.rounding import round_to


@dataclass(frozen=True)
class NumberStyle:
    thousands: str
    decimal: str
    symbol_first: bool
    space_between: bool
    negative: str = "minus"  # "minus" or "parens"

    def __post_init__(self):
        if self.negative not in ("minus", "parens"):
            raise ValueError(f"unknown negative style {self.negative!r}")
        if self.thousands == self.decimal:
            raise ValueError("thousands and decimal separators must differ")


STYLES = {
    "en_US": NumberStyle(",", ".", True, False),
    "en_ACCT": NumberStyle(",", ".", True, False, "parens"),
    "de_DE": NumberStyle(".", ",", False, True),
    "fr_FR": NumberStyle("\u202f", ",", False, True),
    "de_CH": NumberStyle("'", ".", True, True),
}


def get_style(style) -> NumberStyle:
    if isinstance(style, NumberStyle):
        return style
    try:
        return STYLES[style]
    except KeyError:
        raise ValueError(f"unknown number style {style!r}") from None


def group_digits(digits: str, separator: str, size: int = 3) -> str:
    """Insert ``separator`` every ``size`` digits from the right."""
    if not separator or len(digits) <= size:
        return digits
    head = len(digits) % size
    groups = [digits[:head]] if head else []
    groups += [digits[i:i + size] for i in range(head, len(digits), size)]
    return separator.join(groups)


def _number(amount: Decimal, places: int, style: NumberStyle) -> tuple[bool, str]:
    value = round_to(Decimal(amount), places)
    negative = value < 0
    text = f"{abs(value):.{places}f}"
    whole, _, frac = text.partition(".")
    body = group_digits(whole, style.thousands)
    if places > 0:
        body = f"{body}{style.decimal}{frac}"
    return negative and value != 0, body


def _wrap_negative(body: str, negative: bool, style: NumberStyle) -> str:
    if not negative:
        return body
    if style.negative == "parens":
        return f"({body})"
    return f"-{body}"


def format_amount(amount, places: int = 2, style="en_US") -> str:
    """Format a bare number, e.g. ``1234.5 -> '1,234.50'``."""
    st = get_style(style)
    negative, body = _number(Decimal(amount), places, st)
    return _wrap_negative(body, negative, st)


def format_money(money, style="en_US", use_symbol: bool = True) -> str:
    """Format Money with its symbol (or ISO code) in the position the style wants."""
    st = get_style(style)
    negative, body = _number(money.amount, money.currency.minor_units, st)
    if not use_symbol:
        return _wrap_negative(f"{body} {money.code}", negative, st)
    sym = money.currency.symbol
    gap = " " if st.space_between else ""
    if st.symbol_first:
        text = f"{sym}{gap}{body}"
    else:
        text = f"{body}{gap}{sym}"
    return _wrap_negative(text, negative, st)


def format_percent(percent, max_places: int = 4) -> str:
    """Format a percentage without trailing zeros: ``Decimal('7.50') -> '7.5%'``."""
    value = round_to(Decimal(percent), max_places)
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    return f"{text}%"
