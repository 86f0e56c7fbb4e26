"""The random policy: samples the action space built from the tools it is given."""

from __future__ import annotations

from typing import Any

import numpy as np

from rftgym.policies import Message, Policy
from rftgym.spaces import AssistantTurn


class RandomPolicy(Policy):
    """Valid but aimless tool calls (1 to ``max_calls`` a turn); a floor for any grader."""

    def __init__(self, max_calls: int = 3) -> None:
        self.max_calls = max_calls
        self.spec = "random"

    def act(self, conversation: list[Message], tools: list[dict[str, Any]], rng: np.random.Generator) -> Message:
        space = AssistantTurn(tools, max_calls=self.max_calls, seed=int(rng.integers(1 << 31)))
        return space.sample()
