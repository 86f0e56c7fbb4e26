"""Task sets: built-in ones under ``repos/<name>/tasks/<kind>.jsonl``, or any JSONL file of task rows.

A row needs ``id``, ``prompt``, ``repo``, ``commit`` (see ``rftgym.types.Task``). Built-in rows name a
built-in repo and its materialised commit; a user's rows may name a local repository path (relative
paths are taken from the task file's folder) or a git URL.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable

from rftgym.sandbox.derived import register_tasks
from rftgym.sandbox.confine import hide
from rftgym.sandbox.repos import builtin_repo_names, builtin_repos_dir
from rftgym.types import Task, TaskError

SPLITS = ("train", "test", "all")


def read_jsonl(path: str | Path) -> list[Task]:
    """Tasks from a JSONL file; errors name the file and line."""
    path = Path(path)
    if not path.is_file():
        raise TaskError(f"task file {path} does not exist; pass a JSONL file with one task per line")
    tasks, seen = [], set()
    hide(path)  # the file holds gold data: no command an agent runs may read it
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise TaskError(f"{path}:{n}: not valid JSON ({exc.msg}); each line must be one JSON object") from None
            task = Task.from_dict(row, where=f"{path}:{n}")
            if task.id in seen:
                raise TaskError(f"{path}:{n}: duplicate task id {task.id!r}; ids must be unique")
            seen.add(task.id)
            if task.repo not in builtin_repo_names() and "://" not in task.repo and "@" not in task.repo:
                repo_path = Path(task.repo).expanduser()
                if not repo_path.is_absolute():
                    task.repo = str((path.parent / repo_path).resolve())
            tasks.append(task)
    return tasks


def builtin_tasks(kind: str, repos: Iterable[str] | None = None) -> list[Task]:
    """All built-in tasks of one kind (``localization``, ``bugfix``, ``qa``...), sorted by id."""
    names = list(repos) if repos else builtin_repo_names()
    unknown = [r for r in names if r not in builtin_repo_names()]
    if unknown:
        raise TaskError(f"unknown built-in repo(s) {unknown}; choose from {builtin_repo_names()}")
    tasks: list[Task] = []
    for name in names:
        path = builtin_repos_dir() / name / "tasks" / f"{kind}.jsonl"
        if path.is_file():
            tasks.extend(read_jsonl(path))
    return sorted(tasks, key=lambda t: t.id)


def load_tasks(source: Any = None, *, kind: str = "localization", split: str = "all",
               repos: Iterable[str] | None = None) -> list[Task]:
    """Tasks from ``source`` (None: built-in; a path; a list of Task or dict rows), filtered by split."""
    if split not in SPLITS:
        raise TaskError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    if source is None:
        tasks = builtin_tasks(kind, repos)
        if not tasks:
            raise TaskError(f"no built-in {kind} tasks found under {builtin_repos_dir()}")
    elif isinstance(source, (str, os.PathLike)):
        tasks = read_jsonl(source)
    else:
        tasks = [t if isinstance(t, Task) else Task.from_dict(t, where=f"tasks[{i}]") for i, t in enumerate(source)]
        ids = [t.id for t in tasks]
        if len(ids) != len(set(ids)):
            raise TaskError("duplicate task ids in the task list; ids must be unique")
    register_tasks(tasks)  # rows with a bug_patch name a commit built on first use (sandbox/derived.py)
    if split != "all":
        tasks = [t for t in tasks if t.split == split]
        if not tasks:
            raise TaskError(f"no tasks in split {split!r}; use --split all, or set each row's \"split\"")
    return tasks
