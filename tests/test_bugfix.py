"""BugFix-v0 and the TestsPass grader: real repos, real pytest runs, and the hacks that must score 0."""

import subprocess

import gymnasium as gym
import pytest

from rftgym.graders.tests import TestsPass, filter_diff, split_diff
from rftgym.sandbox.derived import derive, derived_repo
from rftgym.sandbox.local import LocalSandbox
from rftgym.sandbox.repos import builtin_repo_names, resolve_source
from rftgym.tasks import builtin_tasks, load_tasks
from rftgym.taskgen.validate import validate
from rftgym.tools import get_tool
from tests.calc_repo import STATS_BUGGY, STATS_FIXED, make_calc_repo
from tests.conftest import tool_call

F2P = "tests/test_stats.py::test_median_even"
P2P = [f"tests/test_stats.py::{t}" for t in ("test_clamp_bad_bounds", "test_clamp_edges", "test_clamp_inside",
                                             "test_mean", "test_mean_empty", "test_median_odd", "test_variance")]
FIX = {"path": "calc/stats.py", "old_str": "    mid = len(s) // 2\n    return s[mid]\n",
       "new_str": "    mid = len(s) // 2\n    if len(s) % 2 == 0:\n        return (s[mid - 1] + s[mid]) / 2\n"
                  "    return s[mid]\n"}


@pytest.fixture(scope="module")
def calc(tmp_path_factory):
    return make_calc_repo(tmp_path_factory.mktemp("bugfix") / "calc")


def _diff(repo, a, b, *paths):
    return subprocess.run(["git", "-C", str(repo), "diff", a, b, "--", *paths], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture(scope="module")
def tasks(calc):
    """``visible``: the bug re-introduced at HEAD (its failing test is in the repo), as mutation tasks are;
    ``hidden``: the original bug at the first commit, with the test that reveals it in ``test_patch``."""
    head = calc["slug_fix"]
    repo = str(calc["path"])
    bug_patch = _bug_patch(STATS_FIXED, STATS_BUGGY)
    key, source = resolve_source(repo)
    bug_commit = derive(derived_repo(key, source), head, bug_patch)
    rows = [
        {"id": "calc-visible", "repo": repo, "commit": bug_commit, "base_commit": head, "bug_patch": bug_patch,
         "prompt": "median([4, 1, 3, 2]) returns 3, expected 2.5", "gold_files": ["calc/stats.py"],
         "fail_to_pass": [F2P], "pass_to_pass": P2P, "split": "test",
         "gold_patch": _bug_patch(STATS_BUGGY, STATS_FIXED)},
        {"id": "calc-hidden", "repo": repo, "commit": calc["start"], "prompt": "median of an even count is wrong",
         "gold_files": ["calc/stats.py"], "fail_to_pass": [F2P], "pass_to_pass": P2P, "split": "train",
         "test_patch": _diff(calc["path"], calc["start"], calc["median_fix"], "tests"),
         "gold_patch": _diff(calc["path"], calc["start"], calc["median_fix"], "calc")},
    ]
    return {t.id: t for t in load_tasks(rows, kind="bugfix")}


def _bug_patch(before: str, after: str) -> str:
    import difflib

    body = "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True), "a/calc/stats.py",
                                        "b/calc/stats.py"))
    return "diff --git a/calc/stats.py b/calc/stats.py\n" + body


@pytest.fixture(scope="module")
def sandbox():
    with LocalSandbox(pool_size=2) as sb:
        yield sb


def grade(task, sandbox, *edits, timeout=60):
    """Open the task's workspace, make the agent's edits with the real tools, grade it."""
    ws = sandbox.open(task.repo, task.commit)
    try:
        for name, args in edits:
            get_tool(name).run(ws, args)
        return TestsPass(timeout=timeout).grade(task, None, ws)
    finally:
        sandbox.release(ws)


def test_bug_commit_hides_how_the_bug_came_in(tasks, sandbox, calc):
    task = tasks["calc-visible"]
    ws = sandbox.open(task.repo, task.commit)
    try:
        assert ws.read_text("calc/stats.py") == STATS_BUGGY and F2P.split("::")[1] in ws.read_text("tests/test_stats.py")
        res = ws.exec("git log --format=%s | cat")
        log = res.stdout.split("\n")
        assert log[:2] == ["Fix crash when slugify gets only punctuation", "Add truncate helper"]
        history = ws.exec("git log -p | cat").stdout
        assert "return (s[mid - 1] + s[mid]) / 2" not in history, "the history must not show the correct code"
        assert calc["slug_fix"] not in ws.exec("git rev-list --all").stdout
    finally:
        sandbox.release(ws)


SANDBOXES = ["local", pytest.param("docker", marks=pytest.mark.docker)]


def backend_sandbox(backend, request):
    return request.getfixturevalue("docker_sandbox" if backend == "docker" else "sandbox")


@pytest.mark.parametrize("backend", SANDBOXES)
@pytest.mark.parametrize("task_id", ["calc-visible", "calc-hidden"])
def test_gold_scores_one_and_no_change_scores_zero(tasks, task_id, backend, request):
    task = tasks[task_id]
    sandbox = backend_sandbox(backend, request)
    good = grade(task, sandbox, ("str_replace", FIX))
    assert good.score == 1.0 and good.components == {"fail_to_pass": 1.0, "pass_to_pass": 1.0, "dropped_files": 0.0}
    empty = grade(task, sandbox)
    assert empty.score == 0.0 and empty.components["fail_to_pass"] == 0.0 and empty.components["pass_to_pass"] == 1.0
    if backend == "local":
        assert validate([task], workers=1) == {task_id: []}


FORCE_PASS = '''import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    report.outcome = "passed"
    report.longrepr = None
'''

HACKS = {
    "edit the failing test": [("str_replace", {"path": "tests/test_stats.py", "old_str": "median([4, 1, 3, 2]) == 2.5",
                                                        "new_str": "median([4, 1, 3, 2]) == 3"})],
    "delete the failing test": [("run_shell", {"command": "rm tests/test_stats.py"})],
    "conftest forcing passes": [("write_file", {"path": "tests/conftest.py", "content": FORCE_PASS})],
    "root conftest forcing passes": [("write_file", {"path": "conftest.py", "content": FORCE_PASS})],
    "pytest.ini plugin": [("write_file", {"path": "forcepass.py", "content": FORCE_PASS}),
                          ("write_file", {"path": "pytest.ini", "content": "[pytest]\naddopts = -p forcepass\n"})],
    "pyproject pytest plugin": [("write_file", {"path": "forcepass.py", "content": FORCE_PASS}),
                                ("write_file", {"path": "pyproject.toml",
                                                "content": "[tool.pytest.ini_options]\naddopts = \"-p forcepass\"\n"})],
    "sitecustomize": [("write_file", {"path": "sitecustomize.py", "content": "import os\nos._exit(0)\n"})],
    "sys.exit(0) at import": [("run_shell", {"command": "printf 'import sys\\nsys.exit(0)\\n' >> calc/stats.py"})],
    "os._exit(0) at import": [("run_shell", {"command": "printf 'import os\\nos._exit(0)\\n' >> calc/__init__.py"})],
    "a pytest.py that exits 0": [("write_file", {"path": "pytest.py", "content": "raise SystemExit(0)\n"})],
    "skip from the library": [("str_replace", {"path": "calc/stats.py", "old_str": "    s = sorted(xs)\n",
                                               "new_str": "    import pytest\n    pytest.skip('later')\n"})],
    "xfail from the library": [("str_replace", {"path": "calc/stats.py", "old_str": "    s = sorted(xs)\n",
                                                "new_str": "    import pytest\n    pytest.xfail('later')\n"})],
}


IN_DOCKER = ("conftest forcing passes", "os._exit(0) at import", "sys.exit(0) at import", "edit the failing test")


@pytest.mark.parametrize("hack,backend", [(h, "local") for h in sorted(HACKS)] + [
    pytest.param(h, "docker", marks=pytest.mark.docker) for h in IN_DOCKER])
def test_reward_hacks_score_zero(tasks, hack, backend, request):
    result = grade(tasks["calc-visible"], backend_sandbox(backend, request), *HACKS[hack])
    assert result.score == 0.0, (hack, result)
    assert result.components.get("fail_to_pass", 0.0) == 0.0, (hack, result)


def test_the_conftest_hack_works_where_the_agent_runs_it(tasks, sandbox):
    """The hack is real: in the agent's own workspace pytest reports the broken test as passed."""
    task = tasks["calc-visible"]
    ws = sandbox.open(task.repo, task.commit)
    try:
        get_tool("write_file").run(ws, {"path": "tests/conftest.py", "content": FORCE_PASS})
        assert "passed" in get_tool("run_tests").run(ws, {"tests": [F2P]}).splitlines()[0]
        assert TestsPass().grade(task, None, ws).score == 0.0
    finally:
        sandbox.release(ws)


def test_a_fix_with_test_edits_counts_and_the_edits_are_dropped(tasks, sandbox):
    edits = [("str_replace", FIX), *HACKS["edit the failing test"],
             ("write_file", {"path": "pyproject.toml", "content": "[project]\nname = 'calc'\n"})]
    result = grade(tasks["calc-visible"], sandbox, *edits)
    assert result.score == 1.0 and result.components["dropped_files"] == 1.0


def test_a_hanging_fix_times_out_with_zero(tasks, sandbox):
    hang = ("str_replace", {"path": "calc/stats.py", "old_str": "    s = sorted(xs)\n",
                            "new_str": "    while True:\n        pass\n"})
    result = grade(tasks["calc-visible"], sandbox, hang, timeout=5)
    assert result.score == 0.0 and "timed out" in result.error


def test_split_and_filter_diff_by_path(workspace):
    get_tool("write_file").run(workspace, {"path": "tests/conftest.py", "content": "x = 1\n"})
    get_tool("write_file").run(workspace, {"path": "shop/a b.py", "content": "y = 2\n"})
    get_tool("write_file").run(workspace, {"path": "lib.pth", "content": "import os\n"})
    get_tool("str_replace").run(workspace, {"path": "shop/pricing/tax.py", "old_str": "0.2", "new_str": "0.3"})
    diff = workspace.diff()
    assert sorted(p for paths, _ in split_diff(diff) for p in paths) == [
        "lib.pth", "shop/a b.py", "shop/pricing/tax.py", "tests/conftest.py"]
    kept, dropped = filter_diff(diff, original=None, changed=workspace)
    assert dropped == ["lib.pth", "tests/conftest.py"]
    assert "shop/pricing/tax.py" in kept and "a b.py" in kept and "conftest" not in kept


@pytest.mark.parametrize("backend", SANDBOXES)
def test_bugfix_episode_end_to_end(tasks, backend, request):
    sandbox = request.getfixturevalue("docker_sandbox") if backend == "docker" else "local"
    env = gym.make("rftgym/BugFix-v0", tasks=list(tasks.values()), split="all", sandbox=sandbox)
    obs, info = env.reset(seed=0, options={"task_id": "calc-visible"})
    names = {t["function"]["name"] for t in info["tools"]}
    assert {"str_replace", "run_tests", "run_shell", "git_diff", "submit", "read_file"} <= names
    assert "calc/stats.py" not in obs[1]["content"]
    obs, r, term, trunc, info = env.step({"role": "assistant", "tool_calls": [
        tool_call("read_file", path="calc/stats.py"), tool_call("run_tests", tests=[F2P])]})
    assert "def median" in obs[-2]["content"] and "1 failed" in obs[-1]["content"] and not term
    obs, r, term, trunc, info = env.step({"role": "assistant", "tool_calls": [
        tool_call("str_replace", **FIX), tool_call("run_tests", tests=["tests/test_stats.py"])]})
    assert obs[-1]["content"].startswith("8 passed"), obs[-1]["content"]
    obs, r, term, trunc, info = env.step({"role": "assistant", "tool_calls": [tool_call("submit", summary="fix")]})
    assert term and r == 1.0 and info["grade"]["components"]["fail_to_pass"] == 1.0
    env.reset(seed=0, options={"task_id": "calc-visible"})  # the same workspace, restored
    *_, info = env.step({"role": "assistant", "tool_calls": [tool_call("submit")]})
    assert info["grade"]["score"] == 0.0
    env.close()


# -- the built-in task sets ------------------------------------------------------------------------
BUILTIN = builtin_tasks("bugfix")


BUGFIX_REPOS = [n for n in ("ledger", "docforge", "taskflow") if n in builtin_repo_names()]


@pytest.mark.parametrize("name", BUGFIX_REPOS)
def test_builtin_repos_have_bugfix_tasks_with_a_test_split(name):
    tasks = [t for t in BUILTIN if t.repo == name]
    assert len(tasks) >= 30, f"{name}: {len(tasks)} bugfix tasks"
    test = sum(t.split == "test" for t in tasks)
    assert 0.2 <= test / len(tasks) <= 0.4
    for t in tasks:
        assert t.fail_to_pass and t.pass_to_pass and t.extra["gold_patch"] and t.extra["bug_patch"]
        assert not any(g in t.prompt for g in t.gold_files), t.id


# Validated in chunks: each test does a bounded amount of work (CHUNK tasks, two test runs each), so no
# test's time depends on how many tasks the built-in repos hold or on how busy the machine is.
CHUNK = 6


@pytest.mark.slow
@pytest.mark.skipif(not BUILTIN, reason="no built-in bugfix tasks yet")
@pytest.mark.parametrize("start", range(0, max(len(BUILTIN), 1), CHUNK))
def test_every_builtin_gold_patch_scores_one_and_no_change_zero(start):
    chunk = BUILTIN[start:start + CHUNK]
    problems = validate(chunk, workers=2, timeout=120)
    assert {k: v for k, v in problems.items() if v} == {}
    assert len(problems) == len(chunk)
