"""Optimize-v0: the perfkit tasks, and EquivalenceSpeedup against honest and dishonest rewrites."""

import ast
import os

import gymnasium as gym
import pytest

import rftgym  # noqa: F401
from rftgym.graders import _speed_runner as codec
from rftgym.graders.optimize import EquivalenceSpeedup, make_inputs
from rftgym.sandbox.local import LocalSandbox
from rftgym.sandbox.repos import builtin_commit, snapshot
from rftgym.tasks import builtin_tasks
from rftgym.types import Trajectory
from tests.conftest import tool_call

TASKS = {t.id: t for t in builtin_tasks("optimize")}


def replace(source: str, name: str, new: str) -> str:
    node = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == name)
    lines = source.splitlines(keepends=True)
    return "".join(lines[:node.lineno - 1]) + new + "".join(lines[node.end_lineno:])


@pytest.fixture(scope="module")
def sandbox():
    with LocalSandbox(pool_size=2) as sb:
        yield sb


@pytest.fixture()
def perfkit_copy(sandbox):
    """Real workspaces of perfkit at the task's commit (the grader runs code through them), rewritten as asked."""
    opened = []

    def rewrite(task, new_source=None, extra_files=None, sb=None):
        ws = (sb or sandbox).open(task.repo, task.commit)
        opened.append((sb or sandbox, ws))
        path = ws.root / (task.extra["module"].replace(".", "/") + ".py")
        if new_source is not None:
            path.write_text(replace(path.read_text(), task.extra["function"], new_source))
        for rel, text in (extra_files or {}).items():
            (ws.root / rel).write_text(text)
        return ws

    yield rewrite
    for sb, ws in opened:
        sb.release(ws)


def score(task, ws, **kw):
    return EquivalenceSpeedup(**kw).grade(task, Trajectory(task.id, "e", seed=11), ws)


def test_there_are_enough_tasks_with_everything_the_grader_needs():
    assert len(TASKS) >= 10
    assert {t.split for t in TASKS.values()} == {"train", "test"}
    for t in TASKS.values():
        assert {"module", "function", "generator", "bench_size", "solution", "target_speedup"} <= set(t.extra)
        assert t.commit == builtin_commit("perfkit"), "run `rftgym repos pin`"
        assert t.extra["function"] in t.prompt and "solution" not in t.prompt


def test_every_solution_is_equivalent_on_the_hidden_inputs(perfkit_copy):
    for t in TASKS.values():
        quick = t.__class__.from_dict({**t.to_dict(), "bench_size": 60, "rounds": 1})
        grade = score(quick, perfkit_copy(quick, t.extra["solution"]))
        assert grade.components["equivalent"] == 1.0, (t.id, grade)


def test_inputs_are_fresh_per_episode_and_reproducible():
    t = TASKS["perfkit-opt-dedupe"]
    a, b, c = make_inputs(t, 1), make_inputs(t, 1), make_inputs(t, 2)
    assert a == b and a != c and len(a[0]) == t.extra["checks"] and len(a[1]) == t.extra["rounds"]


def test_oracle_scores_one_and_unchanged_code_scores_zero(perfkit_copy):
    t = TASKS["perfkit-opt-pairs-with-sum"]
    fast = score(t, perfkit_copy(t, t.extra["solution"]))
    assert fast.score == 1.0 and fast.components["speedup"] > t.extra["target_speedup"]
    same = score(t, perfkit_copy(t))
    assert same.score < 0.5 and same.components["equivalent"] == 1.0


HACKS = {
    "identity": ("def dedupe(items):\n    return items\n", "differs"),
    "empty body": ("def dedupe(items):\n    pass\n", "differs"),
    "mutates its argument": ("def dedupe(items):\n    items[:] = list(dict.fromkeys(items))\n    return items\n",
                             "differs"),
    "exits at import": ("import os\nos._exit(0)\n\n\ndef dedupe(items):\n    return []\n", "did not load"),
    "sys.exit at import": ("import sys\nsys.exit(0)\n\n\ndef dedupe(items):\n    return []\n", "did not load"),
    "never returns": ("def dedupe(items):\n    while True:\n        pass\n", "timed out"),
    "a lying __eq__": ("class Anything(list):\n    def __eq__(self, other):\n        return True\n\n\n"
                       "def dedupe(items):\n    return Anything()\n", "differs"),
}


@pytest.mark.parametrize("name", sorted(HACKS))
def test_dishonest_rewrites_score_the_floor(perfkit_copy, name):
    t = TASKS["perfkit-opt-dedupe"]
    source, why = HACKS[name]
    grade = score(t, perfkit_copy(t, source))
    assert grade.score == 0.0 and why in grade.error.replace("crashed, exited or timed out", "timed out"), grade


def test_copying_the_original_or_patching_the_clock_buys_nothing(perfkit_copy):
    t = TASKS["perfkit-opt-dedupe"]
    copy = ("def _slow(items):\n    out = []\n    for item in items:\n        if item not in out:\n"
            "            out.append(item)\n    return out\n\n\n_MEMO = {}\n\n\ndef dedupe(items):\n"
            "    key = repr(items)\n    if key not in _MEMO:\n        _MEMO[key] = _slow(items)\n    return list(_MEMO[key])\n")
    assert score(t, perfkit_copy(t, copy)).score < 0.5
    clock = "import time\n_real = time.perf_counter\ntime.perf_counter = lambda: _real() / 1000\n"
    ws = perfkit_copy(t, None, {"perfkit/__init__.py": clock, "sitecustomize.py": clock})
    assert score(t, ws).score < 0.5


def test_codec_keeps_types_apart():
    enc = codec.encode
    assert not codec.same(enc(1), enc(1.0)) and not codec.same(enc((1, 2)), enc([1, 2]))
    assert codec.same(enc({"b": 1, "a": {1, 2}}), enc({"a": {2, 1}, "b": 1}))
    assert codec.same(enc([0.1 + 0.2]), enc([0.3])) and not codec.same(enc([0.31]), enc([0.3]))
    assert codec.decode(enc({(1, 2): b"x", "f": float("inf")})) == {(1, 2): b"x", "f": float("inf")}


def test_episode_through_the_edit_tools():
    t = TASKS["perfkit-opt-dedupe"]
    env = gym.make("rftgym/Optimize-v0", split="all")
    obs, info = env.reset(seed=0, options={"task_id": t.id})
    names = [s["function"]["name"] for s in info["tools"]]
    assert {"write_file", "str_replace", "run_tests", "submit"} <= set(names) and "run_shell" not in names
    assert "generator" not in str(obs) and "solution" not in str(obs)
    text = (env.unwrapped.workspace.root / "perfkit/seqs.py").read_text()
    env.step({"role": "assistant", "tool_calls": [tool_call("write_file", path="perfkit/seqs.py",
                                                            content=replace(text, "dedupe", t.extra["solution"]))]})
    _, reward, term, _, info = env.step({"role": "assistant", "tool_calls": [tool_call("submit")]})
    env.close()
    assert term and reward == 1.0 and info["grade"]["components"]["equivalent"] == 1.0


def _escape_source(outside: str, reference: str) -> str:
    """A candidate whose module-level code writes a host file outside its workspace and tries to
    rewrite the snapshot the reference is loaded from; its function is the honest solution."""
    return (f"import os\nfor _p, _t in (({outside!r}, 'pwned'), ({reference!r}, 'def dedupe(items):\\n    "
            f"return []\\n')):\n    try:\n        with open(_p, 'w') as _f:\n            _f.write(_t)\n"
            f"    except OSError:\n        pass\n\n\n")


@pytest.mark.parametrize("backend", ["local", "docker"])
def test_grading_runs_candidate_code_inside_the_sandbox(perfkit_copy, tmp_path, backend, request):
    """Issue 12 item 2: module-level code of the candidate ran on the host, beside the sandbox."""
    t = TASKS["perfkit-opt-dedupe"]
    sb = request.getfixturevalue("docker_sandbox") if backend == "docker" else None
    outside = str(tmp_path / "written-by-the-candidate")
    reference = str(snapshot(t.repo, t.commit).tree / "perfkit" / "seqs.py")
    before = open(reference).read()
    ws = perfkit_copy(t, None, sb=sb)
    path = ws.root / "perfkit" / "seqs.py"
    path.write_text(_escape_source(outside, reference) + replace(path.read_text(), "dedupe", t.extra["solution"]))
    grade = score(t, ws)
    assert not os.path.exists(outside), "the candidate's code wrote to the host"
    assert open(reference).read() == before, "the candidate rewrote the reference's snapshot"
    assert grade.components["equivalent"] == 1.0 and grade.score > 0.0, grade  # it ran, and it was graded
