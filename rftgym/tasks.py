"""Task sets: built-in ones under ``repos/<name>/tasks/<kind>.jsonl``, or any JSONL file of task rows.

A row needs ``id``, ``prompt``, ``repo``, ``commit`` (see ``rftgym.types.Task``). Built-in rows name a
built-in repo and its materialised commit; a user's rows may name a local repository path (relative
paths are taken from the task file's folder), a git URL or ``owner/name`` (resolved through
``RFTGYM_REPO_MIRRORS`` or ``RFTGYM_REPO_URL_TEMPLATE``, see ``rftgym.sandbox.repos``). Files in
the field's formats (SWE-bench, SWE-smith, R2E-Gym, Multi-SWE-bench, Loc-Bench, Harbor folders) are
detected and converted (``rftgym.taskformats``); ``task_format`` names the format instead.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Iterable

from rftgym.sandbox.derived import register_tasks
from rftgym.sandbox.confine import hide
from rftgym.sandbox.repos import builtin_repo_names, builtin_repos_dir
from rftgym.types import Task, TaskError

SPLITS = ("train", "test", "all")
_OWNER_NAME = re.compile(r"^[\w.-]+/[\w.-]+$")  # a hosted repo's name, unless such a folder exists


def _rows(path: Path, task_format: str | None, kind: str) -> Iterable[tuple[int, Any]]:
    """(line, row) of a task file: rftgym JSONL as is, other formats converted to rftgym rows."""
    from rftgym import taskformats

    if (task_format not in (None, "rftgym")) or taskformats.is_foreign(path):
        yield from enumerate(taskformats.load(path, task_format, kind), 1)
        return
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield n, json.loads(line)
            except json.JSONDecodeError as exc:
                raise TaskError(f"{path}:{n}: not valid JSON ({exc.msg}); each line must be one JSON object") from None


def read_jsonl(path: str | Path, task_format: str | None = None, kind: str = "localization") -> list[Task]:
    """Tasks from a JSONL file (or a file or folder in another format, see the module docstring);
    errors name the file and line."""
    path = Path(path)
    if not path.is_file() and not (path.is_dir() and task_format in (None, "harbor")):
        raise TaskError(f"task file {path} does not exist; pass a JSONL file with one task per line")
    tasks, seen = [], set()
    hide(path)  # the file holds gold data: no command an agent runs may read it
    for n, row in _rows(path, task_format, kind):
        task = Task.from_dict(row, where=f"{path}:{n}")
        if task.id in seen:
            raise TaskError(f"{path}:{n}: duplicate task id {task.id!r}; ids must be unique")
        seen.add(task.id)
        if task.repo not in builtin_repo_names() and "://" not in task.repo and "@" not in task.repo:
            repo_path = Path(task.repo).expanduser()
            base = path if path.is_dir() else path.parent
            if not repo_path.is_absolute() and (_OWNER_NAME.match(task.repo) is None
                                                or (base / repo_path).exists()):
                task.repo = str((base / repo_path).resolve())
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


class LoadedTasks(list):
    """A ``load_tasks`` result frozen for a runner to hand to each of its envs (a thousand slots):
    ``load_tasks(..., split="all")`` returns it as it is, and ``by_id`` is built once for all of
    them. Made with ``LoadedTasks.of(tasks)``; not to be changed afterwards."""

    by_id: dict[str, Task]

    @classmethod
    def of(cls, tasks: list[Task]) -> "LoadedTasks":
        out = cls(tasks)
        out.by_id = {t.id: t for t in out}
        return out


def load_tasks(source: Any = None, *, kind: str = "localization", split: str = "all",
               repos: Iterable[str] | None = None, task_format: str | None = None) -> list[Task]:
    """Tasks from ``source`` (None: built-in; a path; a list of Task or dict rows), filtered by split.
    ``task_format`` (a path source only): the file's format, None to detect it (``rftgym.taskformats``)."""
    if split not in SPLITS:
        raise TaskError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    if isinstance(source, LoadedTasks) and split == "all" and repos is None:
        return source  # loaded, registered and given their recipes already
    if source is None:
        tasks = builtin_tasks(kind, repos)
        if not tasks:
            raise TaskError(f"no built-in {kind} tasks found under {builtin_repos_dir()}")
    elif isinstance(source, (str, os.PathLike)):
        tasks = read_jsonl(source, task_format, kind)
    else:
        tasks = [t if isinstance(t, Task) else Task.from_dict(t, where=f"tasks[{i}]") for i, t in enumerate(source)]
        ids = [t.id for t in tasks]
        if len(ids) != len(set(ids)):
            raise TaskError("duplicate task ids in the task list; ids must be unique")
    register_tasks(tasks)  # rows with a bug_patch name a commit built on first use (sandbox/derived.py)
    from rftgym.sandbox.recipes import apply as apply_recipes

    apply_recipes(tasks, source if isinstance(source, (str, os.PathLike)) else None)  # environments (recipes.py)
    if split != "all":
        tasks = [t for t in tasks if t.split == split]
        if not tasks:
            raise TaskError(f"no tasks in split {split!r}; use --split all, or set each row's \"split\"")
    return tasks
