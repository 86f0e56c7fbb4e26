"""What every task generator shares: naming a repo, pinning its commit, splits, and writing rows.

Generators return task rows (plain dicts, keys in a fixed order) so that the same repository, commit
and seed give a byte-identical file: ``write_jsonl`` writes them with a fixed JSON encoding.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
from pathlib import Path
from typing import Any, Callable

from rftgym.sandbox import SandboxError
from rftgym.sandbox.repos import builtin_commit, builtin_repo_names, resolve_source
from rftgym.testrun import is_test_file

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: called as work advances (the CLI draws a bar from it)."""

TEST_FRACTION = 0.3
_SKIP_DIRS = {"docs", "doc", "examples", "example", "scripts", "benchmarks", "build", "dist", ".git"}


class TaskgenError(RuntimeError):
    """Tasks cannot be generated from this repository; the message says why and what to do."""


def no_progress(stage: str, done: int, total: int) -> None:
    return None


def repo_spec(repo: str) -> str:
    """The ``repo`` field a task row gets: a built-in name or URL as given, a local path made absolute."""
    if repo in builtin_repo_names() or "://" in repo or re.match(r"^[\w.-]+@[\w.-]+:", repo):
        return repo
    return str(Path(repo).expanduser().resolve())


def repo_name(repo: str) -> str:
    """A short name for task ids: the built-in name, or the last part of a path or URL."""
    name = repo.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    name = name[:-4] if name.endswith(".git") else name
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name) or "repo"


def pin_commit(repo: str, commit: str | None) -> str:
    """The full SHA tasks are generated at: ``commit`` if given, else the repo's current HEAD."""
    try:
        if commit is None and repo in builtin_repo_names():
            return builtin_commit(repo)
        _, source = resolve_source(repo)
    except SandboxError as exc:
        raise TaskgenError(str(exc)) from None
    ref = commit or "HEAD"
    out = subprocess.run(["git", "-C", str(source), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise TaskgenError(f"commit {ref!r} not found in {repo}; pass --commit with a commit of that repository")
    return out.stdout.strip()


def is_source_file(path: str, exts: tuple[str, ...] = (".py",)) -> bool:
    """Library code: a code file that is not a test, not test configuration, not docs or examples."""
    parts = path.split("/")
    if not path.endswith(exts) or is_test_file(path) or any(p in _SKIP_DIRS for p in parts[:-1]):
        return False
    return parts[-1] not in ("setup.py", "conftest.py", "noxfile.py", "fabfile.py") and not parts[-1].startswith(".")


def assign_splits(rows: list[dict[str, Any]], seed: int, test_fraction: float = TEST_FRACTION) -> None:
    """Mark a seeded ``round(test_fraction * n)`` of the rows ``split: test``, the rest ``train``."""
    k = round(test_fraction * len(rows))
    test = set(random.Random(f"split/{seed}").sample(range(len(rows)), k)) if rows else set()
    for i, row in enumerate(rows):
        row["split"] = "test" if i in test else "train"


def write_jsonl(rows: list[dict[str, Any]], path: str | Path) -> Path:
    """One JSON object per line, UTF-8, keys in the order the generator built them."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    tmp.replace(path)
    return path
