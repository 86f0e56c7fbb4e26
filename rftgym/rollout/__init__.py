"""Rollouts: many episodes of one env and one policy, in parallel, into a run folder.

``rollout(env_id, policy, tasks=None, samples=K, ...)`` runs every task ``samples`` times. The K
samples of a task start from the same pristine snapshot and differ only in their seed (a GRPO group).
Each episode's seed comes from the run seed, task id and sample index (``episode_seed``), so a run is
reproducible whatever the number of workers or the backend.

Backends: ``thread`` (worker threads sharing one sandbox pool; the no-Ray fallback) and ``ray``
(actors, each with its own sandbox pool, on an embedded local Ray or an existing cluster: ``address``).
``concurrency`` is the number of episodes in flight across all workers. Without it each worker runs
one episode at a time (``run_episode``); with it each worker runs an event loop that keeps its share
of episodes in flight (``arun_episode``, one env per slot), which is what an I/O-bound policy (a
hosted model) needs: a thousand episodes waiting on a model cost a thousand envs, not a thousand threads.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import queue
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import gymnasium as gym

import rftgym.envs as _envs
from rftgym.policies import Policy, make_policy
from rftgym.rollout.episode import (DaemonExecutor, arun_episode, arun_episode_within, collector_for_many_episodes,
                                    default_deadline, episode_seed, run_episode, run_episode_within)
from rftgym.rollout.metrics import summarize, summary_record
from rftgym.rollout.store import RunStore, machine_facts, now, package_versions
from rftgym.sandbox import make_sandbox
from rftgym.tasks import LoadedTasks, load_tasks
from rftgym.types import Task, Trajectory

__all__ = ["rollout", "RunResult", "episode_seed", "run_episode", "summarize"]


@dataclass
class RunResult:
    trajectories: list[Trajectory]
    summary: dict[str, Any]
    out: Path | None = None
    manifest: dict[str, Any] = field(default_factory=dict)
    streamed: bool = False  # the episodes are in out/trajectories.jsonl only (rollout(stream=True))


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
    from rftgym.sandbox import SandboxError
    from rftgym.sandbox.repos import snapshot

    commits = {}
    for t in tasks:
        if (t.repo, t.commit) not in commits:
            try:
                commits[(t.repo, t.commit)] = snapshot(t.repo, t.commit).commit
            except SandboxError as exc:  # that task's episodes fail with this error; the others run
                commits[(t.repo, t.commit)] = f"unavailable: {exc}"
    task_blob = json.dumps([t.to_dict() for t in tasks], sort_keys=True).encode()
    return {
        "created": now(), "env_id": env_id, "policy": policy_spec, "seed": seed, "samples": samples,
        "split": split, "backend": backend, "model_latency_s": model_latency,
        "episode_seeds": "int.from_bytes(sha256(f'{seed}/{task_id}/{sample}').digest()[:4], 'little')",
        "argv": list(sys.argv), "rftgym_source": _source_revision(),
        "env_spec": {"tools": [getattr(t, "name", t) for t in env_kwargs.get("tools") or spec.tools],
                     "max_turns": env_kwargs.get("max_turns") or spec.max_turns,
                     "max_tool_calls": env_kwargs.get("max_tool_calls") or spec.max_tool_calls,
                     "max_seconds": env_kwargs.get("max_seconds") or spec.max_seconds,
                     "version": spec.version,
                     "system_prompt_sha": hashlib.sha256(spec.system_prompt.encode()).hexdigest()[:16]},
        "env_kwargs": {k: _jsonable(v) for k, v in env_kwargs.items() if k not in ("grader", "tasks")},
        "grader": {"config": grader.config(), "hash": grader.config_hash()},
        "tasks": {"count": len(tasks), "sha256": hashlib.sha256(task_blob).hexdigest()[:16],
                  "ids": [t.id for t in tasks]},
        "repos": [{"repo": r, "commit": c, "sha": s} for (r, c), s in sorted(commits.items())],
        "packages": package_versions(), "machine": machine_facts(),
    }


def _write_tasks(path: Path, tasks: list[Task]) -> None:
    """The run's task rows, so that replay rebuilds the same tasks without the original task file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text("".join(json.dumps(t.to_dict(), sort_keys=True, ensure_ascii=False) + "\n" for t in tasks),
                   encoding="utf-8")
    tmp.replace(path)


def _source_revision() -> dict[str, Any] | None:
    """The git commit of the rftgym checkout this code runs from (and whether it had local edits)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return None
    try:
        sha = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return None
    return {"commit": sha, "dirty": bool(dirty)} if sha else None


def rollout(env_id: str, policy: str | Policy, tasks: Any = None, *, split: str = "test", samples: int = 1,
            seed: int = 0, workers: int = 4, env_kwargs: dict[str, Any] | None = None, out: str | Path | None = None,
            resume: bool = False, model_latency: float = 1.0, backend: str = "thread",
            on_episode: Callable[[Trajectory, int, int], None] | None = None,
            policy_options: dict[str, Any] | None = None, concurrency: int | None = None,
            address: str | None = None, max_retries: int = 2, deadline_s: float | None = None,
            stream: bool = False) -> RunResult:
    """Run ``samples`` episodes of every task and return (and, with ``out``, record) the trajectories.
    ``policy_options`` go to ``make_policy`` with a spec string (base_url, temperature, rpm ...); the
    manifest records them, less ``api_key``. A ``PolicyFatalError`` stops every worker and propagates.

    ``concurrency``: episodes in flight across all workers (default: one per worker). ``backend="ray"``
    starts an embedded local Ray unless ``address`` names a cluster (``"auto"``, ``"ray://host:10001"``);
    an episode whose actor dies is retried on another actor up to ``max_retries`` times, then recorded
    with its error. On both backends an episode with ``infra_error`` (a sandbox that would not start,
    a grader that crashed, a tool server that failed) is run again from its pristine snapshot with the
    same seed up to ``max_retries`` times; if it still fails it is recorded with ``infra_error`` and
    kept out of the reward means (``summary.json``: ``infra_errors``, ``episodes_scored``). With ``out``, the run folder gets ``manifest.json``, ``tasks.jsonl`` (what replay
    needs), ``trajectories.jsonl`` and ``summary.json``; ``resume`` runs only the missing episodes and
    those recorded with ``infra_error``.

    ``deadline_s``: one deadline per rollout covering sandbox creation, every turn, grading and
    handing the workspace back, on both backends. ``None`` (the default) derives it from the env's
    time budget (``default_deadline``: 2 x ``max_seconds`` + 300 s, 1,500 s for the built-in envs);
    ``0`` turns it off. A rollout past it is stopped and recorded with ``infra_error``
    (``RolloutDeadlineExceeded: ... stopped while <phase>``), retried like any infra failure (at most
    ``max_retries`` more times, so one task holds a run at most ``(1 + max_retries) x deadline_s``),
    and kept out of the reward means.

    ``stream``: the episodes go to ``out/trajectories.jsonl`` only (as each batch finishes, fsynced)
    and are not kept in memory: ``RunResult.trajectories`` is empty (``streamed`` is True; read them
    with ``load_run(out)``) and the summary is computed from what it needs of each episode
    (``summary_record``: no conversation). What a long run needs; requires ``out``."""
    if stream and not out:
        raise ValueError("stream=True keeps the episodes on disk only: pass out (the run folder)")
    if samples < 1 or workers < 1:
        raise ValueError("samples and workers must be at least 1")
    if concurrency is not None and concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    if address and backend != "ray":
        raise ValueError(f"address={address!r} names a Ray cluster; use it with backend='ray'")
    workers = min(workers, concurrency) if concurrency else workers  # a worker with no slot would idle
    spec = _envs.get_spec(env_id)
    env_kwargs = dict(env_kwargs or {})
    if deadline_s is None:
        deadline_s = default_deadline(env_kwargs.get("max_seconds") or spec.max_seconds)
    elif deadline_s < 0:
        raise ValueError(f"deadline_s must be a number of seconds (0: no deadline), got {deadline_s}")
    deadline_s = float(deadline_s) or None
    task_list = load_tasks(tasks, kind=spec.task_kind, split=split, repos=env_kwargs.pop("repos", None))
    policy_spec = policy if isinstance(policy, str) else policy.spec
    store = RunStore(out, resume=resume) if out else None
    # A resume re-runs the episodes the machinery failed (infra_error) along with the missing ones.
    keep = summary_record if stream else None  # what the runners keep of each episode (None: all of it)
    done: list[Trajectory] = [t for t in store.load() if t.infra_error is None] if store else []
    if keep:
        done = [keep(t) for t in done]
    finished = {(t.task_id, t.sample) for t in done}
    jobs = [(t.id, k) for t in task_list for k in range(samples) if (t.id, k) not in finished]
    if store:
        manifest = build_manifest(env_id, policy_spec, task_list, seed=seed, samples=samples, split=split,
                                  env_kwargs=env_kwargs, model_latency=model_latency, backend=backend)
        manifest["policy_options"] = {k: _jsonable(v) for k, v in (policy_options or {}).items() if k != "api_key"}
        previous = store.read_json("manifest.json")
        if previous and resume:
            for key in ("env_id", "policy", "seed", "samples"):
                if previous.get(key) != manifest.get(key):
                    raise ValueError(f"--resume with a different {key} ({manifest.get(key)!r}) than the run in "
                                     f"{store.dir} ({previous.get(key)!r}); resume with the same settings")
            recorded_tasks = (previous.get("tasks") or {}).get("sha256")
            if recorded_tasks and recorded_tasks != manifest["tasks"]["sha256"]:
                raise ValueError(f"--resume with a different task set than the run in {store.dir}; pass the same "
                                 "tasks, split and limit")
            manifest["created"] = previous.get("created", manifest["created"])
            manifest["resumed"] = previous.get("resumed", 0) + 1
        manifest.update({"workers": workers, "concurrency": concurrency, "ray_address": address,
                         "max_retries": max_retries, "rollout_deadline_s": deadline_s})
        if not isinstance(policy, str):  # a spec like "policy" says little about a user's own class
            manifest["policy_class"] = f"{type(policy).__module__}.{type(policy).__qualname__}"
        _write_tasks(store.dir / "tasks.jsonl", task_list)
        store.write_json("manifest.json", manifest)
    else:
        manifest = {}
    if backend == "ray":
        from rftgym.rollout.ray_backend import run_ray  # noqa: PLC0415

        new = run_ray(env_id, policy, task_list, jobs, seed=seed, workers=workers, env_kwargs=env_kwargs,
                      store=store, on_episode=on_episode, total=len(task_list) * samples, already=len(done),
                      concurrency=concurrency, address=address, max_retries=max_retries, deadline_s=deadline_s, keep=keep,
                      **({"policy_options": policy_options} if policy_options else {}))
    elif backend == "thread":
        new = _run_threads(env_id, policy, task_list, jobs, seed, workers, env_kwargs, store, on_episode,
                           total=len(task_list) * samples, already=len(done), policy_options=policy_options,
                           concurrency=concurrency, max_retries=max_retries, deadline_s=deadline_s, keep=keep)
    else:
        raise ValueError(f"backend must be 'thread' or 'ray', got {backend!r}")
    trajs = sorted(done + new, key=lambda t: (t.task_id, t.sample))
    summary = summarize(trajs, model_latency)
    summary.update({"env_id": env_id, "policy": policy_spec, "seed": seed, "samples": samples})
    if store:
        store.write_json("summary.json", summary)
    return RunResult([] if stream else trajs, summary, Path(out) if out else None, manifest, streamed=stream)


def split_slots(concurrency: int, workers: int) -> list[int]:
    """``concurrency`` episode slots shared out over ``workers`` as evenly as possible (none empty)."""
    workers = max(1, min(workers, concurrency))
    return [concurrency // workers + (i < concurrency % workers) for i in range(workers)]


def _run_threads(env_id, policy, task_list, jobs, seed, workers, env_kwargs, store, on_episode, total, already,
                 policy_options=None, concurrency=None, max_retries=2, deadline_s=None, keep=None):
    q: queue.Queue = queue.Queue()
    for job in jobs:
        q.put(job)
    results: list[Trajectory] = []
    lock = threading.Lock()
    count = [already]
    n_threads = min(workers, max(1, len(jobs)))
    slots = split_slots(min(concurrency, max(1, len(jobs))), n_threads) if concurrency else None
    kind, sandbox_options = env_kwargs.pop("sandbox", "local"), dict(env_kwargs.pop("sandbox_options", {}))
    if kind == "local" and slots:  # every slot keeps its workspace between episodes instead of re-copying it
        sandbox_options.setdefault("pool_size", sum(slots))  # one sandbox serves every worker
    sandbox = make_sandbox(kind, **sandbox_options)
    errors: list[BaseException] = []
    stop = threading.Event()  # set by a worker that failed (a PolicyFatalError): the others take no new job

    pol = make_policy(policy, **(policy_options or {}))  # one policy for all workers: shared clients and rate limits

    hung = [0]  # envs left to a call that outlived its rollout's deadline (they close themselves)
    loaded = LoadedTasks.of(task_list)  # every env of the run takes the loaded list as it is

    def make_env():
        return gym.make(env_id, tasks=loaded, split="all", sandbox=sandbox, **env_kwargs).unwrapped

    def play(env, task_id: str, sample: int):
        """One episode on ``env``: (trajectory, the env to use next: a fresh one after a deadline)."""
        if not deadline_s:
            return run_episode(env, pol, task_id, sample, seed), env
        traj, usable = run_episode_within(env, pol, task_id, sample, seed, deadline_s)
        if usable:
            return traj, env
        hung[0] += 1
        return traj, make_env()

    def worker() -> None:
        env = make_env()
        try:
            while not stop.is_set():
                try:
                    task_id, sample = q.get_nowait()
                except queue.Empty:
                    return
                traj, env = play(env, task_id, sample)
                for _ in range(max_retries):
                    if traj.infra_error is None:
                        break
                    traj, env = play(env, task_id, sample)
                record([traj])
        except BaseException as exc:  # surfaced after the other workers finish
            stop.set()
            errors.append(exc)
        finally:
            env.close()

    def record(batch: list[Trajectory]) -> None:
        with lock:
            if store:
                store.append_many(batch)
            numbered = []
            for traj in batch:
                results.append(keep(traj) if keep else traj)
                count[0] += 1
                numbered.append((traj, count[0]))
        if on_episode:
            for traj, n in numbered:
                on_episode(traj, n, total)

    outbox: queue.Queue = queue.Queue()  # episodes the async slots finished; None: the workers are done

    def writer() -> None:
        """Group commit for the async slots: one fsync per batch of finished episodes, on its own thread,
        so that the disk never stalls the event loops (a thousand slots finish hundreds a second)."""
        done = False
        while not done:
            batch = [outbox.get()]
            while not outbox.empty():
                batch.append(outbox.get_nowait())
            done = batch[-1] is None
            try:
                record([t for t in batch if t is not None])
            except BaseException as exc:  # an on_episode that raises stops the run, as in a worker
                stop.set()
                errors.append(exc)

    def async_worker(n_slots: int) -> None:
        """One event loop keeping ``n_slots`` episodes in flight, one env per slot."""
        envs: list = []
        pool = DaemonExecutor(max_workers=min(n_slots, 8), thread_name_prefix="rftgym-step")

        async def aplay(env, task_id: str, sample: int):
            if not deadline_s:
                return await arun_episode(env, pol, task_id, sample, seed, executor=pool), env
            traj, usable = await arun_episode_within(env, pol, task_id, sample, seed, deadline_s, executor=pool)
            if usable:
                return traj, env
            hung[0] += 1
            pool.leave_behind = True  # the run's end must not wait on the call that hangs
            envs.remove(env)  # its hung call closes it
            env = make_env()
            envs.append(env)
            return traj, env

        async def slot() -> None:
            env = make_env()
            envs.append(env)
            while not stop.is_set():
                try:
                    task_id, sample = q.get_nowait()
                except queue.Empty:
                    return
                traj, env = await aplay(env, task_id, sample)
                for _ in range(max_retries):
                    if traj.infra_error is None:
                        break
                    traj, env = await aplay(env, task_id, sample)
                outbox.put(traj)

        async def main() -> None:
            asyncio.get_running_loop().set_default_executor(pool)  # where Policy.aact's to_thread runs
            started = []
            for _ in range(n_slots):  # one at a time: each slot's first model call goes out as soon as
                started.append(asyncio.ensure_future(slot()))  # its env exists, not after every env is made
                await asyncio.sleep(0)
            await asyncio.gather(*started)

        try:
            asyncio.run(main())
        except BaseException as exc:  # surfaced after the other workers finish
            stop.set()
            errors.append(exc)
        finally:
            # No step may still run on an env being closed; a call hung past its deadline is left behind.
            pool.shutdown(wait=True)
            for env in envs:
                env.close()

    writer_thread = threading.Thread(target=writer, name="rftgym-writer", daemon=True) if slots else None
    if slots:
        threads = [threading.Thread(target=async_worker, args=(n,), name=f"rftgym-worker-{i}", daemon=True)
                   for i, n in enumerate(slots)]
    else:
        threads = [threading.Thread(target=worker, name=f"rftgym-worker-{i}", daemon=True) for i in range(n_threads)]
    try:
        with collector_for_many_episodes():
            if writer_thread:
                writer_thread.start()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    finally:
        if writer_thread:
            outbox.put(None)
            writer_thread.join()
        if sandbox is not kind:  # a Sandbox the caller passed in stays open: its pool is the caller's
            sandbox.close()
        if pol is not policy:
            pol.close()
    if errors:
        raise errors[0]
    return results
