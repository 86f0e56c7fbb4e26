"""Running a repository's pytest suite inside a workspace, with per-test outcomes that can be trusted.

``run_pytest(ws, selection, timeout=...) -> TestRun`` runs ``python -m pytest`` through ``ws.exec``
(so it works in every sandbox) with a small results plugin. The plugin is written to a fresh temp
folder outside the repository under a random module name, and reads where to write its results and a
secret nonce from stdin when pytest loads it, before any repository code is imported: repository code
cannot see either on the command line or in the environment. A run is ``trusted`` only when the
results file exists, carries the nonce, and agrees with the process exit code; code that exits the
interpreter early (``sys.exit(0)`` or ``os._exit(0)`` at import), a shadowing ``pytest.py`` or a
crashed run leaves no trusted results, and then no test counts as passed.

Outcomes per test id: ``passed``, ``failed``, ``error`` (setup or teardown failed), ``skipped``,
``xfailed``, ``xpassed``, and ``missing`` for a selected id that never ran. Only ``passed`` is a pass.

Also here: which paths count as tests or test configuration (``is_test_file``, ``is_protected``), the
rule graders use to drop an agent's edits to them.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed", "missing")

# Flags for every run: no cache (a previous run must not change this one: --lf, --sw state), node ids
# relative to the repository root, short tracebacks for the excerpts agents see.
PYTEST_FLAGS = ["-p", "no:cacheprovider", "--rootdir=.", "-q", "--tb=short", "-o", "console_output_style=classic"]

_PLUGIN = r'''
"""rftgym results plugin (generated; see rftgym/testrun.py)."""
import json, os, sys, threading
import pytest

_cfg = json.loads(sys.stdin.readline() or "{}")
_RANK = {"passed": 0, "xpassed": 1, "skipped": 2, "xfailed": 2, "failed": 3, "error": 4}
_tests, _collect, _cover, _real = {}, [], {}, {}
_root = os.path.realpath(_cfg.get("root") or os.getcwd())


_alias = {}  # collected node id -> the spellings the caller selected it by, when they differ


def _entry(nodeid):
    return _tests.setdefault(_alias.get(nodeid, [nodeid])[0], {"outcome": None, "duration": 0.0})


def _spellings(nodeid):
    """The node id, and the same id with pytest's escaping of its parameters undone
    (``test_u[\\xfcn\\xef]`` -> the non-ASCII text, ``test_p[a\\\\b]`` -> ``test_p[a\\b]``)."""
    yield nodeid
    head, sep, param = nodeid.partition("[")
    if sep and "\\" in param:
        try:
            yield head + "[" + param.encode("ascii").decode("unicode_escape")
        except (UnicodeError, ValueError):
            pass


def _under(nodeid, sel):
    return (nodeid == sel or nodeid.startswith(sel + "::") or nodeid.startswith(sel + "[")
            or ("::" not in sel and nodeid.startswith(sel.rstrip("/") + "/")))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    # Selection by exact string comparison here, not by pytest's parsing of command-line ids: an id
    # with brackets, spaces, backslashes or non-ASCII text reaches us intact, and an id that names no
    # test is "missing" instead of ending the whole run with a usage error (exit code 4).
    select = _cfg.get("select")
    if select is None:
        return
    exact = set(select)
    keep, drop = [], []
    for item in items:
        hits = [s for s in _spellings(item.nodeid) if s in exact]
        if hits:
            if hits != [item.nodeid]:
                _alias[item.nodeid] = hits
            keep.append(item)
        elif any(_under(s, sel) for s in _spellings(item.nodeid) for sel in select):
            keep.append(item)
        else:
            drop.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _set(e, outcome):
    if e["outcome"] is None or _RANK[outcome] > _RANK[e["outcome"]]:
        e["outcome"] = outcome


def pytest_runtest_logreport(report):
    e = _entry(report.nodeid)
    e["duration"] = round(e["duration"] + (report.duration or 0.0), 4)
    xf = hasattr(report, "wasxfail")
    if report.when == "call":
        _set(e, ("xpassed" if xf else "passed") if report.passed else
             (("xfailed" if xf else "skipped") if report.skipped else "failed"))
    elif not report.passed:
        _set(e, ("xfailed" if xf else "skipped") if report.skipped else "error")
    if (report.failed or report.skipped) and "text" not in e:
        e["text"] = report.longreprtext[-4000:]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    e = _entry(item.nodeid)
    if call.excinfo is None or not rep.failed or "message" in e:
        return
    try:
        e["message"] = call.excinfo.exconly()[:3000]
        here = os.path.realpath(str(getattr(item, "path", None) or item.fspath))
        for tb in reversed(list(call.excinfo.traceback)):
            if os.path.realpath(str(tb.path)) == here:
                e["line"] = str(tb.statement).strip()[:1000]
                break
    except Exception as exc:
        e.setdefault("message", repr(exc))


def _rel(filename):
    r = _real.get(filename)
    if r is None:
        p = os.path.realpath(filename)
        r = os.path.relpath(p, _root) if filename[:1] != "<" and p.startswith(_root + os.sep) else ""
        _real[filename] = r
    return r


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    if not _cfg.get("trace"):
        yield
        return
    codes = {}

    def prof(frame, event, arg):
        if event == "call":
            c = frame.f_code
            codes[id(c)] = c

    sys.setprofile(prof)
    threading.setprofile(prof)
    try:
        yield
    finally:
        sys.setprofile(None)
        threading.setprofile(None)
        hit = set()
        for c in codes.values():
            rel = _rel(c.co_filename)
            if rel:
                hit.add("%s:%d" % (rel, c.co_firstlineno))
        _cover[item.nodeid] = sorted(hit)


def pytest_collectreport(report):
    if report.failed:
        _collect.append({"nodeid": report.nodeid, "text": report.longreprtext[-4000:]})


def pytest_sessionfinish(session, exitstatus):
    out = _cfg.get("out")
    if not out:
        return
    for names in _alias.values():  # one test selected under two spellings: both get its result
        for other in names[1:]:
            if names[0] in _tests:
                _tests[other] = _tests[names[0]]
    data = {"nonce": _cfg.get("nonce"), "exitstatus": int(exitstatus), "tests": _tests,
            "collect_errors": _collect, "cover": _cover}
    with open(out + ".tmp", "w") as fh:
        json.dump(data, fh)
    os.replace(out + ".tmp", out)
'''

_SETUP = 'd=$(mktemp -d) && cat > "$d/$0.py" && printf %s "$d"'


@dataclass
class TestRun:
    """What one pytest run did. ``outcomes`` maps test ids to one of ``OUTCOMES``."""

    __test__ = False  # not a pytest test class, despite the name

    outcomes: dict[str, str] = field(default_factory=dict)
    details: dict[str, dict[str, Any]] = field(default_factory=dict)
    collect_errors: list[dict[str, str]] = field(default_factory=list)
    cover: dict[str, list[str]] = field(default_factory=dict)
    exit_code: int = -1
    timed_out: bool = False
    trusted: bool = False
    problem: str | None = None
    infra: bool = False  # the run could not be made (the workspace's shell or python failed), not the code
    output: str = ""
    duration_s: float = 0.0

    def passed(self, test_id: str) -> bool:
        """True only for a plain pass recorded in a trusted run."""
        return self.trusted and self.outcomes.get(test_id) == "passed"

    def counts(self) -> dict[str, int]:
        out = {k: 0 for k in OUTCOMES}
        for v in self.outcomes.values():
            out[v] = out.get(v, 0) + 1
        return {k: v for k, v in out.items() if v}


def run_pytest(ws: Any, selection: Sequence[str] = (), *, timeout: float = 300.0, trace: bool = False,
               extra_args: Sequence[str] = ()) -> TestRun:
    """Run pytest on ``selection`` (test ids or paths; empty: the whole suite) in ``ws``. Never raises.

    Selected ids that did not run come back as ``missing``. With ``trace``, ``cover`` maps each test
    id to the repository functions it called, as ``"path:first_line"`` (for test selection).
    """
    start = time.perf_counter()
    python = getattr(ws, "python", None) or "python"
    module = f"rftgym_pt_{secrets.token_hex(6)}"
    setup = ws.exec(["sh", "-c", _SETUP, module], timeout=30, stdin=_PLUGIN)
    if not setup.ok or not setup.stdout.strip():
        return TestRun(problem=f"could not prepare the test run: {setup.combined()[-500:]}", infra=True,
                       duration_s=time.perf_counter() - start)
    tmp = setup.stdout.strip()
    nonce = secrets.token_hex(16)
    results = f"{tmp}/results-{secrets.token_hex(6)}.json"
    paths, select = _split_selection(selection)
    cfg = json.dumps({"out": results, "nonce": nonce, "trace": trace, "select": select}) + "\n"
    argv = [python, "-m", "pytest", "-p", module, *PYTEST_FLAGS, *extra_args, *paths]
    res = ws.exec(argv, timeout=timeout, stdin=cfg, env={"PYTHONPATH": tmp, "PYTHONNOUSERSITE": "1"},
                  max_output=200_000)
    back = ws.exec(["sh", "-c", 'cat "$0" 2>/dev/null; rm -rf "$1"', results, tmp], timeout=60,
                   max_output=256 << 20)
    run = TestRun(exit_code=res.exit_code, timed_out=res.timed_out, output=res.combined()[-20_000:],
                  duration_s=time.perf_counter() - start)
    data = None
    try:
        data = json.loads(back.stdout) if back.stdout.strip() else None
    except json.JSONDecodeError:
        data = None
    if res.timed_out:
        run.problem = f"the test run timed out after {timeout:.0f}s"
    elif res.exit_code in (126, 127) and not data:
        run.problem, run.infra = f"the interpreter {python!r} could not start (exit code {res.exit_code})", True
    elif not isinstance(data, dict) or data.get("nonce") != nonce:
        run.problem = ("pytest wrote no results: it exited before finishing (exit code "
                       f"{res.exit_code}), or pytest itself could not start")
    else:
        _fill(run, data)
    for test_id in selection:
        if "::" in test_id and test_id not in run.outcomes:
            run.outcomes[test_id] = "missing"
    return run


def _split_selection(selection: Sequence[str]) -> tuple[list[str], list[str] | None]:
    """Test ids and paths -> ``(paths for pytest's command line, ids for the plugin to select)``.

    Only file and folder paths go on the command line; which tests of them run is decided by the
    results plugin, by string comparison with the ids as given (see ``_PLUGIN``), so node ids that
    pytest's command-line parser would misread or reject (``test_u[ünï]``, ``test_q[x-[1]]``,
    ``test_p[a\\b]``) select their tests. ``None``: every test under the paths (no ``::`` id given)."""
    paths: list[str] = []
    for entry in selection:
        path = entry.split("::", 1)[0]
        if path and path not in paths:
            paths.append(path)
    if not any("::" in entry for entry in selection):
        return paths, None
    return paths, list(selection)


def _fill(run: TestRun, data: dict[str, Any]) -> None:
    """Read the plugin's results into ``run``; trusted only when they agree with the exit code."""
    tests = data.get("tests") or {}
    for nodeid, e in sorted(tests.items()):
        outcome = e.get("outcome") or "error"
        run.outcomes[nodeid] = outcome
        run.details[nodeid] = {k: e[k] for k in ("message", "line", "text", "duration") if k in e}
    run.collect_errors = list(data.get("collect_errors") or [])
    run.cover = dict(data.get("cover") or {})
    status = data.get("exitstatus")
    bad = [k for k, v in run.outcomes.items() if v in ("failed", "error")]
    if status != run.exit_code:
        run.problem = f"pytest's exit code {run.exit_code} does not match the session's status {status}"
    elif run.exit_code == 0 and (bad or run.collect_errors):
        run.problem = f"pytest exited 0 although {len(bad) + len(run.collect_errors)} tests failed or errored"
    elif run.exit_code not in (0, 1, 2, 5):
        run.problem = f"pytest exited with code {run.exit_code} (usage or internal error)"
    else:
        run.trusted = True


_ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")
_TIMING = re.compile(r" in \d+(?:\.\d+)?s\b")


def scrub(text: str) -> str:
    """Remove run-specific noise (memory addresses) so a failure message is the same on every run."""
    return _ADDRESS.sub("0x…", text)


def summarize(run: TestRun, *, max_failures: int = 8, excerpt_lines: int = 25) -> str:
    """A compact report for an agent: counts, one line per test, and excerpts of the first failures.
    Deterministic for a deterministic suite (no timings, memory addresses scrubbed)."""
    tail = _TIMING.sub("", scrub("\n".join(run.output.strip().splitlines()[-30:])))
    if run.timed_out or not run.trusted:
        listed = "\n".join(f"{k}  {v}" for k, v in list(run.outcomes.items())[:60])
        return f"error: {run.problem}\n{tail}\n{listed}".rstrip()
    counts = ", ".join(f"{v} {k}" for k, v in run.counts().items()) or "no tests ran"
    lines = [f"{counts} (exit code {run.exit_code})"]  # no timings: observations must replay exactly
    missing = [k for k, v in run.outcomes.items() if v == "missing"]
    if missing:  # selected ids that name no test: say so, as pytest's own "not found" would
        lines.append(f"error: {len(missing)} selected test id(s) not found: {', '.join(missing[:10])}"
                     + (" ..." if len(missing) > 10 else ""))
    for err in run.collect_errors[:max_failures]:
        text = "\n".join(err.get("text", "").strip().splitlines()[-excerpt_lines:])
        lines.append(f"\nERROR collecting {err.get('nodeid') or '.'}\n{text}")
    width = max((len(k) for k in run.outcomes), default=0)
    if len(run.outcomes) <= 60:
        lines.extend(f"{k:<{width}}  {v}" for k, v in run.outcomes.items())
    else:
        lines.extend(f"{k}  {v}" for k, v in run.outcomes.items() if v != "passed")
        lines.append(f"[{sum(v == 'passed' for v in run.outcomes.values())} passed tests not listed]")
    shown = 0
    for k, v in run.outcomes.items():
        if v not in ("failed", "error") or shown >= max_failures:
            continue
        text = run.details.get(k, {}).get("text", "").strip().splitlines()
        lines.append(f"\n--- {v.upper()} {k}\n" + scrub("\n".join(text[-excerpt_lines:])))
        shown += 1
    return "\n".join(lines)


# -- what counts as a test -------------------------------------------------------------------------
_TEST_DIRS = {"tests", "test", "testing"}
_CONFIG_NAMES = {"conftest.py", "pytest.ini", ".pytest.ini", "tox.ini", "setup.cfg", "sitecustomize.py",
                 "usercustomize.py"}
# Top-level names that would shadow pytest or its plugin machinery when run from the repository root.
_SHADOWS = {"pytest.py", "pytest", "_pytest", "pluggy", "pluggy.py", "py.py"}


def is_test_file(path: str) -> bool:
    """A test module or anything under a tests/ folder (``tests``, ``test``, ``testing``)."""
    parts = path.strip("/").split("/")
    base = parts[-1]
    return (any(p in _TEST_DIRS for p in parts[:-1]) or (base.startswith("test_") and base.endswith(".py"))
            or base.endswith("_test.py") or base == "conftest.py")


def is_protected(path: str) -> bool:
    """Tests, pytest configuration and interpreter start-up hooks: edits to them never reach grading.

    ``pyproject.toml`` is judged by content (its ``[tool.pytest...]`` table), see ``rftgym.graders.tests``.
    """
    parts = path.strip("/").split("/")
    base = parts[-1]
    return (is_test_file(path) or base in _CONFIG_NAMES or base.endswith(".pth") or parts[0] in _SHADOWS)
