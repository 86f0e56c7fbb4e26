"""ToolExecutor: concurrency, barriers, order, timeouts, output caps, and errors as results."""

import json
import threading
import time

import pytest

from rftgym.tools import tool
from rftgym.tools.executor import ToolExecutor
from rftgym.tools.shell import run_shell
from rftgym.types import InfraError, ToolCall

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


# -- timeouts that isolate: real hanging tools ------------------------------------------------------

release = threading.Event()  # set to let the hanging tools below return
release_after: list[float] = []  # when set, a hanging tool sets ``release`` this long after it starts
active_writers = [0, 0]  # [now, most at once]


def _hang() -> None:
    if release_after:  # counted from the tool's start, so a busy machine cannot make it return in time
        threading.Timer(release_after[0], release.set).start()
    release.wait(20)


def _writer_body(tag: str, hang: bool) -> str:
    with lock:
        active_writers[0] += 1
        active_writers[1] = max(active_writers[1], active_writers[0])
        events.append(f"start {tag}")
    if hang:
        _hang()
    with lock:
        events.append(f"end {tag}")
        active_writers[0] -= 1
    return tag


@tool(parallel_safe=False, register=False, timeout=0.3)
def hanging_writer(ws, tag: str) -> str:
    """A writer that does not return before ``release`` is set (its timeout is 0.3 s).

    Args:
        tag: text to echo
    """
    return _writer_body(tag, hang=True)


@tool(parallel_safe=True, register=False, timeout=0.3)
def hanging_reader(ws, tag: str) -> str:
    """A reader that does not return before ``release`` is set.

    Args:
        tag: text to echo
    """
    with lock:
        events.append(f"start {tag}")
    _hang()
    with lock:
        events.append(f"end {tag}")
    return tag


@tool(parallel_safe=False, register=False, timeout=20)
def patient_writer(ws, tag: str) -> str:
    """A writer that returns at once and may wait up to 20 s for the workspace.

    Args:
        tag: text to echo
    """
    return _writer_body(tag, hang=False)


@tool(parallel_safe=False, register=False, timeout=0.3)
def hasty_writer(ws, tag: str) -> str:
    """A writer that returns at once but gives up on a busy workspace after 0.3 s.

    Args:
        tag: text to echo
    """
    return _writer_body(tag, hang=False)


@tool(parallel_safe=True, register=False, timeout=5)
def noop(ws) -> str:
    """Returns at once."""
    return "ok"


@tool(parallel_safe=True, register=False, timeout=0.3)
def hasty_read(ws) -> str:
    """Returns at once but gives up on a busy workspace after 0.3 s."""
    with lock:
        events.append("hasty read")
    return "ok"


@pytest.fixture()
def hang_exec():
    events.clear()
    active_writers[:] = [0, 0]
    release.clear()
    release_after.clear()
    ex = ToolExecutor([hanging_writer, hanging_reader, patient_writer, hasty_writer, slow_read, noop, hasty_read])
    yield ex
    release.set()
    assert ex.settle(None, 20)
    ex.close()


def _release_later(seconds: float) -> None:
    """Let the hanging tools return ``seconds`` after the next one starts (well past its 0.3 s timeout)."""
    release_after[:] = [seconds]


def test_barrier_order_holds_after_a_timeout(hang_exec):
    ws = object()
    _release_later(1.5)
    results = hang_exec.run([call("slow_read", "a", '{"tag": "r1", "seconds": 0.05}'),
                             call("hanging_writer", "b", '{"tag": "w"}'),
                             call("slow_read", "c", '{"tag": "r2", "seconds": 0.05}')], ws)
    assert [r.error for r in results] == [None, "TIMEOUT", None]
    # the reader after the timed-out writer waited for it to stop: the writer still ran alone
    assert events.index("end r1") < events.index("start w") < events.index("end w") < events.index("start r2")


def test_a_writer_waits_for_a_timed_out_reader(hang_exec):
    ws = object()
    _release_later(1.5)
    results = hang_exec.run([call("hanging_reader", "a", '{"tag": "r"}'),
                             call("patient_writer", "b", '{"tag": "w"}')], ws)
    assert [r.error for r in results] == ["TIMEOUT", None]
    assert events.index("end r") < events.index("start w")


def test_twenty_hung_calls_do_not_starve_the_next_call(hang_exec):
    ws = object()
    hung = hang_exec.run([call("hanging_reader", f"h{i}", f'{{"tag": "h{i}"}}') for i in range(20)], ws)
    assert [r.error for r in hung] == ["TIMEOUT"] * 20
    [result] = hang_exec.run([call("noop", "n")], ws)
    assert (result.error, result.content) == (None, "ok")


def test_a_timed_out_writer_cannot_overlap_the_next_writer(hang_exec):
    ws = object()
    [first] = hang_exec.run([call("hanging_writer", "a", '{"tag": "w1"}')], ws)
    assert first.error == "TIMEOUT" and hang_exec.busy(ws)
    # the next turn: a writer that will not wait long is refused, and its body never ran
    [refused] = hang_exec.run([call("hasty_writer", "b", '{"tag": "w2"}')], ws)
    assert refused.error == "WORKSPACE_BUSY" and "hanging_writer" in refused.content
    assert "start w2" not in events
    # readers are held off too, while the writer still runs
    [reader] = hang_exec.run([call("hasty_read", "c")], ws)
    assert reader.error == "WORKSPACE_BUSY" and "hasty read" not in events
    # a writer that may wait runs once the hung one has stopped, never beside it
    threading.Timer(0.5, release.set).start()  # the hung writer stops soon
    [later] = hang_exec.run([call("patient_writer", "d", '{"tag": "w3"}')], ws)
    assert later.error is None
    assert events.index("end w1") < events.index("start w3")
    assert active_writers[1] == 1
    # another workspace was never blocked
    assert hang_exec.run([call("hasty_writer", "e", '{"tag": "w4"}')], object())[0].error is None


def test_infra_error_is_recorded_and_raised_after_the_turn():
    @tool(parallel_safe=True, register=False)
    def broken(ws) -> str:
        """The machinery behind it failed."""
        raise InfraError("tool server answered 503 three times")

    ex = ToolExecutor([broken, slow_read])
    with pytest.raises(InfraError, match="503") as info:
        ex.run([call("broken", "a"), call("slow_read", "b", '{"tag": "r", "seconds": 0}')], None)
    results = info.value.results
    assert [r.error for r in results] == ["INFRA_ERROR", None]  # the rest of the turn still ran


def test_a_shell_command_is_killed_before_the_executor_gives_up(workspace):
    ex = ToolExecutor([run_shell], timeout=2)  # the agent asks for 60 s; the executor allows 2 s
    [result] = ex.run([call("run_shell", "s", json.dumps(
        {"command": "sleep 3; touch late.txt", "timeout": 60}))], workspace)
    assert result.error is None and "the command was killed" in result.content
    assert not ex.busy(workspace)
    time.sleep(2)  # past the moment a command left running would have written
    probe = workspace.exec("test -e late.txt && echo wrote || echo stopped", timeout=10)
    assert probe.stdout.strip() == "stopped"


def test_the_env_waits_for_a_hung_writer_before_grading_and_pooling(tmp_path):
    """A writer that outlives its timeout is waited for before the grade is taken and before the
    workspace goes back to the pool; one that never ends makes the grade an infra failure."""
    import threading

    import gymnasium as gym

    import rftgym.env as env_module
    from rftgym.tools import tool

    release = threading.Event()

    @tool(parallel_safe=False, timeout=0.2, register=False)
    def hang_write() -> str:
        """Writes after a long pause."""
        release.wait(60)
        return "wrote"

    env = gym.make("rftgym/FileLocalization-v0", tools=["read_file", hang_write], max_turns=1).unwrapped
    old = env_module._SETTLE_S
    env_module._SETTLE_S = 0.5
    try:
        env.reset(seed=0)  # one turn: the episode ends (truncated) while the writer still runs
        _, _, _, truncated, info = env.step({"role": "assistant", "content": None, "tool_calls": [
            {"id": "a", "type": "function", "function": {"name": "hang_write", "arguments": "{}"}}]})
        assert truncated and info["grade"]["infra"] and "still running" in info["grade"]["error"]
        assert info["infra_error"]
        stale = env.workspace
        env.reset(seed=1)  # still held: the stale workspace is closed, not pooled
        assert env.workspace is not stale
    finally:
        env_module._SETTLE_S = old
        release.set()
        env.close()


def test_executors_share_their_threads_and_a_forked_child_gets_its_own():
    """Every executor of the process runs calls on one pool of threads (a run of a thousand envs
    does not start a thousand sets); a forked child, which has none of the parent's threads, still
    runs its calls (they are not queued for an idle worker that exists only in the parent)."""
    import os

    other = ToolExecutor([slow_read])
    assert other._workers is EXEC._workers
    assert [r.content for r in EXEC.run([call("slow_read", "p", '{"tag": "p", "seconds": 0.01}')], ws=None)] == ["p"]
    pid = os.fork()
    if pid == 0:  # the child: exit 0 only if two concurrent calls come back
        try:
            results = other.run([call("slow_read", f"k{i}", f'{{"tag": "k{i}", "seconds": 0.01}}') for i in range(2)],
                                ws=None)
            os._exit(0 if [r.content for r in results] == ["k0", "k1"] else 1)
        except BaseException:
            os._exit(2)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("the forked child's tool calls never came back")
    assert os.waitstatus_to_exitcode(status) == 0
