import pytest

from taskflow.core.events import EventBus
from taskflow.errors import ConfigurationError


def test_emit_calls_handler_with_payload():
    bus = EventBus()
    seen = []
    bus.subscribe("done", lambda **kw: seen.append(kw))
    assert bus.emit("done", task="a") == 1
    assert seen == [{"task": "a"}]


def test_emit_unknown_event_calls_nothing():
    assert EventBus().emit("nothing") == 0


def test_priority_order_then_subscription_order():
    bus = EventBus()
    order = []
    bus.subscribe("e", lambda: order.append("low"), priority=-1)
    bus.subscribe("e", lambda: order.append("first"))
    bus.subscribe("e", lambda: order.append("high"), priority=5)
    bus.subscribe("e", lambda: order.append("second"))
    bus.emit("e")
    assert order == ["high", "first", "second", "low"]


def test_wildcard_receives_event_name():
    bus = EventBus()
    seen = []
    bus.subscribe("*", lambda event, **kw: seen.append((event, kw)))
    bus.emit("task_started", task="x")
    assert seen == [("task_started", {"task": "x"})]


def test_once_handler_removed_after_first_emit():
    bus = EventBus()
    calls = []
    bus.once("e", lambda: calls.append(1))
    bus.emit("e")
    bus.emit("e")
    assert calls == [1]
    assert bus.subscriber_count("e") == 0


def test_unsubscribe():
    bus = EventBus()
    token = bus.subscribe("e", lambda: None)
    assert bus.unsubscribe(token) is True
    assert bus.unsubscribe(token) is False
    assert bus.emit("e") == 0


def test_errors_propagate_by_default():
    bus = EventBus()
    bus.subscribe("e", lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        bus.emit("e")


def test_swallowed_errors_are_recorded_and_later_handlers_run():
    bus = EventBus(swallow_errors=True)
    calls = []
    bus.subscribe("e", lambda: 1 / 0, priority=1)
    bus.subscribe("e", lambda: calls.append("ran"))
    assert bus.emit("e") == 2
    assert calls == ["ran"]
    assert bus.errors[0][0] == "e"
    assert isinstance(bus.errors[0][1], ZeroDivisionError)


def test_subscribe_validation():
    bus = EventBus()
    with pytest.raises(ConfigurationError):
        bus.subscribe("e", "not callable")
    with pytest.raises(ConfigurationError):
        bus.subscribe("", lambda: None)


def test_subscriber_count_total():
    bus = EventBus()
    bus.subscribe("a", lambda: None)
    bus.subscribe("b", lambda: None)
    bus.subscribe("a", lambda: None)
    assert bus.subscriber_count() == 3
    assert bus.subscriber_count("a") == 2


def test_tokens_start_at_one():
    bus = EventBus()
    assert bus.subscribe("e", lambda: None) == 1
    assert bus.once("e", lambda: None) == 2


def test_default_priority_is_zero():
    bus = EventBus()
    order = []
    bus.subscribe("e", lambda: order.append("minus"), priority=-1)
    bus.subscribe("e", lambda: order.append("default"))
    bus.once("e", lambda: order.append("once-default"))
    bus.subscribe("e", lambda: order.append("plus"), priority=1)
    bus.emit("e")
    assert order == ["plus", "default", "once-default", "minus"]
