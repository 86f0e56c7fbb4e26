"""One episode: reset the env on a task, let the policy act until the episode ends, keep the trajectory.

``run_episode`` is the blocking loop (one episode per thread); ``arun_episode`` the same loop as a
coroutine, for runners that keep many episodes in flight on one event loop while the policy waits
on a model. Both give the same trajectory for the same seed.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import time
import traceback
from concurrent.futures import Executor

import numpy as np

from rftgym.env import ToolEnv
from rftgym.policies import Policy, PolicyFatalError
from rftgym.sandbox import SandboxError
from rftgym.types import InfraError, Trajectory


def episode_seed(run_seed: int, task_id: str, sample: int) -> int:
    """The seed of one episode, from the run seed, task id and sample index; stable across machines."""
    digest = hashlib.sha256(f"{run_seed}/{task_id}/{sample}".encode()).digest()
    return int.from_bytes(digest[:4], "little")


def run_episode(env: ToolEnv, policy: Policy, task_id: str, sample: int, run_seed: int) -> Trajectory:
    """Run one episode to its end. Errors of the policy or the env are recorded on the trajectory,
    except ``PolicyFatalError``: it would fail every episode alike, so it propagates to stop the run.
    A failure of the machinery (``is_infra``: a sandbox that would not start, an ``InfraError`` from
    a tool) also sets ``Trajectory.infra_error``, as does a grade with ``infra`` (see ``ToolEnv``)."""
    seed = episode_seed(run_seed, task_id, sample)
    rng = np.random.default_rng(seed)
    started = time.monotonic()
    policy = policy.bind(task_id, sample)
    reset_done = False
    try:
        obs, info = env.reset(seed=seed, options={"task_id": task_id})
        reset_done = True
        tools = info["tools"]
        terminated = truncated = False
        while not (terminated or truncated):
            action = policy.act(obs, tools, rng)
            obs, _, terminated, truncated, _ = env.step(action)
        traj = env.trajectory
    except PolicyFatalError:
        raise
    except Exception as exc:  # a crashed policy or sandbox costs this episode, not the run
        traj = _failed(env, reset_done, task_id, seed, exc)
    return _stamp(traj, policy, sample, seed, started)


async def arun_episode(env: ToolEnv, policy: Policy, task_id: str, sample: int, run_seed: int,
                       executor: Executor | None = None) -> Trajectory:
    """``run_episode`` as a coroutine: the policy is awaited (``policy.aact``) and the env's blocking
    ``reset``/``step`` run on ``executor`` (default: the loop's), so a policy waiting on a model never
    holds the loop. Same seed, rng draws and actions as ``run_episode``, hence the same trajectory;
    the same error handling (``PolicyFatalError`` propagates). One env serves one episode at a time."""
    loop = asyncio.get_running_loop()
    seed = episode_seed(run_seed, task_id, sample)
    rng = np.random.default_rng(seed)
    started = time.monotonic()
    policy = policy.bind(task_id, sample)
    reset_done = False
    try:
        obs, info = await loop.run_in_executor(executor, functools.partial(
            env.reset, seed=seed, options={"task_id": task_id}))
        reset_done = True
        tools = info["tools"]
        terminated = truncated = False
        while not (terminated or truncated):
            action = await policy.aact(obs, tools, rng)
            obs, _, terminated, truncated, _ = await loop.run_in_executor(executor, env.step, action)
        traj = env.trajectory
    except PolicyFatalError:
        raise
    except Exception as exc:  # a crashed policy or sandbox costs this episode, not the run
        traj = _failed(env, reset_done, task_id, seed, exc)
    return _stamp(traj, policy, sample, seed, started)


def _failed(env: ToolEnv, reset_done: bool, task_id: str, seed: int, exc: Exception) -> Trajectory:
    # Before a successful reset, env.trajectory is the previous episode's (already returned) record.
    traj = env.trajectory if reset_done and env.trajectory is not None else Trajectory(
        task_id=task_id, env_id=env.env_spec.env_id, seed=seed)
    traj.error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}"
    if is_infra(exc) and traj.infra_error is None:
        traj.infra_error = f"{type(exc).__name__}: {exc}"
    return traj


def is_infra(exc: BaseException) -> bool:
    """Whether ``exc`` is a failure of the machinery rather than of the policy or the agent:
    ``InfraError`` (a tool server that kept failing, a grader's dead sandbox) or ``SandboxError``
    (a sandbox or container that would not start or went away)."""
    return isinstance(exc, (InfraError, SandboxError))


def _stamp(traj: Trajectory, policy: Policy, sample: int, seed: int, started: float) -> Trajectory:
    traj.sample, traj.seed, traj.policy = sample, seed, policy.spec
    traj.usage = dict(policy.usage())
    traj.wall_s = time.monotonic() - started
    return traj
