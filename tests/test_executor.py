"""ToolExecutor: concurrency, barriers, order, timeouts, output caps, and errors as results."""

import threading
import time

from rftgym.tools import tool
from rftgym.tools.executor import ToolExecutor
from rftgym.types import ToolCall

events: list[str] = []
lock = threading.Lock()


@tool(parallel_safe=True, register=False)
def slow_read(ws, tag: str, seconds: float = 0.3) -> str:
    """Sleep, then echo the tag.

    Args:
        tag: text to echo
        seconds: how long to sleep
    """
    with lock:
        events.append(f"start {tag}")
    time.sleep(seconds)
    with lock:
        events.append(f"end {tag}")
    return tag


@tool(parallel_safe=False, register=False)
def write_barrier(ws, tag: str) -> str:
    """A writing tool: runs alone.

    Args:
        tag: text to echo
    """
    with lock:
        events.append(f"write {tag}")
    return tag


@tool(parallel_safe=True, register=False, timeout=0.2)
def hangs(ws) -> str:
    """Never returns in time."""
    time.sleep(2)
    return "late"


@tool(parallel_safe=True, register=False, max_output=50)
def noisy(ws) -> str:
    """Too much output."""
    return "x" * 1000


@tool(parallel_safe=True, register=False)
def crashes(ws) -> str:
    """Raises."""
    raise RuntimeError("boom")


EXEC = ToolExecutor([slow_read, write_barrier, hangs, noisy, crashes])


def call(name, cid, args="{}"):
    return ToolCall(cid, name, args)


def test_four_slow_calls_run_concurrently_in_call_order():
    calls = [call("slow_read", f"c{i}", f'{{"tag": "t{i}"}}') for i in range(4)]
    start = time.perf_counter()
    results = EXEC.run(calls, ws=None)
    elapsed = time.perf_counter() - start
    assert elapsed < 0.6, f"4 calls of 0.3 s took {elapsed:.2f} s"
    assert [r.call_id for r in results] == ["c0", "c1", "c2", "c3"]
    assert [r.content for r in results] == ["t0", "t1", "t2", "t3"]
    assert all(r.error is None and r.latency_s >= 0.29 for r in results)


def test_writing_tools_are_barriers():
    events.clear()
    calls = [call("slow_read", "a", '{"tag": "r1", "seconds": 0.1}'), call("write_barrier", "b", '{"tag": "w"}'),
             call("slow_read", "c", '{"tag": "r2", "seconds": 0.05}')]
    results = EXEC.run(calls, ws=None)
    assert [r.content for r in results] == ["r1", "w", "r2"]
    assert events.index("end r1") < events.index("write w") < events.index("start r2")


def test_errors_become_results():
    results = EXEC.run([
        call("nope", "1"), call("slow_read", "2", "{not json"), call("slow_read", "3", '{"tag": 5}'),
        call("slow_read", "4", '["a"]'), call("slow_read", "5", '{"tag": "' + "x" * 200_000 + '"}'),
        call("hangs", "6"), call("noisy", "7"), call("crashes", "8")], ws=None)
    codes = [r.error for r in results]
    assert codes == ["TOOL_NOT_FOUND", "INVALID_ARGS", "INVALID_ARGS", "INVALID_ARGS", "INVALID_ARGS", "TIMEOUT",
                     None, "EXECUTION_ERROR"]
    assert "Available tools:" in results[0].content
    assert "not valid JSON" in results[1].content
    assert "tag: expected string" in results[2].content
    assert results[6].truncated and "output truncated" in results[6].content
    assert "RuntimeError: boom" in results[7].content
