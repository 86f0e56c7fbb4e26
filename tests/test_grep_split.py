"""A grep split over read workers is the same grep (issue 13): ``search.grep_part`` slices merged by
``search.grep_merge`` give exactly the plain ``grep`` text (order, line numbers, ``max_results`` cut,
the "more matches" line, errors), in this process and through real worker processes; and a busy
pool serves its waiting requests longest-expected first.
"""

import json
import threading
import time

import pytest

from rftgym.sandbox.local import LocalSandbox
from rftgym.tools import ToolError, get_tool, procpool
from rftgym.tools.search import grep_merge, grep_part
from tests.conftest import git


def _files() -> dict[str, str]:
    """40 files of uneven sizes, matches spread over them (several per line, at ends, none in some)."""
    out = {}
    for i in range(40):
        body = "".join(f"def handler_{i}_{k}(event):  # handler handler\n    return Event(event)\n"
                       for k in range(1 + (i * 7) % 13))
        out[f"pkg/mod_{i:02d}.py"] = body + ("HANDLER_END" if i % 5 == 0 else "\n")
    out["docs/notes.md"] = "handler notes\n" * 30
    out["pkg/sub/deep.py"] = "x = 1\n"
    return out


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    root = tmp_path_factory.mktemp("grepsplit") / "repo"
    for rel, text in _files().items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    with LocalSandbox() as sb:
        yield sb.open(str(root), git(root, "rev-parse", "HEAD").strip())


ARGS = [
    {"pattern": r"def handler_\d+"},
    {"pattern": "handler"},  # several matches per line count once
    {"pattern": "handler", "max_results": 7},  # cut in the first slice
    {"pattern": "handler", "max_results": 500},
    {"pattern": r"return Event", "glob": "*.py", "max_results": 33},
    {"pattern": "HANDLER_END", "ignore_case": False},
    {"pattern": "handler_end", "ignore_case": True, "max_results": 3},
    {"pattern": "(event)", "fixed_string": True, "path": "pkg", "max_results": 20},
    {"pattern": r"^\s+return", "max_results": 50},
    {"pattern": r"$", "max_results": 5},  # an empty match on every line
    {"pattern": "no such text anywhere"},
    {"pattern": "x = 1", "path": "pkg/sub/deep.py"},
]


def _full(a: dict) -> dict:
    return {"path": ".", "glob": None, "ignore_case": False, "fixed_string": False, "max_results": 100, **a}


@pytest.mark.parametrize("args", ARGS, ids=[json.dumps(a) for a in ARGS])
def test_merged_parts_equal_the_plain_grep(ws, args):
    plain = get_tool("grep").run(ws, args)
    for parts in (1, 2, 3, 5, 60):  # 60 > files: empty slices too
        found = [grep_part(ws, _full(args), k, parts) for k in range(parts)]
        assert grep_merge(_full(args), found) == plain, parts
    if args.get("max_results") == 7:
        assert plain.count("\n") == 7 and "more matches in" in plain.splitlines()[-1]


def test_parts_cover_each_file_once_in_order(ws):
    found = [grep_part(ws, _full({"pattern": "handler"}), k, 4) for k in range(4)]
    files = [h.split(":", 1)[0] for hits, _, _ in found for h in hits]
    assert files == sorted(files) and all(hits for hits, _, _ in found)


def test_errors_are_the_plain_grep_errors(ws):
    for args in ({"pattern": "[unclosed"}, {"pattern": ""}, {"pattern": "x", "path": "missing_dir"}):
        with pytest.raises(ToolError) as plain:
            get_tool("grep").run(ws, args)
        with pytest.raises(ToolError) as part:
            grep_part(ws, _full(args), 1, 3)
        assert (part.value.code, part.value.message) == (plain.value.code, plain.value.message)


@pytest.fixture()
def pool(monkeypatch):
    monkeypatch.setenv("RFTGYM_READ_POOL_MIN_FILES", "0")
    procpool.close_shared_pool()
    p = procpool.ReadPool(3)
    yield p
    p.close()


def test_pool_splits_a_grep_over_its_workers_with_the_same_text(ws, pool, monkeypatch):
    assert pool.warm(ws) == 3
    sent = []
    real = procpool.ReadPool._call

    def recording(self, worker, request, name, deadline):
        sent.append(request[0])
        return real(self, worker, request, name, deadline)

    monkeypatch.setattr(procpool.ReadPool, "_call", recording)
    for args in ARGS:
        pool._cost["grep"] = 1.0  # as measured on a big repo (this one's greps take a millisecond)
        assert pool.run("grep", args, ws, None) == get_tool("grep").run(ws, args)
    assert sent == [procpool.GREP_PART] * 3 * len(ARGS)  # every grep ran as 3 parts
    pool._cost["grep"] = 1.0
    with pytest.raises(ToolError) as err:
        pool.run("grep", {"pattern": "[unclosed"}, ws, None)
    assert err.value.code == "INVALID_ARGS" and "unclosed" in err.value.message
    sent.clear()
    pool._cost["grep"] = procpool.SPLIT_GREP_S / 2  # a grep measured short stays one call
    assert pool.run("grep", ARGS[2], ws, None) == get_tool("grep").run(ws, ARGS[2])
    assert sent == ["grep"]


def test_a_busy_pool_serves_waiting_requests_longest_expected_first(ws):
    pool = procpool.ReadPool(1)
    try:
        assert pool.warm(ws) == 1
        worker = pool._take(None)  # the only worker is busy: requests queue up
        done: list[float] = []
        request = ("find_symbol", {"name": "Event"}, str(ws.root), str(ws.snapshot.tree), ws.snapshot.repo,
                   ws.snapshot.commit, frozenset(), None)

        def ask(priority: float) -> None:
            pool._request(request, "find_symbol", None, priority)
            done.append(priority)

        threads = [threading.Thread(target=ask, args=(p,)) for p in (0.01, 0.5, 0.2, 0.05)]
        for t in threads:
            t.start()
            while len(pool._waiting) < len(done) + threads.index(t) + 1:  # arrival order as started
                time.sleep(0.001)
        pool._give(worker)
        for t in threads:
            t.join(30)
        assert done == [0.5, 0.2, 0.05, 0.01]
    finally:
        pool.close()


def test_pool_split_sees_the_episode_changes(ws, pool):
    """Edited, added and deleted files: the split grep reads the workspace as the plain one does."""
    edit = ws.exec("printf 'def handler_new(event):\\n    return Event(event)\\n' > pkg/mod_00b.py && "
                   "echo 'handler rewritten' > pkg/mod_07.py && rm pkg/mod_13.py", timeout=30)
    assert edit.ok, edit.combined()
    try:
        assert pool.warm(ws) == 3
        for args in [*ARGS[:5], {"pattern": "handler_new|rewritten"}]:
            pool._cost["grep"] = 1.0
            plain = get_tool("grep").run(ws, args)
            assert pool.run("grep", args, ws, None) == plain
        assert get_tool("grep").run(ws, {"pattern": "handler_new|rewritten"}).splitlines() == [
            "pkg/mod_00b.py:1:def handler_new(event):", "pkg/mod_07.py:1:handler rewritten"]
    finally:
        ws.reset()


def test_a_grep_is_not_split_while_another_long_call_waits(ws, monkeypatch):
    """Only the last long call of a turn is split: while another waits, this one keeps its worker."""
    pool = procpool.ReadPool(2)
    try:
        assert pool.warm(ws) == 2
        sent = []
        real = procpool.ReadPool._call

        def recording(self, worker, request, name, deadline):
            sent.append(request[0])
            return real(self, worker, request, name, deadline)

        monkeypatch.setattr(procpool.ReadPool, "_call", recording)
        pool._cost["grep"] = 1.0
        busy = [pool._take(None), pool._take(None)]
        grep = threading.Thread(target=pool.run, args=("grep", ARGS[1], ws, None))
        grep.start()
        while len(pool._waiting) < 1:
            time.sleep(0.001)
        request = ("find_symbol", {"name": "Event"}, str(ws.root), str(ws.snapshot.tree), ws.snapshot.repo,
                   ws.snapshot.commit, frozenset(), None)
        other = threading.Thread(target=pool._request, args=(request, "find_symbol", None, 0.5))
        other.start()
        while len(pool._waiting) < 2:
            time.sleep(0.001)
        pool._give(busy.pop())  # to the grep (expected longest), with find_symbol (0.5 s expected) waiting
        grep.join(30)
        pool._give(busy.pop())
        other.join(30)
        assert sent == ["grep", "find_symbol"]
        sent.clear()
        assert pool.run("grep", ARGS[1], ws, None) == get_tool("grep").run(ws, ARGS[1])
        assert sent == [procpool.GREP_PART] * 2  # alone: split
    finally:
        pool.close()
