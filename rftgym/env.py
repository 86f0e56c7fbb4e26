"""ToolEnv: the one Gymnasium environment class of rftgym, configured by an ``EnvSpec``.

An episode is one task: a prompt about a repository at a commit, solved by calling tools.

- ``reset(seed=None, options={"task_id": ...})`` -> ``(conversation, info)``. The conversation is
  ``[system, user]``; ``info["tools"]`` holds the OpenAI tool schemas, ``info["task_id"]`` the task.
  Without ``task_id`` the task is drawn with the env's seeded generator. The workspace is a pristine
  copy of the task's repo at its commit (reused across episodes, restored at the cost of what changed).
- ``step(action)``: ``action`` is an assistant message dict (``content``, ``tool_calls`` in the
  OpenAI chat format) or a plain string. All tool calls of the turn run (parallel-safe ones
  concurrently) and their results are appended as ``tool`` messages. Returns
  ``(conversation, reward, terminated, truncated, info)``:
  ``terminated`` when the agent submitted (or answered, for envs where text is the answer);
  ``truncated`` when a budget ran out (turns, tool calls, seconds). The reward is 0 until the end,
  then the grade's score; ``info["grade"]`` holds the score and its components.
- ``info["infra_error"]`` (in the final info, and in any step's info once set) says the machinery
  failed, not the agent: the grader crashed or its sandbox died (``Grade.infra``), or a tool answered
  ``INFRA_ERROR`` (its server or sandbox failed). Such an episode's reward is not a reward: runners
  keep it out of means and group advantages and retry it (``Trajectory.infra_error``).
- Any action, however malformed (``None``, bad JSON, unknown tools, missing ids), yields an
  observation that names the error and counts in ``info["tool_errors"]``; it never raises.
- ``step`` after the episode ended returns the final observation again with reward 0 and
  ``info["error"]``; call ``reset``.

Observations and infos are deterministic given the seed and the actions (``check_env`` verifies it),
so wall-clock timings are not in them: they live in ``env.trajectory`` (``rftgym.types.Trajectory``),
which holds the whole episode for runners and replay.
"""

from __future__ import annotations

import json
import marshal
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

import gymnasium as gym
import numpy as np
from gymnasium.utils import seeding

from rftgym.graders import Grader, safe_grade
from rftgym.sandbox import Sandbox, Workspace, make_sandbox
from rftgym.spaces import AssistantTurn, Conversation
from rftgym.tasks import load_tasks
from rftgym.tools import Tool, resolve_tools
from rftgym.tools.executor import ToolExecutor
from rftgym.types import Grade, Task, ToolCall, ToolResult, Trajectory, TurnRecord

# How long the end of an episode waits for a tool call that timed out but still runs on the workspace.
_SETTLE_S = 60.0


@dataclass
class EnvSpec:
    """What makes an environment: its tasks, tools, grader, prompt and budgets. Declarative."""

    name: str
    description: str
    task_kind: str
    tools: list[str | Tool]
    submit: Tool
    grader: Callable[[], Grader]
    system_prompt: str
    user_template: str = "{prompt}"
    max_turns: int = 20
    max_tool_calls: int = 60
    max_seconds: float = 600.0
    text_is_answer: bool = False
    version: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def env_id(self) -> str:
        return f"rftgym/{self.name}-v{self.version}"


def _error_result(call_id: str, name: str, code: str, message: str) -> ToolResult:
    return ToolResult(call_id, name, f"error: {message}", code)


class ToolEnv(gym.Env):
    """A repository, tools to work on it, and a grader. See the module docstring for the contract."""

    metadata = {"render_modes": ["ansi"], "render_fps": 1}

    def __init__(self, spec: EnvSpec, tasks: Any = None, split: str = "train", repos: list[str] | None = None,
                 sandbox: str | Sandbox = "local", tools: list[str | Tool] | None = None,
                 grader: Grader | None = None, max_turns: int | None = None, max_tool_calls: int | None = None,
                 max_seconds: float | None = None, render_mode: str | None = None,
                 image: str | None = None, sandbox_options: dict[str, Any] | None = None,
                 share_workspaces: bool | None = None) -> None:
        if not isinstance(spec, EnvSpec):
            raise TypeError(f"spec must be an EnvSpec, got {type(spec).__name__}; use gymnasium.make('rftgym/...')")
        if render_mode not in (None, "ansi"):
            raise ValueError(f"render_mode must be None or 'ansi', got {render_mode!r}")
        self.env_spec = spec
        self.render_mode = render_mode
        self.tasks: list[Task] = load_tasks(tasks, kind=spec.task_kind, split=split, repos=repos)
        self._by_id = getattr(self.tasks, "by_id", None) or {t.id: t for t in self.tasks}  # LoadedTasks: made once
        chosen = resolve_tools([t for t in (tools if tools is not None else spec.tools)
                                if not (isinstance(t, str) and t == "submit")])
        if not any(t.name == spec.submit.name for t in chosen):
            chosen.append(spec.submit)
        self.tools: list[Tool] = chosen
        self.grader = grader if grader is not None else spec.grader()
        # Episodes whose tools and grader only read share one workspace per snapshot (no copy, no
        # reset; a command moves its episode to a private copy): see SharedWorkspace. None: when
        # they do; False: never; True: also with tools that may run commands.
        grader_reads = bool(getattr(self.grader, "workspace_read_only", False))
        if share_workspaces and not grader_reads:
            raise ValueError(f"share_workspaces=True needs a grader that only reads the workspace; "
                             f"{type(self.grader).__name__} may write it (leave share_workspaces unset)")
        self.share_workspaces = grader_reads and (all(t.meta.get("read_only") for t in chosen)
                                                  if share_workspaces is None else bool(share_workspaces))
        self.max_turns = max_turns or spec.max_turns
        self.max_tool_calls = max_tool_calls or spec.max_tool_calls
        self.max_seconds = max_seconds or spec.max_seconds
        self.image = image
        self._sandbox_arg, self._sandbox_options = sandbox, dict(sandbox_options or {})
        self._sandbox: Sandbox | None = sandbox if isinstance(sandbox, Sandbox) else None
        self._owns_sandbox = not isinstance(sandbox, Sandbox)
        self._executor = ToolExecutor(self.tools)
        self._schemas = [t.schema() for t in self.tools]
        self._schemas_image = marshal.dumps(self._schemas)  # each reset decodes its own copy (cheap)
        self.observation_space = Conversation()
        self.action_space = AssistantTurn(self._schemas)
        self.workspace: Workspace | None = None
        self.task: Task | None = None
        self.trajectory: Trajectory | None = None
        self._messages: list[dict[str, Any]] = []
        self._done = False
        self._started = 0.0

    # -- gymnasium API ---------------------------------------------------------------------------
    # Seeding is lazy: ``reset(seed=s)`` records ``s`` and the generator is made from it on first use
    # (only a reset without a task id draws from it). Making one costs ~70 us of numpy per reset,
    # most episodes never draw, and a thousand in flight make it a share of a run's CPU.
    _seed_pending: int | None = None

    @property
    def np_random(self) -> np.random.Generator:
        if self._seed_pending is not None:
            self._np_random, self._np_random_seed = seeding.np_random(self._seed_pending)
            self._seed_pending = None
        return gym.Env.np_random.fget(self)

    @np_random.setter
    def np_random(self, value: np.random.Generator) -> None:
        self._seed_pending = None
        gym.Env.np_random.fset(self, value)

    @property
    def np_random_seed(self) -> int:
        return self._seed_pending if self._seed_pending is not None else gym.Env.np_random_seed.fget(self)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        if isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0:
            self._seed_pending = seed  # the generator is made when first used (np_random), not here
        else:
            super().reset(seed=seed)  # None: keep the generator; anything else: gymnasium's error
        options = options or {}
        task_id = options.get("task_id")
        if task_id is not None:
            if task_id not in self._by_id:
                raise KeyError(f"no task {task_id!r} in this env ({len(self.tasks)} tasks; see env.unwrapped.tasks)")
            self.task = self._by_id[task_id]
        else:
            self.task = self.tasks[int(self.np_random.integers(len(self.tasks)))]
        if self._sandbox is None:
            self._sandbox = make_sandbox(self._sandbox_arg, **self._sandbox_options)
        if self.workspace is not None:
            self._give_back()
        shared = {"shared": True} if self.share_workspaces and getattr(self._sandbox, "supports_shared", False) else {}
        self.workspace = self._sandbox.open(self.task.repo, self.task.commit, image=self.task.image or self.image,
                                            **shared)
        # Tools that keep state elsewhere (remote tools) key it by episode and need the task row.
        self.workspace.episode = {"trace_id": uuid.uuid4().hex, "item": self.task.item()}
        if any(t.name in ("search_code", "find_symbol") for t in self.tools):  # index builds during turn 1
            from rftgym.tools.index import prepare_in_background

            prepare_in_background(self.workspace)
        prompt = self.env_spec.user_template.format(prompt=self.task.prompt, task=self.task)
        self._messages = [{"role": "system", "content": self.env_spec.system_prompt},
                          {"role": "user", "content": prompt}]
        self.trajectory = Trajectory(task_id=self.task.id, env_id=self.env_spec.env_id,
                                     seed=-1 if seed is None else int(seed), messages=self._messages,
                                     repo_commit=self.workspace.commit)
        self._done = False
        self._started = time.monotonic()
        info = {"tools": marshal.loads(self._schemas_image), "task_id": self.task.id, "repo": self.task.repo,
                "commit": self.workspace.commit}
        return list(self._messages), info

    def step(self, action: Any):
        if self.trajectory is None:
            raise RuntimeError("call reset() before step()")
        if self._done:
            return (list(self._messages), 0.0, self.trajectory.terminated, self.trajectory.truncated,
                    {"error": "the episode is over; call reset() to start a new one"})
        turn_index = len(self.trajectory.turns)
        assistant, calls, errors = self._parse_action(action, turn_index)
        record = TurnRecord(calls=len(calls) + len(errors))
        self._messages.append(assistant)
        terminated = False
        budget_left = self.max_tool_calls - self.trajectory.tool_calls
        runnable = calls[:max(0, budget_left)]
        over = [_error_result(c.id, c.name, "BUDGET_EXHAUSTED", f"the episode's limit of {self.max_tool_calls} "
                              "tool calls is reached; this call was not run") for c in calls[len(runnable):]]
        start = time.perf_counter()
        results = self._executor.run(runnable, self.workspace) if runnable else []
        record.tool_seconds = time.perf_counter() - start
        by_id = {r.call_id: r for r in [*results, *over, *errors]}
        ordered = [by_id[cid] for cid in self._call_order(assistant)]
        for call, result in zip(runnable, results):
            tool = self._executor.tools.get(call.name)
            if tool is not None and tool.ends_episode and result.error is None and not terminated:
                self.trajectory.submission = json.loads(call.arguments or "{}")
                terminated = True
        for r in ordered:
            self._messages.append(r.to_message())
            record.call_latencies.append(r.latency_s)
            if r.error:
                record.errors += 1
                record.error_codes.append(r.error)
            if r.error == "INFRA_ERROR" and self.trajectory.infra_error is None:
                self.trajectory.infra_error = f"tool {r.name} failed in the machinery: {r.content[:500]}"
        if not assistant.get("tool_calls"):
            text = assistant.get("content") or ""
            if self.env_spec.text_is_answer and isinstance(action, (str, dict)) and text.strip():
                self.trajectory.submission = {"answer": text}
                terminated = True
            else:
                record.errors += 1
                record.error_codes.append("NO_TOOL_CALL")
                self._messages.append({"role": "user", "content": self._no_call_message(action)})
        self.trajectory.turns.append(record)
        truncated, reason = False, None
        if not terminated:
            if self.trajectory.tool_calls >= self.max_tool_calls:
                truncated, reason = True, "max_tool_calls"
            elif len(self.trajectory.turns) >= self.max_turns:
                truncated, reason = True, "max_turns"
            elif time.monotonic() - self._started > self.max_seconds:
                truncated, reason = True, "max_seconds"
        info: dict[str, Any] = {"task_id": self.task.id, "turn": len(self.trajectory.turns),
                                "tool_calls": record.calls, "tool_errors": record.errors,
                                "error_codes": list(record.error_codes)}
        reward = 0.0
        if terminated or truncated:
            reward = self._finish(terminated, truncated, reason, info)
        if self.trajectory.infra_error is not None:
            info["infra_error"] = self.trajectory.infra_error
        return list(self._messages), reward, terminated, truncated, info

    def step_is_inline(self, action: Any) -> bool:
        """Whether ``step(action)`` is short and bounded, in this process, so that an event loop may run
        it itself rather than hand it to a thread (``rftgym.rollout``: with a thousand episodes in
        flight the handoffs cost more than such steps). True when the episode still reads a shared
        workspace (no command ran in it), the grader is inline (``Grader.inline``: any step may end
        the episode), and each call of the action names a tool that runs inline (``Tool.meta["inline"]``:
        capped listings and reads, submit) or no tool of this env (an error result). A call whose
        name cannot be read is left to a thread: the step is then whatever its parsing makes of it."""
        if not (getattr(self.workspace, "shared", False) and getattr(self.grader, "inline", False)):
            return False
        raw = action.get("tool_calls") if isinstance(action, dict) else None  # text: no call runs
        for call in (raw if isinstance(raw, list) else [raw]) if raw else []:
            fn = call.get("function") if isinstance(call, dict) else None
            name = fn.get("name") if isinstance(fn, dict) else None
            if not isinstance(name, str):
                return False
            tool = self._executor.tools.get(name)
            if tool is not None and not tool.meta.get("inline"):
                return False
        return True

    def _finish(self, terminated: bool, truncated: bool, reason: str | None, info: dict[str, Any]) -> float:
        traj = self.trajectory
        traj.terminated, traj.truncated, traj.truncation_reason = terminated, truncated, reason
        traj.wall_s = time.monotonic() - self._started
        if self._executor.settle(self.workspace, _SETTLE_S):
            grade = safe_grade(self.grader, self.task, traj, self.workspace)
        else:  # a timed-out tool still writes the workspace: grading it now would grade a moving target
            grade = Grade(0.0, {}, f"a tool call that timed out was still running {_SETTLE_S:.0f} s after the "
                          "episode ended; the workspace was not graded", infra=True)
        traj.grade, traj.reward = grade, float(grade.score)
        if grade.infra and traj.infra_error is None:
            traj.infra_error = f"grading failed in the machinery: {grade.error}"
        self._done = True
        info.update({"grade": grade.to_dict(), "submission": json.loads(json.dumps(traj.submission)),
                     "truncation_reason": reason, "episode_tool_calls": traj.tool_calls,
                     "episode_turns": len(traj.turns), "episode_tool_errors": traj.tool_errors})
        return float(grade.score)

    # -- action parsing --------------------------------------------------------------------------
    def _parse_action(self, action: Any, turn: int) -> tuple[dict[str, Any], list[ToolCall], list[ToolResult]]:
        """Normalise any action into an assistant message, the calls to run, and the calls refused."""
        if isinstance(action, str):
            return {"role": "assistant", "content": action}, [], []
        if not isinstance(action, dict):
            return {"role": "assistant", "content": None if action is None else str(action)[:2000]}, [], []
        content = action.get("content")
        if content is not None and not isinstance(content, str):
            content = json.dumps(content) if isinstance(content, (list, dict)) else str(content)
        raw_calls = action.get("tool_calls") or []
        calls: list[ToolCall] = []
        errors: list[ToolResult] = []
        message_calls: list[dict[str, Any]] = []
        if not isinstance(raw_calls, list):
            raw_calls = [raw_calls]
        # Every recorded id is unique in the whole conversation: the next request to an OpenAI-format
        # endpoint is rejected when two tool messages answer the same id, and a result would be lost.
        seen: set[str] = {c.get("id") for m in self._messages for c in (m.get("tool_calls") or [])
                          if isinstance(c, dict)}

        def fresh(base: str) -> str:
            cid, n = base, 1
            while cid in seen:
                cid, n = f"{base}_{n}", n + 1
            return cid

        for k, raw in enumerate(raw_calls):
            cid = raw.get("id") if isinstance(raw, dict) else None
            problem = None
            if not isinstance(cid, str) or not cid:
                cid, problem = fresh(f"call_{turn}_{k}"), "the tool call has no id; give every tool call a unique id"
            elif cid in seen:
                cid = fresh(cid)
                problem = (f"duplicate tool call id {raw.get('id')!r} (recorded as {cid!r}); ids must be unique "
                           "in the conversation")
            seen.add(cid)
            fn = raw.get("function") if isinstance(raw, dict) else None
            name = fn.get("name") if isinstance(fn, dict) else None
            args = fn.get("arguments", "{}") if isinstance(fn, dict) else "{}"
            if isinstance(args, (dict, list)):
                args = json.dumps(args)
            elif args is None:
                args = "{}"
            elif not isinstance(args, str):
                args = str(args)
            if problem is None and (not isinstance(fn, dict) or not isinstance(name, str) or not name):
                problem = ('malformed tool call; expected {"id": ..., "type": "function", "function": '
                           '{"name": ..., "arguments": "<JSON object>"}}')
            name = name if isinstance(name, str) else "invalid"
            message_calls.append({"id": cid, "type": "function", "function": {"name": name, "arguments": args}})
            if problem:
                errors.append(_error_result(cid, name, "MALFORMED_CALL", problem))
            else:
                calls.append(ToolCall(cid, name, args))
        msg: dict[str, Any] = {"role": "assistant", "content": content}
        if message_calls:
            msg["tool_calls"] = message_calls
        return msg, calls, errors

    @staticmethod
    def _call_order(assistant: dict[str, Any]) -> list[str]:
        return [c["id"] for c in assistant.get("tool_calls") or []]

    def _no_call_message(self, action: Any) -> str:
        what = "an empty action" if action is None or action == "" else (
            "plain text" if isinstance(action, str) or isinstance(action, dict) else f"a {type(action).__name__}")
        return (f"[rftgym] error: the last turn was {what} with no tool calls. Call a tool in the OpenAI "
                f"tool-call format, or call {self.env_spec.submit.name} to finish.")

    # -- the rest --------------------------------------------------------------------------------
    def render(self) -> str | None:
        if self.render_mode != "ansi":
            return None
        lines = []
        for m in self._messages:
            body = m.get("content") or ""
            for c in m.get("tool_calls") or []:
                body += f"\n  -> {c['function']['name']}({c['function']['arguments']})"
            lines.append(f"[{m['role']}] {body}")
        return "\n".join(lines)

    def _give_back(self) -> None:
        """Return the workspace to the pool once no timed-out call still runs on it; a workspace that
        stays held is closed instead, so that no later episode gets it."""
        ws, self.workspace = self.workspace, None
        if self._executor.settle(ws, _SETTLE_S):
            self._sandbox.release(ws)
        else:
            ws.close()

    def close(self) -> None:
        if self.workspace is not None and self._sandbox is not None:
            self._give_back()
        if self._sandbox is not None and self._owns_sandbox:
            self._sandbox.close()
            self._sandbox = None
        self._executor.close()
        super().close()
