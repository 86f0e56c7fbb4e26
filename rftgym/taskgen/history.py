"""Localization tasks from git history: a commit that fixes a bug, asked at its parent.

A commit qualifies when it has one parent, its message reads like a fix (fix, bug, error, crash,
wrong, incorrect, broken, regression, ...; not a typo, docs, CI, lint or test-only fix), and it
modifies 1 to 3 existing source files (test and documentation changes alongside are fine; a commit
that adds or deletes source files does not qualify). The task is pinned at the parent: the prompt is
the commit message (trailers and issue references dropped), ``gold_files`` the modified source files,
and the snapshot layer guarantees the agent never sees the fix or anything after it. Messages that
name a gold file are skipped: they would give the answer away.

Rows come newest first; ``n`` keeps the newest ``n``; the seed only picks the test split.
"""

from __future__ import annotations

import re
import subprocess
from typing import Any

from rftgym.sandbox import SandboxError
from rftgym.sandbox.repos import resolve_source
from rftgym.taskgen.common import (Progress, TaskgenError, assign_splits, is_source_file, no_progress, pin_commit,
                                   repo_name, repo_spec)
from rftgym.taskgen.prompts import commit_prompt, hidden_names, names_file

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
