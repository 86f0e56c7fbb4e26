"""rftgym: Gymnasium environments for agent reinforcement fine-tuning on codebases.

``import rftgym`` registers the built-in environments with Gymnasium::

    import gymnasium, rftgym
    env = gymnasium.make("rftgym/FileLocalization-v0", split="test")
    conversation, info = env.reset(seed=0)
    conversation, reward, terminated, truncated, info = env.step(
        {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
          "function": {"name": "grep", "arguments": '{"pattern": "def total"}'}}]})
"""

from rftgym.env import EnvSpec, ToolEnv
from rftgym.tools import Tool, ToolError, tool
from rftgym.types import Grade, Task, ToolCall, ToolResult, Trajectory
from rftgym import envs as _envs  # noqa: F401  (registers the built-in environments)

__version__ = "0.1.0"

__all__ = ["EnvSpec", "ToolEnv", "Tool", "ToolError", "tool", "Grade", "Task", "ToolCall", "ToolResult",
           "Trajectory", "rollout"]


def rollout(*args, **kwargs):
    """Run episodes in parallel and return their trajectories; see ``rftgym.rollout.rollout``."""
    from rftgym.rollout import rollout as _rollout

    return _rollout(*args, **kwargs)
