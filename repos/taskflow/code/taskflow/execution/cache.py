"""An LRU result cache with optional time-to-live."""

from collections import OrderedDict

from taskflow.errors import ConfigurationError
from taskflow.execution.hashing import fingerprint


class _Missing:
    def __repr__(self):
        return "MISS"

    def __bool__(self):
        return False


MISS = _Missing()


class CacheStats:
    def __init__(self):
        self.hits = 0
        self.misses = 0
        self.evictions = 0
        self.expirations = 0

    @property
    def hit_rate(self):
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


class ResultCache:
    """Stores task results; entries older than ``ttl`` seconds are stale."""

    def __init__(self, clock, max_entries=128, ttl=None):
        if max_entries < 1:
            raise ConfigurationError("cache must hold at least one entry")
        if ttl is not None and ttl <= 0:
            raise ConfigurationError("ttl must be positive")
        self.clock = clock
        self.max_entries = max_entries
        self.ttl = ttl
        self.stats = CacheStats()
        self._entries = OrderedDict()

    def __len__(self):
        return len(self._entries)

    def _fresh(self, stored_at):
        return self.ttl is None or self.clock.now() - stored_at < self.ttl

    def get(self, key, default=MISS):
        entry = self._entries.get(key)
        if entry is None:
            self.stats.misses += 1
            return default
        value, stored_at = entry
        if not self._fresh(stored_at):
            del self._entries[key]
            self.stats.expirations += 1
            self.stats.misses += 1
            return default
        self._entries.move_to_end(key)
        self.stats.hits += 1
        return value

    def put(self, key, value):
        if key in self._entries:
            self._entries.move_to_end(key)
        self._entries[key] = (value, self.clock.now())
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
            self.stats.evictions += 1

    def invalidate(self, key):
        return self._entries.pop(key, None) is not None

    def clear(self):
        self._entries.clear()

    def purge_expired(self):
        stale = [key for key, (_, stored) in self._entries.items() if not self._fresh(stored)]
        for key in stale:
            del self._entries[key]
        self.stats.expirations += len(stale)
        return len(stale)

    def keys(self):
        return list(self._entries)

    def call(self, task, fn, *args, **kwargs):
        """Return the cached result of ``fn(*args, **kwargs)``, computing on miss."""
        key = fingerprint(task, args, kwargs)
        value = self.get(key)
        if value is MISS:
            value = fn(*args, **kwargs)
            self.put(key, value)
        return value
