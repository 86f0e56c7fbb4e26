"""Retry policies: how many attempts, and how long to wait between them."""

from taskflow.errors import ConfigurationError
from taskflow.execution.jitter import NoJitter, make_jitter
from taskflow.schedule.durations import parse_duration


class RetryPolicy:
    """Base policy.  ``attempt`` arguments count attempts made so far (1-based)."""

    def __init__(self, max_attempts=3, retry_on=(Exception,), give_up_on=(), jitter=None):
        if max_attempts < 1:
            raise ConfigurationError("max_attempts must be at least 1")
        self.max_attempts = max_attempts
        self.retry_on = tuple(retry_on)
        self.give_up_on = tuple(give_up_on)
        self.jitter = jitter or NoJitter()

    def should_retry(self, attempt, error):
        if attempt >= self.max_attempts:
            return False
        if self.give_up_on and isinstance(error, self.give_up_on):
            return False
        return isinstance(error, self.retry_on)

    def base_delay(self, attempt):
        return 0.0

    def delay(self, attempt):
        """Seconds to wait after the ``attempt``-th failed attempt."""
        if attempt < 1:
            raise ConfigurationError("attempt numbers start at 1")
        return max(0.0, self.jitter.apply(self.base_delay(attempt)))

    def delays(self):
        """The full (jittered) delay schedule between all attempts."""
        return [self.delay(attempt) for attempt in range(1, self.max_attempts)]


class NoRetry(RetryPolicy):
    def __init__(self):
        super().__init__(max_attempts=1)


class FixedDelay(RetryPolicy):
    def __init__(self, delay, max_attempts=3, **kwargs):
        super().__init__(max_attempts=max_attempts, **kwargs)
        self.fixed = parse_duration(delay)

    def base_delay(self, attempt):
        return self.fixed


class LinearBackoff(RetryPolicy):
    def __init__(self, initial, increment, max_delay=None, max_attempts=3, **kwargs):
        super().__init__(max_attempts=max_attempts, **kwargs)
        self.initial = parse_duration(initial)
        self.increment = parse_duration(increment)
        self.max_delay = None if max_delay is None else parse_duration(max_delay)

    def base_delay(self, attempt):
        value = self.initial + self.increment * (attempt - 1)
        if self.max_delay is not None:
            value = min(value, self.max_delay)
        return value


class ExponentialBackoff(RetryPolicy):
    """``base * factor ** (attempt - 1)``, capped at ``max_delay``."""

    def __init__(self, base=1.0, factor=2.0, max_delay=300.0, max_attempts=5, **kwargs):
        super().__init__(max_attempts=max_attempts, **kwargs)
        if factor < 1:
            raise ConfigurationError("backoff factor must be >= 1")
        self.base = parse_duration(base)
        self.factor = factor
        self.max_delay = parse_duration(max_delay)

    def base_delay(self, attempt):
        return min(self.max_delay, self.base * self.factor ** (attempt - 1))


def policy_from_config(config):
    """Build a policy from a mapping such as ``{"kind": "exponential", ...}``."""
    if config is None:
        return NoRetry()
    options = dict(config)
    kind = options.pop("kind", "fixed")
    jitter = options.pop("jitter", None)
    seed = options.pop("seed", 0)
    if jitter is not None:
        options["jitter"] = make_jitter(jitter, seed=seed)
    if "retries" in options:
        options["max_attempts"] = options.pop("retries") + 1
    if kind == "none":
        return NoRetry()
    if kind == "fixed":
        return FixedDelay(options.pop("delay", 0.0), **options)
    if kind == "linear":
        return LinearBackoff(options.pop("initial", 1.0), options.pop("increment", 1.0), **options)
    if kind == "exponential":
        return ExponentialBackoff(**options)
    raise ConfigurationError(f"unknown retry policy kind: {kind!r}")
