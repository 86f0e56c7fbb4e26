"""Immutable money values: a Decimal amount quantized to a currency."""

from decimal import Decimal, InvalidOperation

from ledger.core.currency import Currency, get_currency
from ledger.core.errors import CurrencyMismatchError, InvalidAmountError
from ledger.core.rounding import DEFAULT_MODE, distribute, round_to, round_to_increment


def to_decimal(value) -> Decimal:
    """Convert ints, strings and Decimals to a finite Decimal; floats are refused."""
    if isinstance(value, bool):
        raise InvalidAmountError("booleans are not amounts")
    if isinstance(value, float):
        raise InvalidAmountError(f"floats are not accepted for money, got {value!r}; pass a string")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise InvalidAmountError(f"not a number: {value!r}") from None
    else:
        raise InvalidAmountError(f"cannot use {type(value).__name__} as an amount")
    if not result.is_finite():
        raise InvalidAmountError(f"amount must be finite, got {value!r}")
    return result


class Money:
    """An amount of a currency, always rounded to the currency's minor units."""

    __slots__ = ("_amount", "_currency")

    def __init__(self, amount, currency="USD", rounding: str = DEFAULT_MODE):
        cur = get_currency(currency)
        self._currency = cur
        self._amount = round_to(to_decimal(amount), cur.minor_units, rounding)

    @classmethod
    def zero(cls, currency="USD") -> "Money":
        return cls(0, currency)

    @property
    def amount(self) -> Decimal:
        return self._amount

    @property
    def currency(self) -> Currency:
        return self._currency

    @property
    def code(self) -> str:
        return self._currency.code

    # -- predicates -------------------------------------------------------
    def is_zero(self) -> bool:
        return self._amount == 0

    def is_positive(self) -> bool:
        return self._amount > 0

    def is_negative(self) -> bool:
        return self._amount < 0

    def __bool__(self):
        return not self.is_zero()

    # -- helpers ----------------------------------------------------------
    def _check(self, other) -> "Money":
        if not isinstance(other, Money):
            raise TypeError(f"expected Money, got {type(other).__name__}")
        if other._currency.code != self._currency.code:
            raise CurrencyMismatchError(
                f"cannot combine {self._currency.code} with {other._currency.code}"
            )
        return other

    def _new(self, amount: Decimal, rounding: str = DEFAULT_MODE) -> "Money":
        return Money(amount, self._currency, rounding)

    # -- arithmetic -------------------------------------------------------
    def __add__(self, other):
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self
        other = self._check(other)
        return self._new(self._amount + other._amount)

    def __radd__(self, other):
        return self.__add__(other)

    def __sub__(self, other):
        other = self._check(other)
        return self._new(self._amount - other._amount)

    def __neg__(self):
        return self._new(-self._amount)

    def __pos__(self):
        return self

    def __abs__(self):
        return self._new(abs(self._amount))

    def __mul__(self, factor):
        if isinstance(factor, Money):
            raise TypeError("cannot multiply money by money")
        return self._new(self._amount * to_decimal(factor))

    __rmul__ = __mul__

    def multiply(self, factor, rounding: str = DEFAULT_MODE) -> "Money":
        """Multiply with an explicit rounding mode."""
        return self._new(self._amount * to_decimal(factor), rounding)

    def __truediv__(self, divisor):
        if isinstance(divisor, Money):
            raise TypeError("use ratio() to divide money by money")
        d = to_decimal(divisor)
        if d == 0:
            raise InvalidAmountError("division by zero")
        return self._new(self._amount / d)

    def ratio(self, other: "Money") -> Decimal:
        """The plain ratio of two amounts of the same currency."""
        other = self._check(other)
        if other._amount == 0:
            raise InvalidAmountError("division by zero")
        return self._amount / other._amount

    def percent(self, pct, rounding: str = DEFAULT_MODE) -> "Money":
        """``pct`` percent of this amount."""
        return self._new(self._amount * to_decimal(pct) / 100, rounding)

    def allocate(self, ratios) -> list["Money"]:
        """Split into parts proportional to ``ratios`` without losing a cent."""
        parts = distribute(self._amount, ratios, self._currency.minor_units)
        return [self._new(p) for p in parts]

    def split(self, n: int) -> list["Money"]:
        """Split into ``n`` near-equal parts."""
        if n < 1:
            raise InvalidAmountError("cannot split into fewer than one part")
        return self.allocate([1] * n)

    def cash_rounded(self, mode: str = DEFAULT_MODE) -> "Money":
        """Round to the currency's cash increment (e.g. CHF 0.05) if it has one."""
        inc = self._currency.cash_increment
        if inc is None:
            return self
        return self._new(round_to_increment(self._amount, inc, mode))

    # -- comparison -------------------------------------------------------
    def __eq__(self, other):
        if not isinstance(other, Money):
            return NotImplemented
        return self._currency.code == other._currency.code and self._amount == other._amount

    def __hash__(self):
        return hash((self._currency.code, self._amount))

    def __lt__(self, other):
        return self._amount < self._check(other)._amount

    def __le__(self, other):
        return self._amount <= self._check(other)._amount

    def __gt__(self, other):
        return self._amount > self._check(other)._amount

    def __ge__(self, other):
        return self._amount >= self._check(other)._amount

    def __repr__(self):
        return f"Money('{self._amount}', '{self._currency.code}')"

    def __str__(self):
        return f"{self._amount} {self._currency.code}"


def sum_money(items, currency="USD") -> Money:
    """Sum an iterable of Money; an empty iterable gives zero in ``currency``."""
    total = Money.zero(currency)
    for item in items:
        total = total + item
    return total


def max_money(a: Money, b: Money) -> Money:
    return a if a >= b else b


def min_money(a: Money, b: Money) -> Money:
    return a if a <= b else b
