"""Run metrics, named after the hosted RFT dashboards where one exists.

``sim_latency_s`` is an episode's latency under a stated model latency per turn: the sum over turns of
``model_latency + the turn's tool wall time``. It is what batching tool calls into fewer turns reduces.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from typing import Any

import numpy as np

from rftgym.types import Trajectory


def dist(values: list[float]) -> dict[str, float]:
    if not values:
        return {"mean": 0.0, "p50": 0.0, "p95": 0.0, "max": 0.0}
    arr = np.asarray(values, dtype=float)
    return {"mean": float(arr.mean()), "p50": float(np.percentile(arr, 50)),
            "p95": float(np.percentile(arr, 95)), "max": float(arr.max())}


def sim_latency(traj: Trajectory, model_latency: float) -> float:
    return sum(model_latency + t.tool_seconds for t in traj.turns)


def scored(trajs: list[Trajectory]) -> list[Trajectory]:
    """The episodes whose reward is a reward: finished without error and without ``infra_error``."""
    return [t for t in trajs if t.error is None and t.infra_error is None]


def group_advantages(trajs: list[Trajectory], *, scale: bool = True, eps: float = 1e-4) -> dict[tuple[str, int], float | None]:
    """GRPO advantages: per task, ``(reward - group mean) / (group std + eps)`` (``scale=False``: no
    division), keyed by ``(task_id, sample)``. Only scored episodes (``scored``) form a group and get a
    number; an episode with an error or an ``infra_error`` gets ``None`` (no gradient), so a crashed
    grader's 0 never pulls its group's baseline down. A group of one scored episode has advantage 0."""
    groups: dict[str, list[Trajectory]] = defaultdict(list)
    for t in scored(trajs):
        groups[t.task_id].append(t)
    out: dict[tuple[str, int], float | None] = {(t.task_id, t.sample): None for t in trajs}
    for members in groups.values():
        rewards = np.asarray([t.reward for t in members], dtype=float)
        mean, std = float(rewards.mean()), float(rewards.std())
        for t, r in zip(members, rewards):
            out[(t.task_id, t.sample)] = float((r - mean) / (std + eps)) if scale else float(r - mean)
    return out


def summary_record(traj: Trajectory) -> Trajectory:
    """What ``summarize`` reads of an episode, without what makes an episode big: the conversation
    (``messages``: prompts, tool outputs) and the submission's content (``{}`` stands for "submitted").
    A streaming run (``rollout(stream=True)``) keeps these in memory, the full episode only on disk."""
    return dataclasses.replace(traj, messages=[], submission=None if traj.submission is None else {})


def summarize(trajs: list[Trajectory], model_latency: float = 1.0) -> dict[str, Any]:
    """Aggregates of a run: rewards, grader components, tool use, latency, learnability.

    Rewards, grader components, per-task means and learnability are over the scored episodes only
    (``scored``): ``infra_errors`` counts the episodes the machinery failed (kept out), and
    ``episodes_scored`` those whose reward counts. Tool use and latency are over every finished episode."""
    done = [t for t in trajs if t.error is None]
    good = scored(trajs)
    rewards = [t.reward for t in good]
    components: dict[str, list[float]] = defaultdict(list)
    for t in good:
        for name, value in (t.grade.components if t.grade else {}).items():
            components[name].append(float(value))
    calls = [t.tool_calls for t in done]
    turns = [len(t.turns) for t in done]
    per_turn = [c for t in done for c in [turn.calls for turn in t.turns]]
    latencies = [lat for t in done for turn in t.turns for lat in turn.call_latencies]
    by_task: dict[str, list[float]] = defaultdict(list)
    for t in good:
        by_task[t.task_id].append(t.reward)
    per_task = {k: {"reward_mean": float(np.mean(v)), "reward_std": float(np.std(v)), "samples": len(v)}
                for k, v in sorted(by_task.items())}
    flat = sorted(k for k, v in by_task.items() if len(v) > 1 and float(np.std(v)) == 0.0)
    grouped = [k for k, v in by_task.items() if len(v) > 1]
    summary: dict[str, Any] = {
        "episodes": len(trajs),
        "episodes_failed": len(trajs) - len(done),
        "episodes_scored": len(good),
        "infra_errors": sum(1 for t in trajs if t.infra_error is not None),
        "reward_mean": float(np.mean(rewards)) if rewards else 0.0,
        "reward_std": float(np.std(rewards)) if rewards else 0.0,
        **{f"{name}_mean": float(np.mean(v)) for name, v in sorted(components.items())},
        "tool_calls_per_rollout": dist(calls),
        "turns_per_rollout": dist(turns),
        "calls_per_turn_mean": float(np.mean(per_turn)) if per_turn else 0.0,
        "tool_errors_count": int(sum(t.tool_errors for t in done)),
        "tool_execution_latency_mean": float(np.mean(latencies)) if latencies else 0.0,
        "model_latency_s": model_latency,
        "sim_latency_s_mean": float(np.mean([sim_latency(t, model_latency) for t in done])) if done else 0.0,
        "submitted_rate": float(np.mean([t.submission is not None for t in done])) if done else 0.0,
        "truncated_rate": float(np.mean([t.truncated for t in done])) if done else 0.0,
        "grader_errors_count": sum(1 for t in done if t.grade and t.grade.error),
        "per_task": per_task,
        "learnability": {
            "tasks_with_groups": len(grouped),
            "zero_variance_share": (len(flat) / len(grouped)) if grouped else None,
            "zero_variance_tasks": flat,
        },
    }
    usage: dict[str, int] = defaultdict(int)
    for t in trajs:
        for k, v in t.usage.items():
            usage[k] += int(v)
    if usage:
        summary["usage"] = dict(usage)
    return summary
