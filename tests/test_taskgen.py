"""Task generation on real repositories: mutants caught by real test runs, fix commits from real history."""

import json
import os
import re
import subprocess
import sys

import pytest

from rftgym.taskgen import GENERATORS, TaskgenError, generate, write_jsonl
from rftgym.taskgen.mutants import function_mutants
from rftgym.taskgen.validate import validate
from rftgym.tasks import load_tasks
from tests.calc_repo import git, make_calc_repo

RFTGYM = [sys.executable, "-m", "rftgym.cli"]


@pytest.fixture(scope="module")
def calc(tmp_path_factory):
    return make_calc_repo(tmp_path_factory.mktemp("taskgen") / "calc")


@pytest.fixture(scope="module")
def bugfix_file(calc, tmp_path_factory):
    out = tmp_path_factory.mktemp("gen") / "fix.jsonl"
    write_jsonl(generate("bugfix", str(calc["path"]), n=4, seed=0), out)
    return out


def test_dispatcher_is_a_dict_of_kinds():
    assert {"bugfix", "localization"} <= set(GENERATORS)
    with pytest.raises(TaskgenError, match="unknown task kind 'nope'"):
        generate("nope", "calc")


def test_mutants_are_small_compilable_changes():
    source = ("def f(xs, k):\n    if len(xs) > k:\n        return scale(xs[0], max(k, 2) + 1)\n    xs.append(k)\n"
              "    total = sum(xs)\n    return total\n")
    sites = function_mutants("m.py", source)
    assert [s.key for s in sites] == ["m.py:1"]
    ops = {m.operator for m in sites[0].mutants}
    assert {"flip_comparison", "boundary", "off_by_one", "swap_operator", "swap_arguments", "drop_statement",
            "invert_condition", "remove_return"} <= ops
    for m in sites[0].mutants:
        mutated = m.apply(source)
        assert mutated != source
        compile(mutated, "m.py", "exec")
    flipped = next(m for m in sites[0].mutants if m.operator == "flip_comparison").apply(source)
    assert "if len(xs) <= k:" in flipped and flipped.count("\n") == source.count("\n")
    dropped = [m.apply(source) for m in sites[0].mutants if m.operator == "drop_statement"]
    assert dropped == [source.replace("xs.append(k)", "pass")], "a plain `total = ...` is never dropped"


def test_bugfix_generation_keeps_caught_mutants(calc, bugfix_file):
    rows = [json.loads(line) for line in bugfix_file.read_text().splitlines()]
    assert [r["id"] for r in rows] == [f"calc-bugfix-00{i}" for i in range(1, 5)]
    assert sum(r["split"] == "test" for r in rows) == 1
    for r in rows:
        assert r["repo"] == str(calc["path"]) and r["base_commit"] == calc["slug_fix"] != r["commit"]
        assert r["fail_to_pass"] and r["pass_to_pass"] and not set(r["fail_to_pass"]) & set(r["pass_to_pass"])
        assert r["gold_files"][0] in ("calc/stats.py", "calc/text.py") and r["test_patch"] == ""
        gold = r["gold_files"][0]
        assert not re.search(rf"(?<![\w/.-]){re.escape(gold)}|(?<![\w.-]){re.escape(gold.rsplit('/', 1)[1])}",
                             r["prompt"]), r["prompt"]
        assert "fails" in r["prompt"] and r["fail_to_pass"][0].split("::")[1] in r["prompt"] or "Also failing" in r["prompt"]
    assert len({r["mutation"]["function"] for r in rows}) == len(rows), "one mutant per function"


def test_generated_tasks_validate(bugfix_file):
    results = validate(load_tasks(str(bugfix_file), kind="bugfix"), workers=2)
    assert results and all(v == [] for v in results.values()), results


def test_generation_is_byte_identical_even_on_a_fresh_cache(calc, bugfix_file, tmp_path, monkeypatch):
    monkeypatch.setenv("RFTGYM_CACHE", str(tmp_path / "fresh-cache"))
    again = write_jsonl(generate("bugfix", str(calc["path"]), n=4, seed=0), tmp_path / "again.jsonl")
    assert again.read_bytes() == bugfix_file.read_bytes()
    other = write_jsonl(generate("bugfix", str(calc["path"]), n=4, seed=1), tmp_path / "other.jsonl")
    assert other.read_bytes() != bugfix_file.read_bytes()


def test_localization_from_mutants_and_from_history(calc):
    rows = generate("localization", str(calc["path"]), n=2, seed=0)
    assert [r["id"] for r in rows] == ["calc-mutloc-001", "calc-mutloc-002"]
    assert all("fail_to_pass" not in r and r["bug_patch"] and r["gold_files"] for r in rows)
    hist = generate("localization", str(calc["path"]), source="history", seed=0)
    assert [(r["commit"], r["gold_files"], r["fix_commit"]) for r in hist] == [
        (calc["truncate"], ["calc/text.py"], calc["slug_fix"]), (calc["start"], ["calc/stats.py"], calc["median_fix"])]
    assert hist[1]["prompt"] == ("Fix median of an even number of values\n\nmedian([4, 1, 3, 2]) returned 3 "
                                 "instead of 2.5: it took the upper middle value.")
    assert generate("localization", str(calc["path"]), source="history", n=1)[0]["fix_commit"] == calc["slug_fix"]
    tasks = load_tasks(rows + hist, kind="localization")
    assert all(v == [] for v in validate(tasks).values())


def test_a_repo_whose_tests_do_not_run_is_a_clear_error(tmp_path):
    repo = tmp_path / "broken"
    (repo / "pkg").mkdir(parents=True)
    (repo / "pkg" / "__init__.py").write_text("def f():\n    return 1\n")
    (repo / "tests").mkdir()
    (repo / "tests" / "test_f.py").write_text("from pkg import missing\n\ndef test_f():\n    assert True\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    with pytest.raises(TaskgenError, match=r"do not run: no test passed|do not run: pytest collected no tests") as exc:
        generate("bugfix", str(repo), n=1)
    assert "fail to import, e.g. tests/test_f.py" in str(exc.value) and "python -m pytest" in str(exc.value)
    with pytest.raises(TaskgenError, match="not a built-in repo"):
        generate("bugfix", str(tmp_path / "nowhere"), n=1)
    with pytest.raises(TaskgenError, match="no commit of .* fixes 1-3 existing source files"):
        generate("localization", str(repo), source="history")


def test_cli_generate_and_validate(calc, tmp_path):
    env = {**os.environ, "COLUMNS": "200"}
    out = tmp_path / "cli.jsonl"
    args = ["tasks", "generate", "--repo", str(calc["path"]), "--kind", "bugfix", "--n", "2", "--seed", "3",
            "--out", str(out)]
    res = subprocess.run([*RFTGYM, *args], capture_output=True, text=True, env=env, timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "2 bugfix tasks" in res.stdout and len(out.read_text().splitlines()) == 2
    res = subprocess.run([*RFTGYM, "tasks", "validate", str(out)], capture_output=True, text=True, env=env, timeout=600)
    assert res.returncode == 0 and "2 valid, 0 invalid" in res.stdout, res.stdout + res.stderr
    res = subprocess.run([*RFTGYM, "tasks", "generate", "--repo", str(tmp_path / "nope"), "--out", str(out)],
                         capture_output=True, text=True, env=env, timeout=600)
    assert res.returncode == 2 and "error:" in res.stderr and "Traceback" not in res.stderr


def test_a_bug_commit_survives_its_source_moving(calc, tmp_path):
    """A built-in repo whose code changed is materialised at a new path under the same source key: the
    derived repository must borrow objects from the new one as well."""
    from rftgym.sandbox.derived import derive, derived_repo

    other = make_calc_repo(tmp_path / "moved")
    first = derived_repo("same-key", calc["path"])
    second = derived_repo("same-key", other["path"])
    assert first == second
    alternates = (second / "objects" / "info" / "alternates").read_text().splitlines()
    assert alternates == [str(calc["path"] / ".git" / "objects"), str(other["path"] / ".git" / "objects")]
    patch = subprocess.run(["git", "-C", str(other["path"]), "diff", other["slug_fix"], other["truncate"]],
                           capture_output=True, text=True, check=True).stdout
    assert derive(second, other["slug_fix"], patch) != other["slug_fix"]
