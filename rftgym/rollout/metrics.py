"""Run metrics, named after the hosted RFT dashboards where one exists.

``sim_latency_s`` is an episode's latency under a stated model latency per turn: the sum over turns of
``model_latency + the turn's tool wall time``. It is what batching tool calls into fewer turns reduces.
"""

from __future__ import annotations

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


def summarize(trajs: list[Trajectory], model_latency: float = 1.0) -> dict[str, Any]:
    """Aggregates of a run: rewards, grader components, tool use, latency, learnability."""
    done = [t for t in trajs if t.error is None]
    rewards = [t.reward for t in done]
    components: dict[str, list[float]] = defaultdict(list)
    for t in done:
        for name, value in (t.grade.components if t.grade else {}).items():
            components[name].append(float(value))
    calls = [t.tool_calls for t in done]
    turns = [len(t.turns) for t in done]
    per_turn = [c for t in done for c in [turn.calls for turn in t.turns]]
    latencies = [lat for t in done for turn in t.turns for lat in turn.call_latencies]
    by_task: dict[str, list[float]] = defaultdict(list)
    for t in done:
        by_task[t.task_id].append(t.reward)
    per_task = {k: {"reward_mean": float(np.mean(v)), "reward_std": float(np.std(v)), "samples": len(v)}
                for k, v in sorted(by_task.items())}
    flat = sorted(k for k, v in by_task.items() if len(v) > 1 and float(np.std(v)) == 0.0)
    grouped = [k for k, v in by_task.items() if len(v) > 1]
    summary: dict[str, Any] = {
        "episodes": len(trajs),
        "episodes_failed": len(trajs) - len(done),
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
