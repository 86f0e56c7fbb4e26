"""Counters, gauges and bucketed histograms with label support."""

import bisect

from taskflow.errors import ConfigurationError
from taskflow.observe.percentiles import percentile

DEFAULT_BUCKETS = (0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0)


def _label_key(labels):
    return tuple(sorted((labels or {}).items()))


class Counter:
    def __init__(self):
        self.value = 0.0

    def inc(self, amount=1.0):
        if amount < 0:
            raise ConfigurationError("counters can only increase")
        self.value += amount


class Gauge:
    def __init__(self):
        self.value = 0.0

    def set(self, value):
        self.value = float(value)

    def add(self, amount):
        self.value += amount


class Histogram:
    """Cumulative ``le`` buckets plus the raw samples for percentiles."""

    def __init__(self, buckets=DEFAULT_BUCKETS):
        ordered = sorted(buckets)
        if not ordered or len(set(ordered)) != len(ordered):
            raise ConfigurationError("histogram buckets must be distinct and non-empty")
        self.buckets = tuple(ordered)
        self.counts = [0] * (len(self.buckets) + 1)
        self.samples = []
        self.total = 0.0

    def observe(self, value):
        index = bisect.bisect_left(self.buckets, value)
        self.counts[index] += 1
        self.samples.append(value)
        self.total += value

    @property
    def count(self):
        return len(self.samples)

    def cumulative(self):
        """``[(le, count), ...]`` ending with ``("+Inf", total count)``."""
        result = []
        running = 0
        for bound, count in zip(self.buckets, self.counts):
            running += count
            result.append((bound, running))
        result.append(("+Inf", running + self.counts[-1]))
        return result

    def quantile(self, p):
        return percentile(self.samples, p)


class MetricsRegistry:
    def __init__(self):
        self._metrics = {}

    def _get(self, kind, name, labels, factory):
        key = (name, _label_key(labels))
        existing = self._metrics.get(key)
        if existing is None:
            existing = (kind, factory())
            self._metrics[key] = existing
        elif existing[0] != kind:
            raise ConfigurationError(f"metric {name!r} already registered as a {existing[0]}")
        return existing[1]

    def counter(self, name, labels=None):
        return self._get("counter", name, labels, Counter)

    def gauge(self, name, labels=None):
        return self._get("gauge", name, labels, Gauge)

    def histogram(self, name, labels=None, buckets=DEFAULT_BUCKETS):
        return self._get("histogram", name, labels, lambda: Histogram(buckets))

    def snapshot(self):
        """Plain dict: ``{"name{k=v}": value-or-count}`` sorted by key."""
        result = {}
        for (name, labels), (kind, metric) in self._metrics.items():
            label_text = ",".join(f"{k}={v}" for k, v in labels)
            key = f"{name}{{{label_text}}}" if label_text else name
            result[key] = metric.count if kind == "histogram" else metric.value
        return dict(sorted(result.items()))

    def attach(self, bus):
        """Record runner events from an EventBus into standard metrics."""
        def on_event(event, **payload):
            if event.startswith("task_"):
                self.counter("task_events", {"event": event[5:]}).inc()
            if event == "task_retrying":
                self.histogram("retry_delay_seconds").observe(payload.get("delay", 0.0))

        return bus.subscribe("*", on_event)
