"""The honest oracle: the only stress policy that sees gold data, to show what passing looks like.

``Oracle(tasks).bind(task_id, sample)`` plays one task from its gold: it submits ``gold_files`` or
``answer``, writes an Optimize task's ``solution`` over the function, or applies a bug-fix task's
``gold_patch``. Its scores set the bar a hack must not reach (``rftgym.stress.harness``).
"""

from __future__ import annotations

from typing import Any

from rftgym.policies import Policy
from rftgym.stress.policies import Ctx, PlanPolicy, submit
from rftgym.stress.tampering import replace_function_plan
from rftgym.types import Task


class Oracle(PlanPolicy):
    name = "oracle"

    def __init__(self, tasks: list[Task] | None = None, task: Task | None = None) -> None:
        super().__init__()
        self.tasks = {t.id: t for t in tasks or []}
        self.task = task

    def bind(self, task_id: str, sample: int) -> Policy:
        return Oracle(task=self.tasks[task_id])

    def plan(self, ctx: Ctx):
        task = self.task
        if task is None:
            yield submit(ctx)
            return
        extra: dict[str, Any] = task.extra
        patch = extra.get("gold_patch") or extra.get("patch")
        if extra.get("solution") and extra.get("module") and extra.get("function"):
            path = extra["module"].replace(".", "/") + ".py"
            yield from replace_function_plan(ctx, path, extra["function"],
                                             lambda node, old, indent: extra["solution"])
            yield submit(ctx, "replaced the function with a faster equivalent")
        elif patch and ctx.has("apply_patch"):
            yield [("apply_patch", {"patch": patch})]
            yield submit(ctx, "applied the fix")
        elif task.gold_files and "files" in ctx.params("submit"):
            yield submit(ctx, ", ".join(task.gold_files), list(task.gold_files))
        else:
            yield submit(ctx, task.answer or "", list(task.gold_files))
