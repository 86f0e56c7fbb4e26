"""Efficiency components: tool calls and turns over a budget, as penalties in [0, 1].

``tool_calls_over_budget`` scores ``min(1, max(0, calls - budget) / budget)``: 0 within the budget,
1 at twice the budget or more; ``turns_over_budget`` the same for assistant turns. They are meant
for ``multi`` formulas, e.g. ``"f1 - 0.2 * calls"`` with
``"calls": {"type": "rftgym", "name": "tool_calls_over_budget", "options": {"budget": 12}}``.
The raw counts are in the components.
"""

from __future__ import annotations

from typing import Any

from rftgym.graders import Grader
from rftgym.types import Grade, Task, Trajectory


def over_budget(used: int, budget: int) -> float:
    return min(1.0, max(0, used - budget) / budget)


class ToolCallsOverBudget(Grader):
    name = "tool_calls_over_budget"

    def __init__(self, budget: int = 20) -> None:
        if not isinstance(budget, int) or budget < 1:
            raise ValueError(f"budget must be a positive integer, got {budget!r}")
        self.budget = budget

    def config(self) -> dict[str, Any]:
        return {"type": self.name, "budget": self.budget}

    def grade(self, task: Task, trajectory: Trajectory, workspace: Any) -> Grade:
        calls = trajectory.tool_calls
        return Grade(over_budget(calls, self.budget), {"tool_calls": float(calls)})


class TurnsOverBudget(ToolCallsOverBudget):
    name = "turns_over_budget"

    def __init__(self, budget: int = 8) -> None:
        super().__init__(budget)

    def grade(self, task: Task, trajectory: Trajectory, workspace: Any) -> Grade:
        turns = len(trajectory.turns)
        return Grade(over_budget(turns, self.budget), {"turns": float(turns)})
