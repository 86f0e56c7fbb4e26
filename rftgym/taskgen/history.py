"""Localization tasks from git history: a commit that fixes a bug, asked at its parent.

A commit qualifies when it has one parent, its message reads like a fix (fix, bug, error, crash,
wrong, incorrect, broken, regression, ...; not a typo, docs, CI, lint or test-only fix), and it
modifies 1 to 3 existing source files (test and documentation changes alongside are fine; a commit
that adds or deletes source files does not qualify). The task is pinned at the parent: the prompt is
the commit message (trailers and issue references dropped), ``gold_files`` the modified source files,
and the snapshot layer guarantees the agent never sees the fix or anything after it. Messages that
name a gold file are skipped: they would give the answer away.

Rows come newest first; ``n`` keeps the newest ``n``; the seed only picks the test split.

``generate_bugfix`` makes SWE-bench rows (``instance_id, repo, base_commit, patch, test_patch,
problem_statement, FAIL_TO_PASS, PASS_TO_PASS``, the lists as JSON strings as in SWE-bench) from
fix commits that modify 1 to 3 existing source files *and* change Python test files: ``patch`` is
the source change, ``test_patch`` the test change (other files, docs and changelogs, are left out
of both). Each candidate is run: at the parent with ``test_patch`` applied, then with ``patch`` too,
running the changed test files; ``FAIL_TO_PASS`` are the tests that do not pass before and pass
after, ``PASS_TO_PASS`` those that pass in both. Then the tests that count are run ``reruns`` more
times (default 2) in the same two workspaces (``run_candidate``); a test whose outcome changes is flaky,
left out of both lists and named in the row's ``flaky`` (a JSON list, like the other two; empty with
``reruns=0``, nothing checked). A candidate with no fail-to-pass test, with a test that passes before
and fails after, or whose every fail-to-pass test is flaky (drop reason ``flaky``) is dropped, and so is
a patch seen already (a fix cherry-picked onto another branch). Tests run in the environment the repo's recipe
gives (``recipes=``: a recipes file, ``rftgym.sandbox.recipes``), else in rftgym's interpreter.
"""

from __future__ import annotations

import json
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

from rftgym.sandbox import SandboxError
from rftgym.sandbox.repos import resolve_source
from rftgym.taskgen.common import (Progress, TaskgenError, assign_splits, is_source_file, no_progress, pin_commit,
                                   repo_name, repo_spec)
from rftgym.taskgen.prompts import commit_prompt, hidden_names, names_file
from rftgym.testrun import is_test_file

CODE_EXTS = (".py", ".pyi", ".js", ".ts", ".go", ".rs", ".java", ".c", ".h", ".cc", ".cpp", ".rb", ".php")
_FIX = re.compile(r"\b(fix(es|ed|ing)?|bug(s|fix)?|error(s)?|crash(es|ed|ing)?|wrong|incorrect(ly)?|broken|"
                  r"regression|fault(y)?|fail(s|ed|ing|ure)?|exception|issue)\b", re.I)
_NOT_A_BUG = re.compile(r"\b(typo(s)?|docs?|documentation|readme|changelog|ci|lint(ing)?|flake8|mypy|"
                        r"formatting|whitespace|spelling|comment(s)?)\b", re.I)
_MIN_WORDS = 4


def _git(source: Any, *args: str) -> str:
    out = subprocess.run(["git", "-C", str(source), *args], capture_output=True, text=True, errors="replace")
    if out.returncode != 0:
        raise TaskgenError(f"git {args[0]} failed in {source}: {out.stderr.strip()}")
    return out.stdout


def fix_commits(source: Any, head: str) -> list[tuple[str, str, str]]:
    """``(sha, parent, message)`` of every single-parent commit up to ``head`` whose message reads like a fix."""
    out = _git(source, "log", "--no-merges", "--format=%H%x00%P%x00%B%x1e", head)
    found = []
    for record in out.split("\x1e"):
        record = record.strip("\n")
        if not record:
            continue
        sha, parents, message = record.split("\x00", 2)
        parents_list = parents.split()
        subject = message.strip().splitlines()[0] if message.strip() else ""
        if len(parents_list) != 1 or not _FIX.search(message) or _NOT_A_BUG.search(subject):
            continue
        found.append((sha, parents_list[0], message))
    return found


def generate(repo: str, *, n: int | None = None, seed: int = 0, commit: str | None = None,
             progress: Progress = no_progress, **_: Any) -> list[dict[str, Any]]:
    """Localization task rows from the fix commits of ``repo`` up to ``commit`` (default HEAD)."""
    spec = repo_spec(repo)
    head = pin_commit(spec, commit)
    try:
        _, source = resolve_source(spec)
    except SandboxError as exc:
        raise TaskgenError(str(exc)) from None
    commits = fix_commits(source, head)
    name = repo_name(spec)
    rows: list[dict[str, Any]] = []
    for k, (sha, parent, message) in enumerate(commits):
        progress("fix commits", k, len(commits))
        status = _git(source, "diff-tree", "--no-commit-id", "-r", "--no-renames", "--name-status", sha)
        changes = [line.split("\t", 1) for line in status.splitlines() if "\t" in line]
        code = [(s, p) for s, p in changes if is_source_file(p, CODE_EXTS)]
        if not code or any(s != "M" for s, _ in code) or len(code) > 3:
            continue
        gold = sorted(p for _, p in code)
        prompt = commit_prompt(message)
        hide = [h for g in gold for h in hidden_names(g)]
        if len(prompt.split()) < _MIN_WORDS or any(names_file(line, hide) for line in prompt.splitlines()):
            continue
        rows.append({"id": f"{name}-hist-{sha[:10]}", "repo": spec, "commit": parent, "split": "",
                     "prompt": prompt, "gold_files": gold, "fix_commit": sha})
        if n is not None and len(rows) >= n:
            break
    progress("fix commits", len(commits), len(commits))
    if not rows:
        raise TaskgenError(f"no commit of {repo} up to {head[:12]} fixes 1-3 existing source files with a message "
                           "that reads like a bug fix; try --source mutation")
    assign_splits(rows, seed)
    return rows


# -- bug-fix rows from fix commits that change tests --------------------------------------------------
def _is_test_py(path: str) -> bool:
    return path.endswith(".py") and is_test_file(path) and path.rsplit("/", 1)[-1] != "conftest.py"


def bugfix_candidates(source: Any, head: str) -> list[dict[str, Any]]:
    """Fix commits up to ``head`` that modify 1-3 existing source files and change test files:
    ``{sha, parent, message, src, tests, date}`` per commit, newest first (no tests are run here)."""
    found = []
    for sha, parent, message in fix_commits(source, head):
        status = _git(source, "diff-tree", "--no-commit-id", "-r", "--no-renames", "--name-status", sha)
        changes = [line.split("\t", 1) for line in status.splitlines() if "\t" in line]
        code = [(s, p) for s, p in changes if is_source_file(p, (".py",))]
        tests = sorted(p for s, p in changes if _is_test_py(p) and s in ("A", "M"))
        if not code or any(s != "M" for s, _ in code) or len(code) > 3 or not tests:
            continue
        if len(commit_prompt(message).split()) < _MIN_WORDS:
            continue
        date = _git(source, "show", "-s", "--format=%cI", sha).strip()
        found.append({"sha": sha, "parent": parent, "message": message, "src": sorted(p for _, p in code),
                      "tests": tests, "date": date})
    return found


def _spec(repo: str) -> str:
    """``owner/name`` stays as given when no such folder exists (a hosted repo, resolved through mirrors)."""
    if _OWNER_NAME.match(repo) and not Path(repo).exists():
        return repo
    return repo_spec(repo)


_OWNER_NAME = re.compile(r"^[\w.-]+/[\w.-]+$")


def _instance_id(spec: str, sha: str) -> str:
    if _OWNER_NAME.match(spec):
        return f"{spec.replace('/', '__')}-{sha[:10]}"
    return f"{repo_name(spec)}-{sha[:10]}"


def run_candidate(cand: dict[str, Any], spec: str, source: Any, sandbox: Any, image: str | None,
                  timeout: float, reruns: int = 0) -> tuple[dict[str, Any] | None, str]:
    """``(SWE-bench row, "")`` for a candidate whose tests tell the fix apart, else ``(None, why)``.

    Each state (tests only, tests and fix) is run once on the changed test files; when that shows a
    fail-to-pass test, both are run ``reruns`` more times in the same workspaces, by test id (as
    grading runs them): with the fix every test that passed in either state, without it those whose
    outcome differs between the states. A test whose outcome in a state ever differs from its first
    is flaky: it is in neither list, and named in the row's ``flaky``."""
    from rftgym.graders.tests import git_apply
    from rftgym.testrun import run_pytest

    patch = _git(source, "diff", "--no-renames", cand["parent"], cand["sha"], "--", *cand["src"])
    test_patch = _git(source, "diff", "--no-renames", cand["parent"], cand["sha"], "--", *cand["tests"])
    workspaces: list[Any] = []
    try:
        outcomes = []
        for with_fix in (False, True):
            ws = sandbox.open(spec, cand["parent"], image=image)
            workspaces.append(ws)
            failed = git_apply(ws, test_patch) or (git_apply(ws, patch) if with_fix else None)
            if failed:
                return None, f"patch does not apply: {failed[:200]}"
            run = run_pytest(ws, cand["tests"], timeout=timeout)
            if not run.trusted:
                return None, f"test run not trusted ({'gold' if with_fix else 'base'}): {run.problem}"
            outcomes.append(run.outcomes)
        before, after = outcomes
        if not after:
            return None, "a test that passes before the fix fails after it (or nothing ran)"
        if not any(v == "passed" and before.get(t) != "passed" for t, v in after.items()):
            return None, "no test fails before the fix and passes after it"  # reruns only take tests away
        # Grading the gold patch runs FAIL_TO_PASS + PASS_TO_PASS with the fix: every test that passed in
        # either state is rerun there. Without the fix only the tests that tell the states apart matter
        # (a fail-to-pass test that sometimes passes would let no change score 1 on a lucky run).
        tests = sorted({**before, **after})
        rerun = [sorted(t for t in tests if (before.get(t) == "passed") != (after.get(t) == "passed")),
                 sorted(t for t in tests if "passed" in (before.get(t), after.get(t)))]
        flaky: set[str] = set()
        for _ in range(reruns):
            for k, (ws, first, ids) in enumerate(zip(workspaces, outcomes, rerun)):
                run = run_pytest(ws, ids, timeout=timeout)
                if not run.trusted:
                    return None, f"test run not trusted ({'gold' if k else 'base'} rerun): {run.problem}"
                flaky.update(t for t in ids if run.outcomes.get(t) != first.get(t))
    finally:
        for ws in workspaces:
            sandbox.release(ws)
    stable = {t: v for t, v in after.items() if t not in flaky}
    if any(stable.get(t) != "passed" for t, v in before.items() if v == "passed" and t not in flaky):
        return None, "a test that passes before the fix fails after it (or nothing ran)"
    f2p = sorted(t for t, v in stable.items() if v == "passed" and before.get(t) != "passed")
    p2p = sorted(t for t, v in stable.items() if v == "passed" and before.get(t) == "passed")
    if not f2p:
        return None, f"flaky: every fail-to-pass test changes outcome on a rerun ({', '.join(sorted(flaky))[:200]})"
    return {"instance_id": _instance_id(spec, cand["sha"]), "repo": spec, "base_commit": cand["parent"],
            "patch": patch, "test_patch": test_patch, "problem_statement": commit_prompt(cand["message"]),
            "hints_text": "", "created_at": cand["date"], "FAIL_TO_PASS": json.dumps(f2p),
            "PASS_TO_PASS": json.dumps(p2p), "flaky": json.dumps(sorted(flaky)), "fix_commit": cand["sha"]}, ""


def _ignore(sha: str, why: str) -> None:
    pass


def _build_env(image: str) -> None:
    """Build the recipe's venv before any candidate runs: a recipe that cannot be built is the user's
    error to fix (a TaskgenError with the failing step), not a reason to drop every fix commit."""
    from rftgym.sandbox.recipes import RecipeError, local_env

    try:
        local_env(image)
    except RecipeError as exc:
        raise TaskgenError(str(exc)) from None


def generate_bugfix(repo: str, *, n: int | None = None, seed: int = 0, commit: str | None = None,
                    workers: int = 2, timeout: float = 120.0, recipes: str | Path | None = None,
                    max_candidates: int | None = None, reruns: int = 2, progress: Progress = no_progress,
                    dropped: Callable[[str, str], None] | None = None, **_: Any) -> list[dict[str, Any]]:
    """Validated SWE-bench bug-fix rows from the history of ``repo`` (see the module docstring), newest
    first; at most ``n`` rows from at most ``max_candidates`` candidates (default ``3 * n``).
    ``reruns``: extra runs of each state's passing tests, to leave flaky ones out (0: none).
    ``dropped(fix commit sha, why)`` is called for each candidate that does not become a row."""
    from rftgym.sandbox.local import LocalSandbox
    from rftgym.sandbox.recipes import match, read_file, register

    if not isinstance(reruns, int) or reruns < 0:
        raise TaskgenError(f"reruns must be a whole number >= 0 (0: no reruns), got {reruns!r}")
    spec = _spec(repo)
    head = pin_commit(spec, commit)
    try:
        _, source = resolve_source(spec)
    except SandboxError as exc:
        raise TaskgenError(str(exc)) from None
    image = None
    if recipes:
        recipe = match(read_file(recipes), spec, None)
        if recipe is None:
            raise TaskgenError(f"{recipes} has no recipe for {spec}; add {{\"repo\": \"{spec}\", \"pip\": [...]}}")
        image = register(recipe)
        _build_env(image)
    cands = bugfix_candidates(source, head)
    cap = max_candidates or (3 * n if n else None)
    cands = cands[:cap] if cap else cands
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    with LocalSandbox(pool_size=0) as sandbox, ThreadPoolExecutor(max(1, workers)) as pool:
        futures = [pool.submit(run_candidate, c, spec, source, sandbox, image, timeout, reruns) for c in cands]
        for k, fut in enumerate(futures):
            progress("fix commits with tests", k, len(cands))
            if fut.cancelled():
                continue
            try:
                row, why = fut.result()
            except SandboxError as exc:
                row, why = None, f"sandbox error: {exc}"
            if row is not None and row["patch"] in seen:
                row, why = None, "same patch as a newer fix (cherry-picked)"
            elif row is not None and n is not None and len(rows) >= n:
                row, why = None, f"enough rows ({n})"
            if row is None:
                (dropped or _ignore)(cands[k]["sha"], why)
                continue
            seen.add(row["patch"])  # a fix cherry-picked onto another branch is one task, not two
            rows.append(row)
            if n is not None and len(rows) >= n:
                for later in futures[k + 1:]:
                    later.cancel()  # the ones not started yet; started ones finish and are dropped
        progress("fix commits with tests", len(cands), len(cands))
    if not rows:
        raise TaskgenError(f"no fix commit of {repo} up to {head[:12]} (of {len(cands)} that change source and "
                           "tests) has a test that fails before the fix and passes after it; check that its tests "
                           "run (an environment recipe: --recipes), or try --source mutation")
    return rows
