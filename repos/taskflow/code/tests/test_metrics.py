import pytest

from taskflow.core.events import EventBus
from taskflow.errors import ConfigurationError
from taskflow.observe.metrics import Counter, Gauge, Histogram, MetricsRegistry


def test_counter():
    counter = Counter()
    counter.inc()
    counter.inc(2.5)
    assert counter.value == 3.5
    with pytest.raises(ConfigurationError):
        counter.inc(-1)


def test_gauge():
    gauge = Gauge()
    gauge.set(4)
    gauge.add(-1.5)
    assert gauge.value == 2.5


def test_histogram_buckets_are_inclusive_upper_bounds():
    hist = Histogram(buckets=(1, 5))
    for value in (0.5, 1, 1.01, 5, 7):
        hist.observe(value)
    assert hist.counts == [2, 2, 1]
    assert hist.cumulative() == [(1, 2), (5, 4), ("+Inf", 5)]
    assert hist.total == 14.51
    assert hist.count == 5


def test_histogram_quantile():
    hist = Histogram(buckets=(10,))
    for value in (1, 2, 3, 4):
        hist.observe(value)
    assert hist.quantile(50) == 2.5


def test_histogram_bucket_validation_and_sorting():
    assert Histogram(buckets=(5, 1)).buckets == (1, 5)
    with pytest.raises(ConfigurationError):
        Histogram(buckets=())
    with pytest.raises(ConfigurationError):
        Histogram(buckets=(1, 1))


def test_registry_returns_same_metric_for_same_labels():
    registry = MetricsRegistry()
    a = registry.counter("runs", {"wf": "etl", "env": "prod"})
    b = registry.counter("runs", {"env": "prod", "wf": "etl"})
    assert a is b
    assert registry.counter("runs", {"wf": "other"}) is not a


def test_registry_kind_conflict():
    registry = MetricsRegistry()
    registry.counter("x")
    with pytest.raises(ConfigurationError):
        registry.gauge("x")


def test_snapshot_format():
    registry = MetricsRegistry()
    registry.counter("runs", {"wf": "etl"}).inc(2)
    registry.gauge("queue_depth").set(7)
    registry.histogram("latency").observe(0.3)
    assert registry.snapshot() == {"latency": 1, "queue_depth": 7.0, "runs{wf=etl}": 2.0}


def test_attach_counts_task_events():
    registry = MetricsRegistry()
    bus = EventBus()
    registry.attach(bus)
    bus.emit("task_started", task="a")
    bus.emit("task_started", task="b")
    bus.emit("task_retrying", task="a", delay=4.0)
    bus.emit("workflow_finished", status="ok")
    snapshot = registry.snapshot()
    assert snapshot["task_events{event=started}"] == 2
    assert snapshot["task_events{event=retrying}"] == 1
    assert snapshot["retry_delay_seconds"] == 1
    assert registry.histogram("retry_delay_seconds").total == 4.0
    assert "workflow_finished" not in " ".join(snapshot)


def test_default_buckets():
    assert Histogram().buckets == (0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0)
    assert MetricsRegistry().histogram("h").buckets == Histogram().buckets


def test_initial_values_and_zero_increment():
    counter = Counter()
    assert counter.value == 0
    counter.inc(0)
    assert counter.value == 0
    assert Gauge().value == 0


def test_kind_conflict_message():
    registry = MetricsRegistry()
    registry.gauge("depth")
    with pytest.raises(ConfigurationError) as info:
        registry.histogram("depth")
    assert str(info.value) == "metric 'depth' already registered as a gauge"


def test_attach_retry_without_delay_records_zero():
    registry = MetricsRegistry()
    bus = EventBus()
    registry.attach(bus)
    bus.emit("task_retrying", task="a")
    assert registry.histogram("retry_delay_seconds").samples == [0.0]
