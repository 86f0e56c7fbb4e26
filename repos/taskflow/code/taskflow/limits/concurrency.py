"""Per-key concurrency limits (e.g. at most 2 running jobs per queue)."""

from taskflow.errors import ConfigurationError


class ConcurrencyLimiter:
    def __init__(self, default_limit=1, limits=None):
        if default_limit < 1:
            raise ConfigurationError("concurrency limit must be at least 1")
        self.default_limit = default_limit
        self.limits = dict(limits or {})
        for key, value in self.limits.items():
            if value < 1:
                raise ConfigurationError(f"concurrency limit for {key!r} must be at least 1")
        self._in_use = {}
        self.rejected = 0

    def limit_for(self, key):
        return self.limits.get(key, self.default_limit)

    def in_use(self, key):
        return self._in_use.get(key, 0)

    def available(self, key):
        return self.limit_for(key) - self.in_use(key)

    def try_acquire(self, key):
        if self.in_use(key) >= self.limit_for(key):
            self.rejected += 1
            return False
        self._in_use[key] = self.in_use(key) + 1
        return True

    def release(self, key):
        current = self.in_use(key)
        if current == 0:
            raise ConfigurationError(f"release of {key!r} without matching acquire")
        if current == 1:
            del self._in_use[key]
        else:
            self._in_use[key] = current - 1

    def set_limit(self, key, limit):
        if limit < 1:
            raise ConfigurationError("concurrency limit must be at least 1")
        self.limits[key] = limit

    def busy_keys(self):
        return sorted(self._in_use)
