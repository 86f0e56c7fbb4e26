"""Token bucket rate limiter driven by an injected clock."""

from taskflow.errors import ConfigurationError, RateLimitExceeded


class TokenBucket:
    """Holds up to ``capacity`` tokens, refilled at ``rate`` tokens per second."""

    def __init__(self, capacity, rate, clock, initial=None):
        if capacity <= 0:
            raise ConfigurationError("bucket capacity must be positive")
        if rate <= 0:
            raise ConfigurationError("refill rate must be positive")
        self.capacity = float(capacity)
        self.rate = float(rate)
        self.clock = clock
        self._tokens = self.capacity if initial is None else float(min(initial, capacity))
        self._updated = clock.now()

    def _refill(self):
        now = self.clock.now()
        elapsed = now - self._updated
        if elapsed > 0:
            self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
        self._updated = now

    @property
    def tokens(self):
        self._refill()
        return self._tokens

    def _validate(self, amount):
        if amount <= 0:
            raise ConfigurationError("must request a positive number of tokens")
        if amount > self.capacity:
            raise ConfigurationError(
                f"request for {amount} tokens exceeds bucket capacity {self.capacity:g}"
            )

    def try_acquire(self, amount=1):
        self._validate(amount)
        self._refill()
        if self._tokens >= amount:
            self._tokens -= amount
            return True
        return False

    def wait_time(self, amount=1):
        """Seconds until ``amount`` tokens will be available."""
        self._validate(amount)
        self._refill()
        missing = amount - self._tokens
        return 0.0 if missing <= 0 else missing / self.rate

    def acquire(self, amount=1):
        """Take tokens or raise RateLimitExceeded carrying the wait time."""
        if not self.try_acquire(amount):
            raise RateLimitExceeded(self.wait_time(amount))

    def acquire_blocking(self, amount=1):
        """Sleep on the clock until tokens are available, then take them."""
        wait = self.wait_time(amount)
        if wait > 0:
            self.clock.sleep(wait)
        self._refill()
        self._tokens = max(0.0, self._tokens - amount)
        return wait
