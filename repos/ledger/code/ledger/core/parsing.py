"""Parsing of user-entered amounts, money and percentages."""

from decimal import Decimal

from ledger.core.currency import currency_for_symbol, get_currency, list_currencies
from ledger.core.errors import ParseError, UnknownCurrencyError
from ledger.core.money import Money

_SYMBOLS = ("C$", "CHF", "KD", "kr", "$", "€", "£", "¥")


def _strip_sign(text: str) -> tuple[bool, str]:
    negative = False
    s = text.strip()
    if s.startswith("(") and s.endswith(")"):
        negative = True
        s = s[1:-1].strip()
    if s.endswith("-"):
        negative = not negative
        s = s[:-1].strip()
    if s.startswith("-"):
        negative = not negative
        s = s[1:].strip()
    elif s.startswith("+"):
        s = s[1:].strip()
    return negative, s


def _strip_currency(text: str) -> tuple[str | None, str]:
    s = text.strip()
    codes = list_currencies()
    for code in codes:
        if s.upper().startswith(code) and not s[:3].isdigit():
            return code, s[3:].strip()
        if s.upper().endswith(code):
            return code, s[:-3].strip()
    for sym in _SYMBOLS:
        if s.startswith(sym):
            cur = currency_for_symbol(sym)
            return (cur.code if cur else None), s[len(sym):].strip()
        if s.endswith(sym):
            cur = currency_for_symbol(sym)
            return (cur.code if cur else None), s[:-len(sym)].strip()
    return None, s


def _parse_number(s: str, decimal: str, thousands: str, original: str) -> Decimal:
    if not s:
        raise ParseError(f"no digits in {original!r}")
    if s.count(decimal) > 1:
        raise ParseError(f"more than one decimal separator in {original!r}")
    whole, _, frac = s.partition(decimal)
    if thousands and thousands in frac:
        raise ParseError(f"thousands separator after the decimal point in {original!r}")
    if thousands and thousands in whole:
        groups = whole.split(thousands)
        if not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:]):
            raise ParseError(f"misplaced thousands separator in {original!r}")
        whole = "".join(groups)
    if not (whole or frac) or not (whole + frac).isdigit():
        raise ParseError(f"not an amount: {original!r}")
    digits = f"{whole or '0'}.{frac}" if frac else whole
    return Decimal(digits)


def parse_amount(text: str, decimal: str = ".", thousands: str = ",") -> Decimal:
    """Parse '1,234.50', '(12.00)', '12.00-', '$ -5' and friends into a Decimal."""
    if not isinstance(text, str):
        raise ParseError(f"expected text, got {type(text).__name__}")
    if decimal == thousands:
        raise ParseError("decimal and thousands separators must differ")
    negative, s = _strip_sign(text)
    _, s = _strip_currency(s)
    inner_negative, s = _strip_sign(s)
    value = _parse_number(s.replace(" ", "") if thousands != " " else s, decimal, thousands, text)
    if negative != inner_negative:
        value = -value
    return value


def parse_money(text: str, default_currency: str | None = None,
                decimal: str = ".", thousands: str = ",") -> Money:
    """Parse text such as '$12.50', '12.50 EUR' or 'CHF 3.05' into Money."""
    negative, s = _strip_sign(text)
    code, rest = _strip_currency(s)
    if code is None:
        code = default_currency
    if code is None:
        raise ParseError(f"no currency in {text!r} and no default given")
    try:
        cur = get_currency(code)
    except UnknownCurrencyError as exc:
        raise ParseError(str(exc)) from None
    value = parse_amount(rest, decimal, thousands)
    if negative:
        value = -value
    return Money(value, cur)


def parse_percent(text: str) -> Decimal:
    """Parse '7.5%', '7.5 %' or '7.5' into Decimal('7.5')."""
    s = text.strip()
    if s.endswith("%"):
        s = s[:-1].strip()
    if not s:
        raise ParseError(f"not a percentage: {text!r}")
    return parse_amount(s)
