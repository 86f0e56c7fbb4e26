"""Check task rows against their repository: the checks ``rftgym tasks validate FILE`` runs.

- Every task: its commit can be checked out (bug commits are rebuilt from ``bug_patch``), and its
  ``gold_files`` exist there.
- Bug-fix tasks (rows with ``fail_to_pass``): with no change ``TestsPass`` scores 0 and some
  ``fail_to_pass`` test fails; with ``gold_patch`` applied it scores 1. When it does not because
  the tests cannot import a module, the problem names the modules and the environment recipe to add.

``validate(tasks, workers=)`` returns ``{task id: [problems]}`` (an empty list: the task is valid).
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterable

from rftgym.graders.tests import TestsPass, git_apply
from rftgym.sandbox import SandboxError
from rftgym.sandbox.derived import register_tasks
from rftgym.sandbox.local import LocalSandbox
from rftgym.taskgen.common import Progress, no_progress
from rftgym.types import Task


def validate_task(task: Task, sandbox: LocalSandbox, *, timeout: float = 300.0, gold: bool = True,
                  empty: bool = True) -> list[str]:
    """The problems of one task (see the module docstring); [] when it is valid."""
    register_tasks([task])
    try:
        ws = sandbox.open(task.repo, task.commit, image=task.image)
    except SandboxError as exc:
        return [f"cannot check out {task.repo} at {task.commit[:12]}: {exc}"]
    problems: list[str] = []
    try:
        files = set(ws.files())
        missing = [f for f in task.gold_files if f not in files]
        if missing:
            problems.append(f"gold files missing at the commit: {', '.join(missing)}")
        if not task.fail_to_pass:
            return problems
        grader = TestsPass(timeout=timeout)
        if empty:
            grade = grader.grade(task, None, ws)
            if grade.score != 0.0 or grade.components.get("fail_to_pass") == 1.0:
                problems.append(f"without a fix the task already scores {grade.score} "
                                f"(fail_to_pass {grade.components.get('fail_to_pass')})")
        patch = task.extra.get("gold_patch") or ""
        if gold and patch:
            failed = git_apply(ws, patch)
            if failed:
                problems.append(f"gold_patch does not apply: {failed}")
            else:
                grade = grader.grade(task, None, ws)
                if grade.score != 1.0:
                    problems.append(f"gold_patch scores {grade.score}, not 1 ({grade.components}; {grade.error})"
                                    + missing_modules_hint(task, ws, timeout))
    finally:
        sandbox.release(ws)
    return problems


_NO_MODULE = re.compile(r"ModuleNotFoundError: No module named '([\w.]+)'")


def missing_modules_hint(task: Task, ws: Any, timeout: float) -> str:
    """When the task's tests cannot import a module in ``ws``: a sentence naming the modules, the repo
    and the recipe to add (the environment is missing, not the fix); else ''."""
    if task.test_patch.strip() and git_apply(ws, task.test_patch):
        return ""
    files = sorted({t.split("::", 1)[0] for t in task.fail_to_pass})
    python = getattr(ws, "python", None) or "python"
    res = ws.exec([python, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *files],
                  timeout=min(timeout, 120.0))
    missing = sorted(set(_NO_MODULE.findall(res.combined())))
    if not missing:
        return ""
    return (f"; its tests cannot import {', '.join(missing)}: repo {task.repo} needs an environment recipe with "
            f'them: add {{"repo": "{task.repo}", "pip": {json.dumps(missing)}}} to the recipes file beside the '
            "task file (<tasks>.recipes.json, see rftgym.sandbox.recipes)")


def validate(tasks: Iterable[Task], *, workers: int = 2, timeout: float = 300.0, gold: bool = True,
             empty: bool = True, progress: Progress = no_progress) -> dict[str, list[str]]:
    """``{task id: problems}`` for every task, checked ``workers`` at a time."""
    tasks = list(tasks)
    results: dict[str, list[str]] = {}
    with LocalSandbox(pool_size=0) as sandbox, ThreadPoolExecutor(max(1, workers)) as pool:
        futures = [(t.id, pool.submit(validate_task, t, sandbox, timeout=timeout, gold=gold, empty=empty))
                   for t in tasks]
        for done, (task_id, fut) in enumerate(futures, 1):
            try:
                results[task_id] = fut.result()
            except Exception as exc:  # one broken row must not hide the others' results
                results[task_id] = [f"validation crashed: {type(exc).__name__}: {exc}"]
            progress("validating", done, len(tasks))
    return results


def summary(results: dict[str, Any]) -> tuple[int, int]:
    """(valid, invalid) counts."""
    bad = sum(1 for p in results.values() if p)
    return len(results) - bad, bad
