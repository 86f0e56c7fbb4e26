"""rftgym environments inside TRL's ``GRPOTrainer``: multi-turn, with tools, graded by the env's grader.

TRL (>= 1.16) runs multi-turn tool use through ``GRPOTrainer(environment_factory=...)``: one
environment instance per rollout, ``reset(**row)`` before generation, every public method a tool the
model may call (its schema read from the signature and docstring), and ``get_reward()`` after the
rollout as the reward. ``environment_factory(env_id, ...)`` builds such a class from any rftgym env:

- the methods are the env's tools, each with the env's own JSON schema turned into a typed
  signature and an ``Args:`` docstring; calls run through ``ToolEnv.step``, so validation,
  budgets, timeouts and error observations are rftgym's;
- the methods are coroutines. TRL creates the coroutines of one assistant message in order and
  gathers them; the first to run schedules a flush behind the others, so the flush sees every call of
  the message and runs them as **one** ``ToolEnv.step`` (in a worker thread, off TRL's event loop).
  The calls of a message therefore run concurrently where the tools allow (rftgym's executor), a
  turn budget counts messages, and the recorded trajectory has the turns the model produced;
- ``async_tools=False`` gives plain methods instead, one ``ToolEnv.step`` per call, for callers
  that cannot await (turn budgets then count calls);
- ``reset(task_id=..., **row)`` resets the env on that task (the dataset row from ``dataset``);
- ``get_reward()`` is the grade: the env's grader when the model submitted or a budget ran out, and
  the grader on the episode as it stands when generation stopped first (0 for F1 with no submission).
  It is ``None`` when the machinery failed (the grader crashed, its sandbox died, a tool answered
  ``INFRA_ERROR``: ``Trajectory.infra_error``). TRL (>= 1.16) reads a ``None`` reward as "not
  applicable": a rollout for which every reward is ``None`` is left out of its group's mean and std
  and gets advantage 0, instead of a 0 reward the agent did not earn.

``dataset(env_id, tasks, split)`` gives the ``datasets.Dataset`` of prompts (``[system, user]``) and
task ids. Every finished rollout is appended to ``Factory.episodes`` (task id, reward, calls,
turns, ``tool_latency_s`` (the run calls' wall time, summed) over ``tool_calls_run`` calls,
``grader_error`` (the grade carried an error, the grader's own or the machinery's) and ``infra_error``
when the reward is ``None``), so a caller can check what the trainer optimised.

What differs from rftgym's own loop: TRL, not the env, decides when a rollout ends
(``max_tool_calling_iterations``, ``max_completion_length``), and TRL runs the messages of different
rollouts of a batch one after another, so rollouts do not overlap.
"""

from __future__ import annotations

import asyncio
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


def _method(name: str, description: str, parameters: dict[str, Any], is_async: bool) -> Callable:
    """A method ``(self, **args) -> str`` whose signature and docstring say what the schema says."""
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

    if is_async:
        async def call(self, **kwargs: Any) -> str:
            return await self._queue(name, kwargs)
    else:
        def call(self, **kwargs: Any) -> str:
            return self._step([self._new_call(name, kwargs)])[0]

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
        self._calls = self._turns = 0
        self._done, self._reward, self._graded = True, None, False
        self._pending: list[tuple[dict[str, Any], asyncio.Future]] = []
        self._flushing: asyncio.Task | None = None  # held so the loop cannot drop the task mid-flight

    def reset(self, task_id: str | None = None, **row: Any) -> None:
        """Start the rollout of ``task_id`` (the dataset row's); the prompt is already in the row."""
        options = {"task_id": task_id} if task_id is not None else None
        self.env.reset(seed=0, options=options)
        self._calls, self._turns, self._done, self._reward, self._graded = 0, 0, False, None, False
        self._pending = []
        return None

    def _new_call(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        self._calls += 1
        return {"id": f"call_{self._calls}", "type": "function",
                "function": {"name": name, "arguments": json.dumps(arguments)}}

    def _step(self, calls: list[dict[str, Any]]) -> list[str]:
        """One assistant turn made of ``calls``; the tool output of each, in order."""
        if self._done:
            return ["error: the episode is over (it was submitted or a budget ran out); stop calling tools"] * len(calls)
        self._turns += 1
        obs, reward, terminated, truncated, info = self.env.step({"role": "assistant", "content": None,
                                                                  "tool_calls": calls})
        if terminated or truncated:
            self._done, self._reward, self._graded = True, float(reward), True
        replies = {}
        for m in reversed(obs):  # this turn's tool messages end the conversation
            if m.get("role") != "tool":
                break
            replies[m.get("tool_call_id")] = m["content"]
        return [replies.get(c["id"], "error: the call was not run") for c in calls]

    async def _queue(self, name: str, arguments: dict[str, Any]) -> str:
        """Join the turn being gathered; the first call of a message schedules the flush behind the rest."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._pending.append((self._new_call(name, arguments), future))
        if len(self._pending) == 1:
            self._flushing = loop.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        await asyncio.sleep(0)  # the coroutines gathered with the first call have all queued by now
        batch, self._pending = self._pending, []
        try:
            outputs = await asyncio.to_thread(self._step, [call for call, _ in batch])
        except Exception as exc:  # a server fault: every waiting call sees it, none hangs
            outputs = [f"error: {type(exc).__name__}: {exc}"] * len(batch)
        for (_, future), output in zip(batch, outputs):
            if not future.done():
                future.set_result(output)

    def get_reward(self) -> float | None:
        """The env's grade of this rollout, or ``None`` when the machinery failed (see the module docstring)."""
        env, traj = self.env, self.env.trajectory
        if not self._graded:
            grade = safe_grade(env.grader, env.task, traj, env.workspace)
            if grade.infra and traj.infra_error is None:
                traj.infra_error = f"grading failed in the machinery: {grade.error}"
            self._reward, self._graded = float(grade.score), True
            traj.grade = grade
        reward = None if traj.infra_error is not None else self._reward
        latencies = [s for t in traj.turns for s in t.call_latencies]
        record = {"task_id": env.task.id, "reward": reward, "tool_calls": self._calls, "turns": self._turns,
                  "submitted": traj.submission is not None,
                  "tool_latency_s": round(sum(latencies), 6), "tool_calls_run": len(latencies),
                  "grader_error": bool(traj.grade is not None and traj.grade.error)}
        if traj.infra_error is not None:  # the reward is None: say why
            record["infra_error"] = traj.infra_error
        with self._lock:
            self.episodes.append(record)
        return reward


def environment_factory(env_id: str, async_tools: bool = True, **env_kwargs: Any) -> type[RftgymTRLEnv]:
    """A class for ``GRPOTrainer(environment_factory=...)`` (a class is a factory: TRL calls it).

    ``async_tools``: coroutine methods whose calls of one message make one env turn (the default, for
    TRL); ``False`` for plain methods, one env turn per call."""
    probe = gym.make(env_id, **env_kwargs).unwrapped
    try:
        methods = {t.name: _method(t.name, t.description, t.parameters, async_tools) for t in probe.tools}
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
