"""CPU-bound read calls of one turn run in worker processes (rftgym/tools/procpool.py, issue 13 part 1).

With real workspaces and real worker processes: a pooled turn gives exactly the in-process results
(edits, errors and ordering included), links leading outside the workspace are refused in the
worker too, a worker stuck past the call's timeout is killed and replaced, a barrier still
separates the reads before and after it, and workspaces a worker cannot serve stay in-process.
"""

import json
import os
import time

import pytest

from rftgym.sandbox.local import LocalSandbox
from rftgym.tools import READ_TOOLS, get_tool, procpool
from rftgym.tools.executor import ToolExecutor
from rftgym.types import ToolCall
from tests.conftest import git

FILES = {
    "pkg/__init__.py": "from pkg.core import Parser\n",
    "pkg/core.py": "class Parser:\n    def parse(self, text):\n        return tokenize_input(text)\n\n\n"
                   "def tokenize_input(text):\n    return text.split()\n",
    "pkg/render.py": "HTML_ESCAPE = True\n\ndef render_html(tree):\n    return '<p>' + str(tree)\n",
    "docs/guide.md": "Parser guide: parse text, render html, escape entities.\n",
    "big.txt": "x" * 5000 + "\n",
}
CALLS = [("search_code", {"query": "parse text"}), ("grep", {"pattern": r"def \w+\("}),
         ("find_symbol", {"name": "Parser.parse"}), ("search_code", {"query": "render html escape"}),
         ("grep", {"pattern": "[unclosed"}), ("find_symbol", {"name": "NoSuchThing"}),
         ("grep", {"pattern": "parse", "path": "missing_dir"}), ("find_symbol", {"name": "HtmlParser"}),
         ("grep", {"pattern": "SECRET_OUTSIDE"}), ("search_code", {"query": "secret outside"})]


@pytest.fixture(autouse=True)
def fresh_pool(monkeypatch):
    """Each test starts and ends without workers, so it sees the workers it caused; the pool serves
    this small repository (by default only snapshots of 300 files or more)."""
    monkeypatch.setenv("RFTGYM_READ_POOL_MIN_FILES", "0")
    procpool.close_shared_pool()
    yield
    procpool.close_shared_pool()


@pytest.fixture()
def ws(tmp_path):
    root = tmp_path / "repo"
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    with LocalSandbox() as sb:
        yield sb.open(str(root), git(root, "rev-parse", "HEAD").strip())


def _calls(spec):
    return [ToolCall(f"call_{i}", name, json.dumps(args)) for i, (name, args) in enumerate(spec)]


def _turn(ws, spec, monkeypatch, processes: int, timeout=None):
    """One turn of ``spec``'s calls through a new executor; (call id, content, error) per call, once
    no call lingers (a call the executor gave up on a moment before its worker was stopped)."""
    monkeypatch.setenv("RFTGYM_READ_PROCESSES", str(processes))
    ex = ToolExecutor([get_tool(n) for n in READ_TOOLS], timeout=timeout)
    out = [(r.call_id, r.content, r.error) for r in ex.run(_calls(spec), ws)]
    assert ex.settle(ws, 30)
    return out


def _warm(ws, monkeypatch, processes: int = 2) -> None:
    """Have every worker of the shared pool load ``ws``'s snapshot, so the next turn runs there."""
    monkeypatch.setenv("RFTGYM_READ_PROCESSES", str(processes))
    pool = procpool.shared_pool()
    assert pool.warm(ws) == processes and pool.ready(ws)


def _workers_started(monkeypatch):
    """Record the pid of every worker process the pool starts."""
    pids = []
    real = procpool._Worker.__init__

    def recording(self):
        real(self)
        pids.append(self.proc.pid)

    monkeypatch.setattr(procpool._Worker, "__init__", recording)
    return pids


def test_pooled_turn_gives_the_in_process_results(ws, tmp_path, monkeypatch):
    outside = tmp_path / "outside.txt"
    outside.write_text("SECRET_OUTSIDE secret outside\n")
    edit = ws.exec(f"printf 'class HtmlParser:\\n    def parse(self):\\n        pass\\n' > pkg/html.py && "
                   f"rm docs/guide.md && echo 'def render_html(x): return x' > pkg/render.py && "
                   f"ln -s {outside} leak.txt && ln -s {tmp_path} leakdir", timeout=30)
    assert edit.ok, edit.combined()
    pids = _workers_started(monkeypatch)
    _warm(ws, monkeypatch)
    pooled = _turn(ws, CALLS, monkeypatch, processes=2)
    assert len(pids) == 2  # the turn really ran in worker processes
    in_process = _turn(ws, CALLS, monkeypatch, processes=0)
    assert pooled == in_process
    by_id = {i: (c, e) for i, c, e in pooled}
    assert "pkg/html.py:1: class HtmlParser" in by_id["call_7"][0]
    assert by_id["call_4"][1] == "INVALID_ARGS" and by_id["call_6"][1] == "NOT_FOUND"
    # The links made in the episode lead outside: neither worker nor thread reads through them.
    assert by_id["call_8"][0].startswith("no matches") and "leak" not in by_id["call_9"][0]
    assert "SECRET_OUTSIDE secret" not in json.dumps(pooled)


def test_a_hung_worker_is_killed_and_replaced(ws, monkeypatch):
    ws.exec("printf 'x%.0s' $(seq 1 3000) > slow.txt", timeout=30)
    pids = _workers_started(monkeypatch)
    _warm(ws, monkeypatch)  # started beforehand: the timeout is the grep's alone
    spec = [("grep", {"pattern": r"(x+x+)+y"}), ("search_code", {"query": "parse text"})]
    results = _turn(ws, spec, monkeypatch, processes=2, timeout=2)
    assert results[0][2] == "TIMEOUT" and results[1][2] is None
    assert "parse" in results[1][1]
    alive = [p for p in pids if _alive(p)]
    assert len(pids) == 2 and len(alive) == 1  # the stuck one is gone, the other one serves again
    _warm(ws, monkeypatch)
    assert len(pids) == 3  # a fresh worker replaced the killed one
    again = _turn(ws, [("find_symbol", {"name": "Parser"}), ("grep", {"pattern": "HTML_ESCAPE"})], monkeypatch, 2)
    assert [e for _, _, e in again] == [None, None] and "pkg/render.py:1:" in again[1][1]
    assert len(pids) == 3


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie is dead too
        return f.read().split(")")[-1].split()[0] != "Z"


def test_first_turn_on_a_snapshot_runs_in_process_while_the_workers_load_it(ws, monkeypatch):
    pids = _workers_started(monkeypatch)
    spec = [("grep", {"pattern": "parse"}), ("find_symbol", {"name": "Parser"})]
    first = _turn(ws, spec, monkeypatch, processes=2)
    pool = procpool.shared_pool()
    deadline = time.monotonic() + 60
    while not pool.ready(ws) and time.monotonic() < deadline:  # the background load started by turn 1
        time.sleep(0.05)
    assert pool.ready(ws) and len(pids) == 2
    served = []
    real = procpool.ReadPool.run
    monkeypatch.setattr(procpool.ReadPool, "run", lambda self, name, *a: served.append(name) or real(self, name, *a))
    assert _turn(ws, spec, monkeypatch, processes=2) == first
    assert sorted(served) == ["find_symbol", "grep"] and len(pids) == 2  # the loaded workers served turn 2


def test_with_the_pool_off_cpu_bound_reads_run_one_at_a_time(ws, monkeypatch):
    """On threads they would share the GIL and slow each other down: they take turns instead, and a
    call of another tool still runs beside them."""
    spans = []
    tools = {n: get_tool(n) for n in ("grep", "search_code", "find_symbol", "list_dir")}
    for name, t in tools.items():
        real = t.run

        def timed_run(ws_, args, _real=real, _name=name):
            start = time.perf_counter()
            try:
                return _real(ws_, args)
            finally:
                spans.append((_name, start, time.perf_counter()))

        monkeypatch.setattr(t, "run", timed_run)
    pids = _workers_started(monkeypatch)
    spec = CALLS[:4] + [("list_dir", {"path": "."})]
    assert _turn(ws, spec, monkeypatch, processes=0) == _turn(ws, spec, monkeypatch, processes=0)
    reads = sorted((a, b) for name, a, b in spans if name != "list_dir")
    assert len(reads) == 8 and all(b1 <= a2 for (_, b1), (a2, _) in zip(reads, reads[1:]))
    assert pids == []


def test_barrier_still_orders_pooled_reads(ws, monkeypatch):
    _warm(ws, monkeypatch)
    ex = ToolExecutor([get_tool(n) for n in READ_TOOLS + ["write_file"]])
    calls = [ToolCall("a", "grep", json.dumps({"pattern": "BARRIER_MARK"})),
             ToolCall("b", "search_code", json.dumps({"query": "barrier mark"})),
             ToolCall("w", "write_file", json.dumps({"path": "pkg/mark.py", "content": "BARRIER_MARK = 1\n"})),
             ToolCall("c", "grep", json.dumps({"pattern": "BARRIER_MARK"})),
             ToolCall("d", "find_symbol", json.dumps({"name": "BARRIER_MARK"}))]
    out = {r.call_id: r.content for r in ex.run(calls, ws)}
    assert out["a"].startswith("no matches") and "pkg/mark.py" not in out["b"]
    assert out["c"] == "pkg/mark.py:1:BARRIER_MARK = 1" and out["d"].startswith("pkg/mark.py:1: BARRIER_MARK")


def test_single_calls_and_other_workspaces_stay_in_process(ws, monkeypatch):
    pids = _workers_started(monkeypatch)
    _turn(ws, [("grep", {"pattern": "parse"})], monkeypatch, processes=2)
    _turn(ws, [("grep", {"pattern": "parse"}), ("read_file", {"path": "pkg/core.py"})], monkeypatch, processes=2)
    assert pids == []

    class NotLocal:  # e.g. a remote or container workspace: the worker cannot see its tree
        snapshot = ws.snapshot
        root = ws.root

    assert not procpool.eligible(NotLocal()) and procpool.eligible(ws)
    monkeypatch.setenv("RFTGYM_READ_POOL_MIN_FILES", "300")  # the default: this repo is too small to pay
    assert not procpool.eligible(ws)
