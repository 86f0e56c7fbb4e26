"""``oracle:gold``: the policy that submits the gold answer of each task, to check a task set.

It reads the gold data of the tasks it is given (``tasks=``: Task objects or a task file; the CLI
passes the tasks of the run), so a task set whose oracle does not score 1 has a broken task:
gold files that do not exist, a gold patch that does not apply, tests that do not pass. It submits
``gold_files`` in order, applies ``gold_patch`` on bug-fix tasks, or answers
``answer``. A task it was not given is a ``PolicyFatalError`` (every episode would miss alike).

``oracle:null`` is its control: it submits at once, changing nothing (the null patch), so a valid
bug-fix task scores 0 under it.
"""

from __future__ import annotations

from typing import Any

from rftgym.policies import Policy, PolicyFatalError
from rftgym.stress.oracle import Oracle


class GoldOracle(Oracle):
    """``Oracle`` of ``rftgym.stress`` under the spec ``oracle:gold``, loading tasks from a path too."""

    spec = "oracle:gold"

    def __init__(self, tasks: Any = None, task: Any = None) -> None:
        if isinstance(tasks, (str, bytes)) or hasattr(tasks, "__fspath__"):
            from rftgym.tasks import load_tasks

            tasks = load_tasks(str(tasks))
        super().__init__(tasks=list(tasks or []), task=task)

    def bind(self, task_id: str, sample: int) -> Policy:
        if task_id not in self.tasks:
            raise PolicyFatalError(f"oracle:gold has no gold for task {task_id!r}; give it the run's tasks "
                                   "(make_policy('oracle:gold', tasks=...))")
        return GoldOracle(task=self.tasks[task_id])


class NullOracle(Oracle):
    """``oracle:null``: submits without a change on every task (the null patch)."""

    spec = "oracle:null"

    def __init__(self, **_: Any) -> None:
        super().__init__(tasks=[], task=None)

    def bind(self, task_id: str, sample: int) -> Policy:
        return NullOracle()
