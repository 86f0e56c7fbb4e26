"""One episode: reset the env on a task, let the policy act until the episode ends, keep the trajectory."""

from __future__ import annotations

import hashlib
import time
import traceback

import numpy as np

from rftgym.env import ToolEnv
from rftgym.policies import Policy
from rftgym.types import Trajectory


def episode_seed(run_seed: int, task_id: str, sample: int) -> int:
    """The seed of one episode, from the run seed, task id and sample index; stable across machines."""
    digest = hashlib.sha256(f"{run_seed}/{task_id}/{sample}".encode()).digest()
    return int.from_bytes(digest[:4], "little")


def run_episode(env: ToolEnv, policy: Policy, task_id: str, sample: int, run_seed: int) -> Trajectory:
    """Run one episode to its end. Errors of the policy or the env are recorded on the trajectory."""
    seed = episode_seed(run_seed, task_id, sample)
    rng = np.random.default_rng(seed)
    started = time.monotonic()
    policy = policy.bind(task_id, sample)
    try:
        obs, info = env.reset(seed=seed, options={"task_id": task_id})
        tools = info["tools"]
        terminated = truncated = False
        while not (terminated or truncated):
            action = policy.act(obs, tools, rng)
            obs, _, terminated, truncated, _ = env.step(action)
        traj = env.trajectory
    except Exception as exc:  # a crashed policy or sandbox costs this episode, not the run
        traj = env.trajectory or Trajectory(task_id=task_id, env_id=env.env_spec.env_id, seed=seed)
        traj.error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}"
    traj.sample, traj.seed, traj.policy = sample, seed, policy.spec
    traj.usage = dict(policy.usage())
    traj.wall_s = time.monotonic() - started
    return traj
