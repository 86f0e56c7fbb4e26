"""Replay a run: re-execute every recorded action in a fresh environment and check what comes back.

``replay_run(run_dir)`` rebuilds the run's environment from its folder (``manifest.json`` for the env
id and env kwargs, ``tasks.jsonl`` for the tasks), and for each recorded episode resets a fresh env
on the same task with the same seed, feeds each recorded assistant message to ``env.step`` and
compares, in order:

- the observation after the reset and after every step with the recorded messages (tool outputs
  included: tools are deterministic, so any difference is a changed repo, tool, env or a tampered file);
- at the end: termination, truncation, the submission, the reward and the grade's components.

Which rewards replay bit-exact (``Grader.replays_exactly``): file-set F1 (FileLocalization),
tests passing (BugFix; given a test suite that is itself deterministic), answer match (CodeQA), the
budget graders, ``string_check``, ``text_similarity`` and ``python`` graders (given deterministic
source), and ``multi`` of these. Not bit-exact: Optimize's ``equivalence_speedup`` (its speedup, and so
its reward, is timed on the machine that replays; only its ``equivalent`` and ``checks_passed``
components, seeded by the episode, are compared), ``score_model`` judges and remote ``endpoint``
graders (their reward and components are not compared at all). Such an episode is reported with
``reward_checked=False``; its observations, termination and submission are still compared. An episode
recorded with ``infra_error`` (the machinery failed) has no reward to reproduce either.

The first difference of an episode is reported with a readable diff, and the episode stops there
(everything after it would differ too). Episodes recorded with an error (a crashed policy, a dead
worker) are replayed as far as they went; their reward is not checked.

Graders: the env's own grader is rebuilt from its spec. A run made with a custom grader object
(``env_kwargs={"grader": g}``) replays with ``replay_run(run, env_kwargs={"grader": g})``; a grader
whose config hash differs from the manifest's is reported as a run-level problem (rewards cannot match).
"""

from __future__ import annotations

import ast
import difflib
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym

import rftgym.envs as _envs
from rftgym.rollout.store import load_run
from rftgym.tasks import read_jsonl
from rftgym.types import Trajectory

# Env kwargs that describe the run rather than the environment (or cannot be rebuilt from JSON).
_NOT_ENV_KWARGS = ("grader", "tasks", "repos")
_DUPLICATE_ID = re.compile(r"duplicate tool call id (.+?)(?: \(recorded as .+\))?; ids must be unique")


@dataclass
class EpisodeCheck:
    """The replay of one episode: ``ok`` when everything matched, else ``where`` and ``diff`` of the
    first difference."""

    task_id: str
    sample: int
    ok: bool
    steps: int = 0
    where: str = ""
    diff: str = ""
    recorded_error: bool = False
    reward_checked: bool = True  # False: the grader does not replay exactly (see the module docstring)


@dataclass
class ReplayReport:
    run: str
    episodes: list[EpisodeCheck] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # run-level: missing tasks, another grader

    @property
    def mismatches(self) -> list[EpisodeCheck]:
        return [e for e in self.episodes if not e.ok]

    @property
    def ok(self) -> bool:
        return not self.problems and not self.mismatches

    @property
    def rewards_unchecked(self) -> int:
        """Episodes whose reward was not compared: a grader that does not replay exactly, or infra."""
        return sum(1 for e in self.episodes if not e.reward_checked)


def replay_run(run_dir: str | Path, *, workers: int = 2, env_kwargs: dict[str, Any] | None = None,
               limit: int | None = None) -> ReplayReport:
    """Re-execute every episode of ``run_dir`` and compare; see the module docstring."""
    run = Path(run_dir)
    manifest, trajs, _ = load_run(run)
    report = ReplayReport(str(run))
    env_id = manifest.get("env_id") or (trajs[0].env_id if trajs else None)
    if not env_id:
        raise ValueError(f"{run} has no manifest.json with an env_id and no episodes; nothing to replay")
    if not (run / "tasks.jsonl").exists():
        raise FileNotFoundError(f"{run} has no tasks.jsonl (runs written before replay existed lack it); "
                                "re-run the evaluation to record one")
    tasks = read_jsonl(run / "tasks.jsonl")
    kwargs = {k: v for k, v in (manifest.get("env_kwargs") or {}).items() if k not in _NOT_ENV_KWARGS}
    kwargs.update(env_kwargs or {})
    by_id = {t.id for t in tasks}
    for t in trajs:
        if t.task_id not in by_id:
            report.problems.append(f"episode {t.task_id}#{t.sample}: task {t.task_id!r} is not in tasks.jsonl")
    trajs = [t for t in trajs if t.task_id in by_id][:limit]
    grader = kwargs.get("grader") or _envs.get_spec(env_id).grader()
    recorded_hash = (manifest.get("grader") or {}).get("hash")
    if recorded_hash and grader.config_hash() != recorded_hash:
        report.problems.append(f"the grader's config hash is {grader.config_hash()}, the run was graded with "
                               f"{recorded_hash}: rewards cannot match; pass the run's grader")
    local = threading.local()
    envs: list[Any] = []
    lock = threading.Lock()

    def check(traj: Trajectory) -> EpisodeCheck:
        if not hasattr(local, "env"):  # one env per replay thread, like a rollout worker
            local.env = gym.make(env_id, tasks=tasks, split="all", **kwargs).unwrapped
            with lock:
                envs.append(local.env)
        return replay_episode(local.env, traj)

    try:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            report.episodes = list(pool.map(check, trajs))
    finally:
        for env in envs:
            env.close()
    return report


def replay_episode(env: Any, traj: Trajectory) -> EpisodeCheck:
    """Reset ``env`` on the episode's task and seed, step its recorded actions, compare as we go."""
    result = EpisodeCheck(traj.task_id, traj.sample, ok=True, recorded_error=traj.error is not None)
    recorded = traj.messages

    def differs(obs: list[dict[str, Any]], where: str) -> bool:
        mismatch = _first_message_difference(recorded, obs)
        if mismatch is None:
            return False
        result.ok, result.where, result.diff = False, f"{where}, {mismatch[0]}", mismatch[1]
        return True

    if not recorded:  # the episode died before its reset (a lost worker): nothing was observed
        return result
    try:
        obs, _ = env.reset(seed=traj.seed, options={"task_id": traj.task_id})
    except Exception as exc:  # a repo or commit that no longer resolves
        result.ok, result.where, result.diff = False, "reset", f"{type(exc).__name__}: {exc}"
        return result
    if differs(obs, "after reset"):
        return result
    reward, terminated, truncated = 0.0, False, False
    turn = 0
    while len(obs) < len(recorded) and not (terminated or truncated):
        message = recorded[len(obs)]
        if message.get("role") != "assistant":
            result.ok, result.where = False, f"turn {turn + 1}"
            result.diff = (f"the env returned {len(obs)} messages, the recording has more before the next "
                           f"assistant message (message {len(obs)} is a {message.get('role')!r} message)")
            return result
        obs, reward, terminated, truncated, _ = env.step(_as_sent(message, recorded[len(obs) + 1:]))
        turn += 1
        result.steps = turn
        if differs(obs, f"turn {turn}"):
            return result
    if len(obs) != len(recorded):
        result.ok, result.where = False, f"turn {turn}"
        result.diff = (f"the replayed episode ended after {len(obs)} messages, the recording has {len(recorded)}"
                       if (terminated or truncated) else f"the recording ends after {len(recorded)} messages "
                       f"but the replayed episode is still running")
        return result
    if traj.error is not None:
        return result
    checks = [("terminated", traj.terminated, terminated), ("truncated", traj.truncated, truncated),
              ("submission", traj.submission, env.trajectory.submission)]
    want_comps = traj.grade.components if traj.grade else {}
    got_comps = env.trajectory.grade.components if env.trajectory.grade else {}
    grader = env.grader
    if traj.infra_error is not None or env.trajectory.infra_error is not None:
        result.reward_checked = False  # the machinery failed on one side: no reward to compare
    elif getattr(grader, "replays_exactly", True):
        checks += [("reward", traj.reward, reward), ("grade components", want_comps, got_comps)]
    else:
        result.reward_checked = False
        keep = tuple(getattr(grader, "exact_components", ()))
        checks.append(("grade components", {k: v for k, v in want_comps.items() if k in keep},
                       {k: v for k, v in got_comps.items() if k in keep}))
    for name, want, got in checks:
        if not _same(want, got):
            result.ok, result.where = False, f"end of episode, {name}"
            result.diff = (f"- recorded: {json.dumps(want, sort_keys=True)}\n"
                           f"+ replayed: {json.dumps(got, sort_keys=True)}")
            return result
    return result


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        try:
            return abs(float(a) - float(b)) <= 1e-9
        except (TypeError, ValueError):
            return False
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _as_sent(message: dict[str, Any], following: list[dict[str, Any]]) -> Any:
    """The action that made this recorded assistant message.

    The env records a normalised message: malformed calls get an id and a name, an empty action
    becomes ``content: None``. Fed back as is, a malformed call would now run. The error each call got
    (the tool message that follows it) says what was wrong, so the malformed input is rebuilt from it.
    """
    calls = message.get("tool_calls") or []
    if not calls:
        nudge = next((m.get("content") or "" for m in following[:1] if m.get("role") == "user"), "")
        if "was an empty action" in nudge:
            return None if message.get("content") is None else ""
        return {k: v for k, v in message.items() if k in ("role", "content")}
    replies = {m.get("tool_call_id"): m.get("content") or "" for m in following if m.get("role") == "tool"}
    sent = []
    for call in calls:
        reply = replies.get(call.get("id"), "")
        call = json.loads(json.dumps(call))
        if "the tool call has no id" in reply:
            call.pop("id", None)
        elif (dup := _DUPLICATE_ID.search(reply)) is not None:
            try:
                call["id"] = ast.literal_eval(dup.group(1))  # the env quotes the id with repr()
            except (ValueError, SyntaxError):
                pass
        elif "malformed tool call; expected" in reply:
            call["function"]["name"] = None
        sent.append(call)
    return {"role": "assistant", "content": message.get("content"), "tool_calls": sent}


def _first_message_difference(recorded: list[dict[str, Any]], replayed: list[dict[str, Any]]):
    """``(where, diff)`` of the first message of ``replayed`` that differs from ``recorded``, or None."""
    for i, got in enumerate(replayed):
        if i >= len(recorded):
            return f"message {i}", f"+ replayed an extra {got.get('role')} message:\n{_clip(_render(got))}"
        want = recorded[i]
        if _canonical(want) != _canonical(got):
            label = f"message {i} ({got.get('role')}"
            if got.get("role") == "tool":
                label += f", tool_call_id {got.get('tool_call_id')}"
            label += ")"
            lines = difflib.unified_diff(_render(want).splitlines(), _render(got).splitlines(),
                                         "recorded", "replayed", lineterm="", n=2)
            return label, _clip("\n".join(lines))
    return None


def _canonical(message: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in message.items() if v is not None}, sort_keys=True, ensure_ascii=False)


def _render(message: dict[str, Any]) -> str:
    """A message as lines a person can diff: role, content, then one line per tool call."""
    lines = [f"[{message.get('role')}]" + (f" tool_call_id={message['tool_call_id']}" if message.get("tool_call_id")
                                          else "")]
    content = message.get("content")
    lines += (content if isinstance(content, str) else json.dumps(content)).splitlines() or [""]
    for c in message.get("tool_calls") or []:
        fn = c.get("function") or {}
        lines.append(f"-> {c.get('id')} {fn.get('name')}({fn.get('arguments')})")
    return "\n".join(lines)


def _clip(text: str, max_lines: int = 30) -> str:
    lines = text.splitlines()
    if len(lines) <= max_lines:
        return text
    return "\n".join(lines[:max_lines] + [f"... ({len(lines) - max_lines} more lines)"])
