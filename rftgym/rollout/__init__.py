"""Rollouts: many episodes of one env and one policy, in parallel, into a run folder.

``rollout(env_id, policy, tasks=None, samples=K, ...)`` runs every task ``samples`` times. The K
samples of a task start from the same pristine snapshot and differ only in their seed (a GRPO group).
Each episode's seed comes from the run seed, task id and sample index (``episode_seed``), so a run is
reproducible whatever the number of workers or the backend.

Backends: ``thread`` (worker threads, each with its own env, sharing one sandbox pool).
"""

from __future__ import annotations

import hashlib
import json
import queue
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import gymnasium as gym

import rftgym.envs as _envs
from rftgym.policies import Policy, make_policy
from rftgym.rollout.episode import episode_seed, run_episode
from rftgym.rollout.metrics import summarize
from rftgym.rollout.store import RunStore, machine_facts, now, package_versions
from rftgym.sandbox import make_sandbox
from rftgym.tasks import load_tasks
from rftgym.types import Task, Trajectory

__all__ = ["rollout", "RunResult", "episode_seed", "run_episode", "summarize"]


@dataclass
class RunResult:
    trajectories: list[Trajectory]
    summary: dict[str, Any]
    out: Path | None = None
    manifest: dict[str, Any] = field(default_factory=dict)


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except TypeError:
        return repr(value)


def build_manifest(env_id: str, policy_spec: str, tasks: list[Task], *, seed: int, samples: int, split: str,
                   env_kwargs: dict[str, Any], model_latency: float, backend: str) -> dict[str, Any]:
    spec = _envs.get_spec(env_id)
    grader = env_kwargs.get("grader") or spec.grader()
    from rftgym.sandbox.repos import snapshot

    commits = {}
    for t in tasks:
        if (t.repo, t.commit) not in commits:
            commits[(t.repo, t.commit)] = snapshot(t.repo, t.commit).commit
    task_blob = json.dumps([t.to_dict() for t in tasks], sort_keys=True).encode()
    return {
        "created": now(), "env_id": env_id, "policy": policy_spec, "seed": seed, "samples": samples,
        "split": split, "backend": backend, "model_latency_s": model_latency,
        "env_spec": {"tools": [getattr(t, "name", t) for t in env_kwargs.get("tools") or spec.tools],
                     "max_turns": env_kwargs.get("max_turns") or spec.max_turns,
                     "max_tool_calls": env_kwargs.get("max_tool_calls") or spec.max_tool_calls,
                     "system_prompt_sha": hashlib.sha256(spec.system_prompt.encode()).hexdigest()[:16]},
        "env_kwargs": {k: _jsonable(v) for k, v in env_kwargs.items() if k not in ("grader", "tasks")},
        "grader": {"config": grader.config(), "hash": grader.config_hash()},
        "tasks": {"count": len(tasks), "sha256": hashlib.sha256(task_blob).hexdigest()[:16],
                  "ids": [t.id for t in tasks]},
        "repos": [{"repo": r, "commit": c, "sha": s} for (r, c), s in sorted(commits.items())],
        "packages": package_versions(), "machine": machine_facts(),
    }


def rollout(env_id: str, policy: str | Policy, tasks: Any = None, *, split: str = "test", samples: int = 1,
            seed: int = 0, workers: int = 4, env_kwargs: dict[str, Any] | None = None, out: str | Path | None = None,
            resume: bool = False, model_latency: float = 1.0, backend: str = "thread",
            on_episode: Callable[[Trajectory, int, int], None] | None = None) -> RunResult:
    """Run ``samples`` episodes of every task and return (and, with ``out``, record) the trajectories."""
    if samples < 1 or workers < 1:
        raise ValueError("samples and workers must be at least 1")
    spec = _envs.get_spec(env_id)
    env_kwargs = dict(env_kwargs or {})
    task_list = load_tasks(tasks, kind=spec.task_kind, split=split, repos=env_kwargs.pop("repos", None))
    policy_spec = policy if isinstance(policy, str) else policy.spec
    store = RunStore(out, resume=resume) if out else None
    done: list[Trajectory] = store.load() if store else []
    finished = {(t.task_id, t.sample) for t in done}
    jobs = [(t.id, k) for t in task_list for k in range(samples) if (t.id, k) not in finished]
    if store:
        manifest = build_manifest(env_id, policy_spec, task_list, seed=seed, samples=samples, split=split,
                                  env_kwargs=env_kwargs, model_latency=model_latency, backend=backend)
        previous = store.read_json("manifest.json")
        if previous and resume:
            for key in ("env_id", "policy", "seed", "samples"):
                if previous.get(key) != manifest.get(key):
                    raise ValueError(f"--resume with a different {key} ({manifest.get(key)!r}) than the run in "
                                     f"{store.dir} ({previous.get(key)!r}); resume with the same settings")
            manifest["created"] = previous.get("created", manifest["created"])
            manifest["resumed"] = previous.get("resumed", 0) + 1
        store.write_json("manifest.json", manifest)
    else:
        manifest = {}
    if backend == "ray":
        from rftgym.rollout.ray_backend import run_ray  # noqa: PLC0415

        new = run_ray(env_id, policy, task_list, jobs, seed=seed, workers=workers, env_kwargs=env_kwargs,
                      store=store, on_episode=on_episode, total=len(task_list) * samples, already=len(done))
    elif backend == "thread":
        new = _run_threads(env_id, policy, task_list, jobs, seed, workers, env_kwargs, store, on_episode,
                           total=len(task_list) * samples, already=len(done))
    else:
        raise ValueError(f"backend must be 'thread' or 'ray', got {backend!r}")
    trajs = sorted(done + new, key=lambda t: (t.task_id, t.sample))
    summary = summarize(trajs, model_latency)
    summary.update({"env_id": env_id, "policy": policy_spec, "seed": seed, "samples": samples})
    if store:
        store.write_json("summary.json", summary)
    return RunResult(trajs, summary, Path(out) if out else None, manifest)


def _run_threads(env_id, policy, task_list, jobs, seed, workers, env_kwargs, store, on_episode, total, already):
    q: queue.Queue = queue.Queue()
    for job in jobs:
        q.put(job)
    results: list[Trajectory] = []
    lock = threading.Lock()
    count = [already]
    sandbox = make_sandbox(env_kwargs.pop("sandbox", "local"), **env_kwargs.pop("sandbox_options", {}))
    errors: list[BaseException] = []

    pol = make_policy(policy)  # one policy for all workers: shared clients and rate limits

    def worker() -> None:
        env = gym.make(env_id, tasks=task_list, split="all", sandbox=sandbox, **env_kwargs).unwrapped
        try:
            while True:
                try:
                    task_id, sample = q.get_nowait()
                except queue.Empty:
                    return
                traj = run_episode(env, pol, task_id, sample, seed)
                with lock:
                    if store:
                        store.append(traj)
                    results.append(traj)
                    count[0] += 1
                    n = count[0]
                if on_episode:
                    on_episode(traj, n, total)
        except BaseException as exc:  # surfaced after the other workers finish
            errors.append(exc)
        finally:
            env.close()

    threads = [threading.Thread(target=worker, name=f"rftgym-worker-{i}", daemon=True)
               for i in range(min(workers, max(1, len(jobs))))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sandbox.close()
        if pol is not policy:
            pol.close()
    if errors:
        raise errors[0]
    return results
