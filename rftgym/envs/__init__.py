"""Built-in environments: one declarative ``EnvSpec`` each, registered with Gymnasium under ``rftgym/``.

``gymnasium.make("rftgym/<Name>-v0", **kwargs)`` builds a ``rftgym.env.ToolEnv`` from the spec; the
keyword arguments are those of ``ToolEnv`` (``tasks``, ``split``, ``repos``, ``sandbox``, ``tools``,
``grader``, ``max_turns``, ``max_tool_calls``, ``max_seconds``).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from rftgym.env import EnvSpec, ToolEnv
from rftgym.envs.localization import FILE_LOCALIZATION
from rftgym.envs.bugfix import BUG_FIX
from rftgym.envs.codeqa import CODE_QA
from rftgym.envs.optimize import OPTIMIZE

SPECS: dict[str, EnvSpec] = {}


def register(spec: EnvSpec) -> None:
    """Add a spec to rftgym's list and to Gymnasium's registry (as ``spec.env_id``)."""
    SPECS[spec.env_id] = spec
    if spec.env_id not in gym.registry:
        gym.register(id=spec.env_id, entry_point="rftgym.envs:make_env", kwargs={"env_id": spec.env_id})


def make_env(env_id: str, **kwargs: Any) -> ToolEnv:
    """Gymnasium's entry point: the ToolEnv for a registered spec."""
    return ToolEnv(get_spec(env_id), **kwargs)


def get_spec(env_id: str) -> EnvSpec:
    if env_id not in SPECS and f"rftgym/{env_id}" in SPECS:
        env_id = f"rftgym/{env_id}"
    if env_id not in SPECS:
        raise KeyError(f"no rftgym environment {env_id!r}; available: {', '.join(sorted(SPECS))}")
    return SPECS[env_id]


register(FILE_LOCALIZATION)
register(BUG_FIX)
register(CODE_QA)
register(OPTIMIZE)
