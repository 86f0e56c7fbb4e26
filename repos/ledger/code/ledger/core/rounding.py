"""Rounding modes and exact proportional distribution of amounts."""

from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
)

MODES = {
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "half_down": ROUND_HALF_DOWN,
    "up": ROUND_UP,
    "down": ROUND_DOWN,
    "ceiling": ROUND_CEILING,
    "floor": ROUND_FLOOR,
}

DEFAULT_MODE = "half_up"


def resolve_mode(mode: str) -> str:
    """Translate a mode name such as 'half-even' or 'HALF_UP' to a decimal constant."""
    key = mode.strip().lower().replace("-", "_").replace(" ", "_")
    if key == "bankers":
        key = "half_even"
    try:
        return MODES[key]
    except KeyError:
        raise ValueError(f"unknown rounding mode {mode!r}") from None


def round_to(value: Decimal, places: int, mode: str = DEFAULT_MODE) -> Decimal:
    """Round ``value`` to ``places`` decimal places."""
    quantum = Decimal(1).scaleb(-places)
    return Decimal(value).quantize(quantum, rounding=resolve_mode(mode))


def round_to_increment(value: Decimal, increment: Decimal, mode: str = DEFAULT_MODE) -> Decimal:
    """Round to a multiple of ``increment`` (e.g. 0.05 for Swiss cash rounding)."""
    increment = Decimal(increment)
    if increment <= 0:
        raise ValueError("increment must be positive")
    steps = (Decimal(value) / increment).quantize(Decimal(1), rounding=resolve_mode(mode))
    return (steps * increment).quantize(increment)


def distribute(total: Decimal, weights, places: int) -> list[Decimal]:
    """Split ``total`` into parts proportional to ``weights``.

    Uses the largest-remainder method on minor units so that the parts always
    add up to exactly ``total``.  Ties go to the earliest weight.
    """
    weights = [Decimal(w) for w in weights]
    if not weights:
        raise ValueError("at least one weight is required")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise ValueError("weights must not all be zero")
    unit = Decimal(1).scaleb(-places)
    total_units = int((Decimal(total) / unit).to_integral_value(rounding=ROUND_HALF_UP))
    sign = -1 if total_units < 0 else 1
    units = abs(total_units)
    raw = [units * w / weight_sum for w in weights]
    floors = [int(r.to_integral_value(rounding=ROUND_FLOOR)) for r in raw]
    remainder = units - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(raw[i] - floors[i]), i))
    for i in order[:remainder]:
        floors[i] += 1
    return [(Decimal(sign * f) * unit).quantize(unit) for f in floors]


def split_evenly(total: Decimal, parts: int, places: int) -> list[Decimal]:
    """Split ``total`` into ``parts`` near-equal shares that sum exactly to it."""
    if parts < 1:
        raise ValueError("parts must be at least 1")
    return distribute(total, [1] * parts, places)
