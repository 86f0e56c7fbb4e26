"""Node ids that need quoting reach pytest intact (issue 12 item 13).

A real repository whose parametrized tests have ids with spaces, brackets, backslashes and non-ASCII
text; a bug-fix task whose ``fail_to_pass`` lists them as pytest prints them and as a person writes
them. TestsPass scores the gold patch 1 and no change 0, in the local sandbox and in Docker. Before
the fix, ids on pytest's command line ended the run with "pytest exited with code 4".
"""

from __future__ import annotations

import subprocess

import pytest

from rftgym.graders.tests import TestsPass, git_apply
from rftgym.sandbox.local import LocalSandbox
from rftgym.tasks import load_tasks
from rftgym.testrun import run_pytest

TESTS = '''import pytest
from echo import echo


@pytest.mark.parametrize("v", ["a b", "\u00fcn\u00ef", "a\\\\b", "x-[1]", "p::q"])
def test_echo(v):
    assert echo(v) == v


class TestKeep:
    @pytest.mark.parametrize("n", [1, 2])
    def test_same(self, n):
        assert n == n
'''
BUGGY = "def echo(v):\n    return v.upper()\n"
FIXED = "def echo(v):\n    return v\n"
# As pytest prints them (non-ASCII and backslashes escaped) and as a person writes them.
F2P = ["tests/test_echo.py::test_echo[a b]", "tests/test_echo.py::test_echo[\\xfcn\\xef]",
       "tests/test_echo.py::test_echo[a\\\\b]", "tests/test_echo.py::test_echo[x-[1]]",
       "tests/test_echo.py::test_echo[p::q]", "tests/test_echo.py::test_echo[\u00fcn\u00ef]",
       "tests/test_echo.py::test_echo[a\\b]"]
P2P = ["tests/test_echo.py::TestKeep::test_same[1]", "tests/test_echo.py::TestKeep::test_same[2]"]


def _git(repo, *args):
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args],
                          capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def task(tmp_path_factory):
    repo = tmp_path_factory.mktemp("nodeids") / "echo"
    (repo / "tests").mkdir(parents=True)
    (repo / "tests" / "test_echo.py").write_text(TESTS, encoding="utf-8")
    (repo / "echo.py").write_text(BUGGY)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "echo, with a bug")
    (repo / "echo.py").write_text(FIXED)
    gold = _git(repo, "diff")
    _git(repo, "checkout", "--", "echo.py")
    (row,) = load_tasks([{"id": "echo", "repo": str(repo), "commit": _git(repo, "rev-parse", "HEAD").strip(),
                          "prompt": "echo changes its input", "fail_to_pass": F2P, "pass_to_pass": P2P,
                          "gold_patch": gold, "gold_files": ["echo.py"]}], kind="bugfix")
    return row


def test_run_pytest_selects_ids_that_need_quoting(task):
    with LocalSandbox(pool_size=0) as sb:
        ws = sb.open(task.repo, task.commit)
        try:
            run = run_pytest(ws, [*F2P, *P2P, "tests/test_echo.py::test_echo[no such id]"], timeout=120)
            assert run.trusted, run.problem
            assert all(run.outcomes[t] == "failed" for t in F2P), run.outcomes
            assert all(run.passed(t) for t in P2P)
            assert run.outcomes["tests/test_echo.py::test_echo[no such id]"] == "missing"  # not exit code 4
            assert run.counts() == {"failed": 7, "passed": 2, "missing": 1}
        finally:
            sb.release(ws)


def _grade(sandbox, task, patch):
    ws = sandbox.open(task.repo, task.commit)
    try:
        if patch:
            assert git_apply(ws, patch) is None
        return TestsPass(timeout=120).grade(task, None, ws)
    finally:
        sandbox.release(ws)


@pytest.mark.parametrize("backend", ["local", "docker"])
def test_gold_patch_scores_one_with_quoted_ids(task, backend, request):
    if backend == "docker":
        sandbox = request.getfixturevalue("docker_sandbox")
        gold, none = _grade(sandbox, task, task.extra["gold_patch"]), _grade(sandbox, task, "")
    else:
        with LocalSandbox(pool_size=0) as sandbox:
            gold, none = _grade(sandbox, task, task.extra["gold_patch"]), _grade(sandbox, task, "")
    assert gold.score == 1.0 and gold.error is None, gold
    assert none.score == 0.0 and none.components["fail_to_pass"] == 0.0 and none.components["pass_to_pass"] == 1.0
