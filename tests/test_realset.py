"""Bug-fix tasks from git history (issue 13 part 7): a real repository with real fix commits becomes
validated SWE-bench rows, and `rftgym eval rftgym/BugFix-v0` scores the gold patch 1 and the null patch 0.

The repository is generated here (no network, no fetched mirror): a small package with three fix commits,
two whose new tests fail before the fix, one whose test change tells nothing apart (dropped).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rftgym.cli import app
from rftgym.taskformats import load as load_foreign
from rftgym.taskgen import generate
from rftgym.taskgen.common import write_jsonl
from rftgym.taskgen.history import bugfix_candidates
from tests.conftest import git

CORE_V1 = '''def clamp(x, lo, hi):
    """x limited to [lo, hi]."""
    if x < lo:
        return lo
    if x >= hi + 1:
        return hi
    return x


def mean(xs):
    return sum(xs) / len(xs)


def words(text):
    return text.split(" ")
'''
TESTS_V1 = '''from mini.core import clamp, mean, words


def test_clamp_low():
    assert clamp(-5, 0, 10) == 0


def test_mean():
    assert mean([1, 2, 3]) == 2
'''


def _write(root: Path, rel: str, text: str) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(text)


@pytest.fixture(scope="module")
def mini_repo(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("mini") / "mini"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    _write(root, "mini/__init__.py", "")
    _write(root, "mini/core.py", CORE_V1)
    _write(root, "tests/test_core.py", TESTS_V1)
    _write(root, "README.md", "# mini\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Start mini")
    # Fix 1: clamp lets hi + 0.5 through; the new test fails before the fix.
    core = CORE_V1.replace("    if x >= hi + 1:\n", "    if x > hi:\n")
    _write(root, "mini/core.py", core)
    _write(root, "tests/test_core.py", TESTS_V1 + "\n\ndef test_clamp_high_fraction():\n    assert clamp(10.5, 0, 10) == 10\n")
    _write(root, "CHANGES.md", "- clamp fixed\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Fix clamp letting values just above the upper bound through\n\nCloses #1")
    clamp_fix = git(root, "rev-parse", "HEAD").strip()
    # Fix 2: a "fix" whose test change passes before and after: nothing to tell apart, dropped.
    _write(root, "mini/core.py", core.replace('"""x limited to [lo, hi]."""', '"""x limited to the range [lo, hi]."""'))
    tests2 = (root / "tests/test_core.py").read_text() + "\n\ndef test_clamp_inside():\n    assert clamp(3, 0, 10) == 3\n"
    _write(root, "tests/test_core.py", tests2)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Fix wording of the clamp docstring for the error case")
    # Fix 3: words() gives empty strings on repeated spaces.
    core3 = (root / "mini/core.py").read_text().replace('return text.split(" ")', "return text.split()")
    _write(root, "mini/core.py", core3)
    _write(root, "tests/test_core.py", tests2 + "\n\ndef test_words_spaces():\n    assert words('a  b') == ['a', 'b']\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Fix words returning empty strings for repeated spaces")
    words_fix = git(root, "rev-parse", "HEAD").strip()
    return {"path": root, "clamp_fix": clamp_fix, "words_fix": words_fix}


def test_candidates_are_fix_commits_that_change_source_and_tests(mini_repo):
    cands = bugfix_candidates(mini_repo["path"], "HEAD")
    assert [c["sha"] for c in cands][0] == mini_repo["words_fix"]
    assert len(cands) == 3
    assert all(c["src"] == ["mini/core.py"] and c["tests"] == ["tests/test_core.py"] for c in cands)


def test_history_bugfix_rows_are_validated_swebench_rows(mini_repo, tmp_path):
    rows = generate("bugfix", str(mini_repo["path"]), source="history", n=10, workers=2)
    assert [r["fix_commit"] for r in rows] == [mini_repo["words_fix"], mini_repo["clamp_fix"]]
    words, clamp = rows
    assert json.loads(clamp["FAIL_TO_PASS"]) == ["tests/test_core.py::test_clamp_high_fraction"]
    assert json.loads(clamp["PASS_TO_PASS"]) == ["tests/test_core.py::test_clamp_low", "tests/test_core.py::test_mean"]
    assert json.loads(words["FAIL_TO_PASS"]) == ["tests/test_core.py::test_words_spaces"]
    assert "tests/test_core.py::test_clamp_inside" in json.loads(words["PASS_TO_PASS"])
    # The source change is the patch; tests are the test_patch; the changelog is in neither.
    assert "mini/core.py" in clamp["patch"] and "tests/" not in clamp["patch"] and "CHANGES" not in clamp["patch"]
    assert "tests/test_core.py" in clamp["test_patch"] and "mini/core.py" not in clamp["test_patch"]
    assert clamp["base_commit"] == git(mini_repo["path"], "rev-parse", f"{mini_repo['clamp_fix']}^").strip()
    assert clamp["problem_statement"].startswith("Fix clamp letting values just above the upper bound")
    # SWE-bench rows: detected and read as bug-fix tasks by the task-format loader.
    path = write_jsonl(rows, tmp_path / "swe.jsonl")
    tasks = load_foreign(path, kind="bugfix")
    assert [t["fail_to_pass"] for t in tasks] == [json.loads(r["FAIL_TO_PASS"]) for r in rows]


def test_eval_scores_gold_patch_one_and_null_patch_zero(mini_repo, tmp_path):
    tasks = tmp_path / "swe.jsonl"
    res = CliRunner().invoke(app, ["tasks", "generate", "--kind", "bugfix", "--source", "history", "--repo",
                                   str(mini_repo["path"]), "--out", str(tasks), "--n", "10"])
    assert res.exit_code == 0, res.output
    assert [json.loads(line)["fix_commit"] for line in tasks.read_text().splitlines()] == [
        mini_repo["words_fix"], mini_repo["clamp_fix"]]
    rewards = {}
    for policy in ("oracle:gold", "oracle:null"):
        out = tmp_path / policy.replace(":", "-")
        res = CliRunner().invoke(app, ["eval", "rftgym/BugFix-v0", "--tasks", str(tasks), "--policy", policy,
                                       "--out", str(out), "--workers", "2"])
        assert res.exit_code == 0, res.output
        trajs = [json.loads(line) for line in (out / "trajectories.jsonl").read_text().splitlines()]
        rewards[policy] = sorted(t["reward"] for t in trajs)
    assert rewards == {"oracle:gold": [1.0, 1.0], "oracle:null": [0.0, 0.0]}


def test_history_bugfix_says_why_when_no_commit_qualifies(tmp_path):
    from rftgym.taskgen import TaskgenError

    root = tmp_path / "plain"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    _write(root, "mini/__init__.py", "")
    _write(root, "mini/core.py", CORE_V1)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Start")
    with pytest.raises(TaskgenError, match="fails before the fix and passes after"):
        generate("bugfix", str(root), source="history", n=5)


def test_history_bugfix_reports_why_fix_commits_were_dropped(mini_repo):
    drops: list[tuple[str, str]] = []
    rows = generate("bugfix", str(mini_repo["path"]), source="history", n=10, workers=2,
                    dropped=lambda sha, why: drops.append((sha, why)))
    assert len(rows) == 2 and len(drops) == 1
    sha, why = drops[0]
    assert sha not in (mini_repo["words_fix"], mini_repo["clamp_fix"])
    assert why == "no test fails before the fix and passes after it"


def test_history_bugfix_max_candidates_bounds_the_commits_run(mini_repo, tmp_path):
    """--max-candidates 1 runs only the newest fix commit; the CLI names what it dropped (nothing here)."""
    tasks = tmp_path / "one.jsonl"
    res = CliRunner().invoke(app, ["tasks", "generate", "--kind", "bugfix", "--source", "history", "--repo",
                                   str(mini_repo["path"]), "--out", str(tasks), "--n", "10", "--max-candidates", "1"])
    assert res.exit_code == 0, res.output
    assert [json.loads(line)["fix_commit"] for line in tasks.read_text().splitlines()] == [mini_repo["words_fix"]]
    res = CliRunner().invoke(app, ["tasks", "generate", "--kind", "bugfix", "--source", "history", "--repo",
                                   str(mini_repo["path"]), "--out", str(tasks), "--n", "10", "--max-candidates", "2"])
    assert res.exit_code == 0, res.output
    assert "dropped 1 fix commits: 1 no test fails before the fix and passes after it" in res.output


def test_mutation_bugfix_ignores_history_only_options(mini_repo):
    """Options only history generation reads do not break mutation generation (they are dropped)."""
    from rftgym.taskgen import TaskgenError

    try:
        generate("bugfix", str(mini_repo["path"]), source="mutation", n=1, max_candidates=3,
                 dropped=lambda sha, why: None, timeout=10)
    except TaskgenError:
        pass  # no mutant caught is fine here: the point is no TypeError on the options


def test_shipped_real_set_is_swebench_rows_with_a_recipe_per_repo():
    """tasksets/swe_real.jsonl (built from public mirrors; its eval is an acceptance command, see the
    README) reads as bug-fix tasks without the mirrors, and its recipes file serves every row."""
    from collections import Counter

    from rftgym.sandbox.recipes import match, read_file, recipes_file_for

    path = Path(__file__).resolve().parent.parent / "tasksets" / "swe_real.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    tasks = load_foreign(path, kind="bugfix")
    assert len(tasks) == len(rows) >= 40
    assert len({t["id"] for t in tasks}) == len(tasks)
    assert all(t["fail_to_pass"] and t["gold_patch"].strip() and t["test_patch"].strip() for t in tasks)
    assert len(Counter(r["repo"] for r in rows)) >= 3
    book = read_file(recipes_file_for(path))
    assert all(match(book, r["repo"], r.get("version")) is not None for r in rows)


def test_history_bugfix_with_a_recipe_that_cannot_be_built_says_which_step(mini_repo, tmp_path, monkeypatch):
    """A broken recipe stops generation with the failing step, instead of dropping every fix commit."""
    from rftgym.taskgen import TaskgenError

    monkeypatch.setenv("RFTGYM_ENV_CACHE", str(tmp_path / "envs"))
    recipes = tmp_path / "recipes.json"
    recipes.write_text(json.dumps({"recipes": [{"repo": "mini", "pre_install": ["echo no-such-tool >&2; exit 3"]}]}))
    with pytest.raises(TaskgenError, match=r"(?s)recipe mini.*exited 3.*no-such-tool"):
        generate("bugfix", str(mini_repo["path"]), source="history", n=5, recipes=str(recipes))
