import pytest

from taskflow.core.clock import SimulatedClock
from taskflow.core.events import EventBus
from taskflow.observe.logfmt import LogCollector, format_record, format_timestamp, parse_line, quote


def test_quote_plain_and_special():
    assert quote("simple") == "simple"
    assert quote("two words") == '"two words"'
    assert quote('say "hi"') == '"say \\"hi\\""'
    assert quote("a=b") == '"a=b"'
    assert quote("") == '""'
    assert quote("line\nbreak") == '"line\\nbreak"'


def test_quote_types():
    assert quote(None) == ""
    assert quote(True) == "true"
    assert quote(False) == "false"
    assert quote(3) == "3"
    assert quote(0.1 + 0.2) == "0.3"


def test_format_timestamp():
    assert format_timestamp(1.5) == "1970-01-01T00:00:01.500Z"


def test_format_record_orders_fields():
    line = format_record("INFO", "task started", {"task": "load", "attempt": 2}, timestamp=0)
    assert line == 'ts=1970-01-01T00:00:00.000Z level=info msg="task started" attempt=2 task=load'


def test_format_record_without_timestamp_and_bad_level():
    assert format_record("error", "x") == "level=error msg=x"
    with pytest.raises(ValueError):
        format_record("fatal", "x")


def test_parse_line_round_trip():
    line = format_record("warning", 'disk "full"', {"path": "/var/a b", "n": 3})
    assert parse_line(line) == {"level": "warning", "msg": 'disk "full"', "n": "3",
                                "path": "/var/a b"}


def test_parse_line_bare_key_and_empty_value():
    assert parse_line("flag a= b=1") == {"flag": True, "a": "", "b": "1"}


def test_parse_line_escaped_newline():
    assert parse_line(r'msg="a\nb"') == {"msg": "a\nb"}


def test_collector_levels_and_filtering():
    clock = SimulatedClock(0)
    collector = LogCollector(clock, min_level="warning")
    bus = EventBus()
    bus.subscribe("*", collector)
    bus.emit("task_started", task="a")
    bus.emit("task_retrying", task="a", delay=2)
    bus.emit("task_failed", task="a", error=ValueError("x"))
    assert len(collector.lines) == 2
    assert parse_line(collector.lines[0])["level"] == "warning"
    failed = parse_line(collector.lines[1])
    assert failed["level"] == "error"
    assert failed["error"] == "ValueError('x')"


def test_collector_info_default():
    collector = LogCollector(SimulatedClock(0))
    collector.log("debug", "hidden")
    collector.log("info", "shown", k="v")
    assert collector.lines == ["ts=1970-01-01T00:00:00.000Z level=info msg=shown k=v"]


def test_parse_line_edges():
    assert parse_line("") == {}
    assert parse_line("   ") == {}
    assert parse_line("a=1   ") == {"a": "1"}
    assert parse_line("  a=1 b") == {"a": "1", "b": True}
    assert parse_line('a="x y"') == {"a": "x y"}
    assert parse_line('a="x" b=2') == {"a": "x", "b": "2"}
    assert parse_line("a=") == {"a": ""}


def test_parse_line_escapes_and_trailing_backslash():
    assert parse_line(r'a="q\"x" b=1') == {"a": 'q"x', "b": "1"}
    assert parse_line('a="end\\') == {"a": "end\\"}
    assert parse_line(r'a="\\"') == {"a": "\\"}


def test_collector_keeps_other_fields_and_info_level():
    collector = LogCollector(SimulatedClock(0))
    collector("task_failed", task="load", error=KeyError("k"))
    collector("task_started", task="load", attempt=1)
    failed = parse_line(collector.lines[0])
    assert failed["task"] == "load"
    started = parse_line(collector.lines[1])
    assert started == {"ts": "1970-01-01T00:00:00.000Z", "level": "info", "msg": "task_started",
                       "attempt": "1", "task": "load"}
