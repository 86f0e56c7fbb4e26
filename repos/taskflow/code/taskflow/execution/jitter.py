"""Randomised jitter strategies for retry delays (always seeded)."""

import random

from taskflow.errors import ConfigurationError


class NoJitter:
    def apply(self, delay):
        return delay


class FullJitter:
    """Uniform in ``[0, delay]``."""

    def __init__(self, seed=0):
        self._rng = random.Random(seed)

    def apply(self, delay):
        return self._rng.uniform(0.0, delay)


class EqualJitter:
    """Half the delay plus a uniform share of the other half."""

    def __init__(self, seed=0):
        self._rng = random.Random(seed)

    def apply(self, delay):
        half = delay / 2.0
        return half + self._rng.uniform(0.0, half)


class ProportionalJitter:
    """Delay scaled by a uniform factor in ``[1 - fraction, 1 + fraction]``."""

    def __init__(self, fraction=0.1, seed=0):
        if not 0.0 <= fraction <= 1.0:
            raise ConfigurationError("jitter fraction must be within [0, 1]")
        self.fraction = fraction
        self._rng = random.Random(seed)

    def apply(self, delay):
        return delay * (1.0 + self._rng.uniform(-self.fraction, self.fraction))


class DecorrelatedJitter:
    """AWS style decorrelated jitter: ``min(cap, uniform(base, prev * 3))``."""

    def __init__(self, base, cap, seed=0):
        if base <= 0 or cap < base:
            raise ConfigurationError("decorrelated jitter needs 0 < base <= cap")
        self.base = base
        self.cap = cap
        self._previous = base
        self._rng = random.Random(seed)

    def apply(self, delay):
        self._previous = min(self.cap, self._rng.uniform(self.base, self._previous * 3))
        return self._previous

    def reset(self):
        self._previous = self.base


def make_jitter(name, seed=0, **options):
    """Build a jitter strategy from its configuration name."""
    key = (name or "none").lower()
    if key == "none":
        return NoJitter()
    if key == "full":
        return FullJitter(seed)
    if key == "equal":
        return EqualJitter(seed)
    if key == "proportional":
        return ProportionalJitter(options.get("fraction", 0.1), seed)
    if key == "decorrelated":
        return DecorrelatedJitter(options.get("base", 1.0), options.get("cap", 60.0), seed)
    raise ConfigurationError(f"unknown jitter strategy: {name!r}")
