"""Flaky tests in history-based bug-fix generation (issue 13): reruns find them and keep them out of
FAIL_TO_PASS / PASS_TO_PASS, so a gold patch cannot score 0 on a bad draw.

The repository is generated here (no network). Its flaky tests are genuinely flaky and deterministic:
each run bumps a counter file next to the test and the test passes only on even counts, so a test
that passed on a workspace's first run fails on its second. Two fix commits:

- the newer adds ``test_total_stable`` (fails before, passes after) and ``test_total_flaky`` (fails
  before, alternates after); ``test_old_flaky`` alternates in both states, ``test_old_stable`` passes;
- the older adds only ``test_scale_flaky``: its one fail-to-pass test is flaky, so it is dropped.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rftgym.cli import app
from rftgym.taskgen import TaskgenError, generate
from tests.conftest import git

CORE = '''def total(xs):
    return sum(xs[1:])


def scale(xs, k):
    return [x * k for x in xs[:-1]]
'''
# Each call bumps the counter named `name` beside this file and says whether the count was even.
TESTS = '''from pathlib import Path

from stats.core import scale, total


def even_run(name):
    counter = Path(__file__).with_name(".runs-" + name)
    count = int(counter.read_text()) if counter.exists() else 0
    counter.write_text(str(count + 1))
    return count % 2 == 0


def test_old_flaky():
    assert even_run("old")


def test_old_stable():
    assert total([]) == 0
'''
SCALE_FLAKY = '''

def test_scale_flaky():
    assert scale([1, 2], 3) == [3, 6] and even_run("scale")
'''
TOTAL_TESTS = '''

def test_total_stable():
    assert total([1, 2, 3]) == 6


def test_total_flaky():
    assert total([4]) == 4 and even_run("total")
'''


def _write(root: Path, rel: str, text: str) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(text)


@pytest.fixture(scope="module")
def flaky_repo(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("flaky") / "stats"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    _write(root, ".gitignore", ".runs-*\n")
    _write(root, "stats/__init__.py", "")
    _write(root, "stats/core.py", CORE)
    _write(root, "tests/test_core.py", TESTS)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Start stats")
    core = CORE.replace("xs[:-1]]", "xs]")
    _write(root, "stats/core.py", core)
    _write(root, "tests/test_core.py", TESTS + SCALE_FLAKY)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Fix scale dropping the last element of the list")
    scale_fix = git(root, "rev-parse", "HEAD").strip()
    _write(root, "stats/core.py", core.replace("sum(xs[1:])", "sum(xs)"))
    _write(root, "tests/test_core.py", TESTS + SCALE_FLAKY + TOTAL_TESTS)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Fix total ignoring the first element of the list")
    total_fix = git(root, "rev-parse", "HEAD").strip()
    return {"path": root, "scale_fix": scale_fix, "total_fix": total_fix}


T = "tests/test_core.py::"


def test_reruns_leave_flaky_tests_out_and_drop_a_fix_whose_only_test_is_flaky(flaky_repo):
    drops: list[tuple[str, str]] = []
    rows = generate("bugfix", str(flaky_repo["path"]), source="history", n=10, workers=2, reruns=1,
                    dropped=lambda sha, why: drops.append((sha, why)))
    assert [r["fix_commit"] for r in rows] == [flaky_repo["total_fix"]]
    row = rows[0]
    assert json.loads(row["FAIL_TO_PASS"]) == [T + "test_total_stable"]
    assert json.loads(row["PASS_TO_PASS"]) == [T + "test_old_stable"]
    assert json.loads(row["flaky"]) == [T + "test_old_flaky", T + "test_scale_flaky", T + "test_total_flaky"]
    assert list(row)[list(row).index("PASS_TO_PASS") + 1] == "flaky"
    [(sha, why)] = drops
    assert sha == flaky_repo["scale_fix"]
    assert why.split(":", 1)[0] == "flaky" and T + "test_scale_flaky" in why


def test_without_reruns_the_flaky_tests_land_in_the_lists(flaky_repo):
    """--reruns 0 is the old behaviour: one run per state, the flaky tests counted as they fell."""
    rows = generate("bugfix", str(flaky_repo["path"]), source="history", n=10, workers=2, reruns=0)
    assert [r["fix_commit"] for r in rows] == [flaky_repo["total_fix"], flaky_repo["scale_fix"]]
    assert json.loads(rows[0]["FAIL_TO_PASS"]) == [T + "test_total_flaky", T + "test_total_stable"]
    assert json.loads(rows[0]["PASS_TO_PASS"]) == [T + "test_old_flaky", T + "test_old_stable", T + "test_scale_flaky"]
    assert json.loads(rows[1]["FAIL_TO_PASS"]) == [T + "test_scale_flaky"]
    assert all(r["flaky"] == "[]" for r in rows)


def test_cli_reruns_by_default_and_names_the_flaky_drop(flaky_repo, tmp_path):
    out = tmp_path / "swe.jsonl"
    res = CliRunner().invoke(app, ["tasks", "generate", "--kind", "bugfix", "--source", "history", "--repo",
                                   str(flaky_repo["path"]), "--out", str(out), "--n", "10"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["fix_commit"] for r in rows] == [flaky_repo["total_fix"]]
    assert json.loads(rows[0]["flaky"]) == [T + "test_old_flaky", T + "test_scale_flaky", T + "test_total_flaky"]
    assert "dropped 1 fix commits: 1 flaky" in res.output
    bad = CliRunner().invoke(app, ["tasks", "generate", "--kind", "bugfix", "--source", "history", "--repo",
                                   str(flaky_repo["path"]), "--out", str(out), "--reruns", "-1"])
    assert bad.exit_code != 0 and "--reruns" in bad.output


def test_reruns_must_be_a_count(flaky_repo):
    with pytest.raises(TaskgenError, match="reruns must be a whole number"):
        generate("bugfix", str(flaky_repo["path"]), source="history", n=1, reruns=-1)
