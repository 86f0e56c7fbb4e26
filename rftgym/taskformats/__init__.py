"""Task formats of the field, read as rftgym task rows.

``load(path, fmt=None, kind="localization")`` reads a JSONL/JSON file (or a Harbor task folder) in
any known format and returns rftgym rows (dicts ``rftgym.types.Task.from_dict`` takes). ``fmt`` is
a name from ``FORMATS`` or None to ``detect`` it from the first row. Formats:

- ``rftgym``: rftgym's own rows, unchanged.
- ``swebench``: SWE-bench / Verified / SWE-Gym / Loc-Bench (``swebench.py``).
- ``swesmith``, ``r2egym``, ``multiswebench``: their modules; ``harbor``: Harbor task folders.

Kinds: ``bugfix`` keeps the whole row (tests, gold patch, image); ``localization`` is the same task
graded on the files the gold patch changes (rows whose patch changes no non-test file are left
out); ``funcloc`` adds ``gold_functions`` (``path.py:Class.func``): the row's ``edit_functions``,
else the functions the patch hunks change in the pre-patch files (parsed with ``ast``; this reads
the repository, so its ``repo`` must resolve, see ``rftgym.sandbox.repos.resolve_source``).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Iterable

from rftgym.taskformats import harbor, multiswebench, r2egym, swebench, swesmith
from rftgym.taskformats.common import patch_functions
from rftgym.types import TaskError

ROW_FORMATS = {m.NAME: m for m in (swesmith, multiswebench, r2egym, swebench)}  # detection order
FORMATS = ("rftgym", *ROW_FORMATS, harbor.NAME)
KINDS = ("localization", "bugfix", "funcloc")


def detect(row: dict[str, Any]) -> str:
    """The format name of one row; a ``TaskError`` naming the keys seen when none fits."""
    if not isinstance(row, dict):
        raise TaskError(f"a task row must be a JSON object, got {type(row).__name__}")
    if all(k in row for k in ("id", "prompt", "repo", "commit")):
        return "rftgym"
    for name, module in ROW_FORMATS.items():
        if module.matches(row):
            return name
    raise TaskError(f"unknown task format (keys: {', '.join(sorted(row)[:12])}); pass --task-format with one "
                    f"of {', '.join(FORMATS)}, or write rftgym rows (id, prompt, repo, commit)")


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSONL file, or of a JSON file holding a list; errors name the file and line."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json" or text.lstrip().startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TaskError(f"{path}: not valid JSON ({exc.msg})") from None
        return data if isinstance(data, list) else [data]
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise TaskError(f"{path}:{n}: not valid JSON ({exc.msg}); each line must be one JSON object") from None
    return rows


def is_foreign(path: str | Path) -> bool:
    """Whether ``path`` holds tasks in a format other than rftgym's (or is a Harbor folder)."""
    path = Path(path)
    if path.is_dir():
        return bool(harbor.task_dirs(path))
    try:
        with open(path, encoding="utf-8") as fh:
            first = fh.readline()
        row = json.loads(first) if first.strip() and not first.lstrip().startswith("[") else None
    except (OSError, json.JSONDecodeError):
        return False
    if row is None:
        return path.suffix == ".json"
    try:
        return detect(row) != "rftgym"
    except TaskError:
        return False


def convert(rows: Iterable[dict[str, Any]], fmt: str | None = None, kind: str = "localization",
            where: str = "tasks", base: Path | None = None) -> list[dict[str, Any]]:
    """rftgym rows of ``kind`` from rows of format ``fmt`` (None: detected per row)."""
    if kind not in KINDS:
        raise TaskError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if fmt is not None and fmt not in FORMATS:
        raise TaskError(f"unknown task format {fmt!r}; choose from {', '.join(FORMATS)}")
    out = []
    for n, row in enumerate(rows, 1):
        at = f"{where}:{n}"
        name = fmt or detect(row)
        if name == "rftgym":
            task = dict(row)
        elif name == harbor.NAME:
            raise TaskError(f"{at}: harbor tasks are folders; pass the folder, not a row")
        else:
            task = ROW_FORMATS[name].to_row(row, at)
        if not task.get("commit"):
            raise TaskError(f"{at}: the {name} row names no base commit")
        task = _as_kind(task, kind, at, base)
        if task is not None:
            out.append(task)
    return out


def load(path: str | Path, fmt: str | None = None, kind: str = "localization") -> list[dict[str, Any]]:
    """rftgym rows from a task file or Harbor folder in any known format (see the module docstring)."""
    path = Path(path)
    if path.is_dir():
        if fmt not in (None, harbor.NAME) or not harbor.task_dirs(path):
            raise TaskError(f"{path} is a folder but holds no Harbor task (task.toml + instruction.md)")
        return [_as_kind(harbor.to_row(d), kind, str(d), None) for d in harbor.task_dirs(path)]
    if not path.is_file():
        raise TaskError(f"task file {path} does not exist")
    return convert(read_rows(path), fmt, kind, where=str(path), base=path.parent)


def _as_kind(task: dict[str, Any], kind: str, where: str, base: Path | None) -> dict[str, Any] | None:
    if kind == "bugfix" or task.get("source_format") in (None, harbor.NAME):
        return task
    if not task.get("gold_files"):
        return None  # a patch that changes only tests locates nothing
    if kind == "funcloc" and not task.get("gold_functions"):
        patch = task.get("gold_patch") or ""
        task["gold_functions"] = patch_functions(patch, _reader(task["repo"], task["commit"], where, base))
    return task


def _reader(repo: str, commit: str, where: str, base: Path | None):
    """``read_old(path)`` for ``patch_functions``: the file at ``commit`` of ``repo``."""
    from rftgym.sandbox import SandboxError
    from rftgym.sandbox.repos import resolve_source

    candidate = (base / repo) if base is not None and not Path(repo).is_absolute() else Path(repo)
    try:
        _, source = resolve_source(str(candidate) if candidate.is_dir() else repo)
    except SandboxError as exc:
        raise TaskError(f"{where}: function-level gold needs the repository: {exc}") from None

    def read_old(rel: str) -> str | None:
        out = subprocess.run(["git", "-C", str(source), "show", f"{commit}:{rel}"], capture_output=True)
        return out.stdout.decode("utf-8", errors="replace") if out.returncode == 0 else None

    return read_old
