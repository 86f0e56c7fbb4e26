"""rftgym environments inside TRL's ``GRPOTrainer``: multi-turn, with tools, graded by the env's grader.

TRL (>= 1.16) runs multi-turn tool use through ``GRPOTrainer(environment_factory=...)``: one
environment instance per rollout, ``reset(**row)`` before generation, every public method a tool the
model may call (its schema read from the signature and docstring), and ``get_reward()`` after the
rollout as the reward. ``environment_factory(env_id, ...)`` builds such a class from any rftgym env:

- the methods are the env's tools, each with the env's own JSON schema turned into a typed
  signature and an ``Args:`` docstring; a call runs through ``ToolEnv.step``, so validation,
  budgets, timeouts and error observations are rftgym's;
- ``reset(task_id=..., **row)`` resets the env on that task (the dataset row from ``dataset``);
- ``get_reward()`` is the grade: the env's grader when the model submitted or a budget ran out, and
  the grader on the episode as it stands when generation stopped first (0 for F1 with no submission).

``dataset(env_id, tasks, split)`` gives the ``datasets.Dataset`` of prompts (``[system, user]``) and
task ids. Every finished rollout is appended to ``Factory.episodes`` (task id, reward, calls), so a
caller can check what the trainer optimised.

What differs from rftgym's own loop: TRL executes the calls of one assistant message one by one, so
each call is one ``ToolEnv.step`` here (turn budgets count calls, and calls of a turn do not run
concurrently), and TRL, not the env, decides when a rollout ends (``max_tool_calling_iterations``,
``max_completion_length``).
"""

from __future__ import annotations

import inspect
import json
import threading
from typing import Any, Callable

import gymnasium as gym

from rftgym.graders import safe_grade

_TYPES = {"string": str, "integer": int, "number": float, "boolean": bool, "object": dict}


def _annotation(schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if isinstance(kind, list):  # ["string", "null"]: the first real type
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "array":
        item = _annotation(schema.get("items") or {"type": "string"})
        return list[item]
    return _TYPES.get(kind, str)


def _method(name: str, description: str, parameters: dict[str, Any]) -> Callable:
    """A function ``(self, **args) -> str`` whose signature and docstring say what the schema says."""
    props = parameters.get("properties") or {}
    required = set(parameters.get("required") or [])
    params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    annotations: dict[str, Any] = {"return": str}
    lines = [description.strip() or name, "", "Args:"]
    for pname, pschema in props.items():
        ann = _annotation(pschema)
        annotations[pname] = ann
        default = inspect.Parameter.empty if pname in required else pschema.get("default")
        params.append(inspect.Parameter(pname, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=ann))
        lines.append(f"    {pname}: {(pschema.get('description') or pname).strip()}")
    lines += ["", "Returns:", "    The tool's output."]

    def call(self, **kwargs: Any) -> str:
        return self._call(name, kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = "\n".join(lines) if props else "\n".join([lines[0], "", "Returns:", "    The tool's output."])
    call.__signature__ = inspect.Signature(params, return_annotation=str)
    call.__annotations__ = annotations
    return call


class RftgymTRLEnv:
    """Base of the classes ``environment_factory`` builds: one rftgym env, one rollout at a time."""

    env_id: str = ""
    env_kwargs: dict[str, Any] = {}
    episodes: list[dict[str, Any]] = []
    _lock = threading.Lock()

    def __init__(self) -> None:
        self.env = gym.make(self.env_id, **self.env_kwargs).unwrapped
        self._calls = 0
        self._done = True

    def reset(self, task_id: str | None = None, **row: Any) -> None:
        """Start the rollout of ``task_id`` (the dataset row's); the prompt is already in the row."""
        options = {"task_id": task_id} if task_id is not None else None
        self.env.reset(seed=0, options=options)
        self._calls, self._done, self._reward = 0, False, None
        return None

    def _call(self, name: str, arguments: dict[str, Any]) -> str:
        if self._done:
            return "error: the episode is over (it was submitted or a budget ran out); stop calling tools"
        self._calls += 1
        call = {"id": f"call_{self._calls}", "type": "function",
                "function": {"name": name, "arguments": json.dumps(arguments)}}
        obs, reward, terminated, truncated, info = self.env.step({"role": "assistant", "content": None,
                                                                  "tool_calls": [call]})
        if terminated or truncated:
            self._done, self._reward = True, float(reward)
        reply = next((m for m in reversed(obs) if m.get("role") == "tool" and m.get("tool_call_id") == call["id"]),
                     None)
        return reply["content"] if reply else "error: the call was not run"

    def get_reward(self) -> float:
        """The env's grade of this rollout (see the module docstring)."""
        env = self.env
        if self._reward is None:
            self._reward = float(safe_grade(env.grader, env.task, env.trajectory, env.workspace).score)
        with self._lock:
            self.episodes.append({"task_id": env.task.id, "reward": self._reward, "tool_calls": self._calls,
                                  "submitted": env.trajectory.submission is not None})
        return self._reward


def environment_factory(env_id: str, **env_kwargs: Any) -> type[RftgymTRLEnv]:
    """A class for ``GRPOTrainer(environment_factory=...)`` (a class is a factory: TRL calls it)."""
    probe = gym.make(env_id, **env_kwargs).unwrapped
    try:
        methods = {t.name: _method(t.name, t.description, t.parameters) for t in probe.tools}
    finally:
        probe.close()
    clash = {"reset", "get_reward"} & set(methods)
    if clash:
        raise ValueError(f"tool name(s) {', '.join(sorted(clash))} clash with TRL's environment methods; rename them")
    name = "Rftgym" + "".join(ch for ch in env_id.split("/")[-1] if ch.isalnum())
    return type(name, (RftgymTRLEnv,), {"env_id": env_id, "env_kwargs": dict(env_kwargs), "episodes": [],
                                        "__module__": __name__, **methods})


def dataset(env_id: str, tasks: Any = None, split: str = "train", **env_kwargs: Any):
    """A ``datasets.Dataset`` with ``prompt`` (the env's ``[system, user]``) and ``task_id`` per task."""
    from datasets import Dataset

    env = gym.make(env_id, tasks=tasks, split=split, **env_kwargs).unwrapped
    rows = []
    try:
        for task in env.tasks:
            spec = env.env_spec
            rows.append({"prompt": [{"role": "system", "content": spec.system_prompt},
                                    {"role": "user", "content": spec.user_template.format(prompt=task.prompt,
                                                                                          task=task)}],
                         "task_id": task.id})
    finally:
        env.close()
    return Dataset.from_list(rows)
