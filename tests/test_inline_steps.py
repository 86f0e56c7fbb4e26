"""Steps an event loop runs itself (``ToolEnv.step_is_inline``) and Ray's batched calls
(``RolloutActor.play``), issue 16 part 3.

Real git repo, real envs, a real local Ray runtime. What must hold: only a step that is short and
bounded in this process (a shared workspace, inline tools or none, an inline grader) runs on the
event loop's thread; every other step still goes to a thread; the trajectories are the same either
way; an actor's batch gives back each of its episodes exactly once.
"""

from __future__ import annotations

import asyncio
import json
import threading

import gymnasium as gym
import pytest

from rftgym.graders import Grader
from rftgym.policies.scripted import ScriptedPolicy
from rftgym.rollout import rollout
from rftgym.rollout.episode import DaemonExecutor, arun_episode, arun_episode_within
from rftgym.sandbox.local import LocalSandbox
from rftgym.types import Grade, Trajectory
from tests.conftest import tool_call

ENV = "rftgym/FileLocalization-v0"


class SlowGrader(Grader):
    """Reads only, but is not inline (a judge that calls a model would be like it)."""

    name = "slow"
    workspace_read_only = True

    def grade(self, task, trajectory, workspace):
        return Grade(1.0, {})


def _env(shop_tasks, sb, **kwargs):
    return gym.make(ENV, tasks=shop_tasks, split="all", sandbox=sb, **kwargs).unwrapped


def _turn(*calls) -> dict:
    return {"role": "assistant", "content": None, "tool_calls": list(calls)}


def test_only_short_bounded_steps_are_inline(shop_tasks):
    with LocalSandbox() as sb:
        env = _env(shop_tasks, sb)
        assert not env.step_is_inline(_turn(tool_call("read_file", path="README.md")))  # no workspace yet
        env.reset(seed=0, options={"task_id": "shop-1"})
        assert env.workspace.shared
        assert env.step_is_inline(_turn(tool_call("read_file", path="README.md"), tool_call("list_dir", path=".")))
        assert env.step_is_inline(_turn(tool_call("submit", files=["a.py"])))
        assert env.step_is_inline("I think the bug is in tax.py")  # text: no call runs
        assert env.step_is_inline(_turn(tool_call("no_such_tool")))  # an error result
        assert not env.step_is_inline(_turn(tool_call("read_file", path="a"), tool_call("grep", pattern="x")))
        assert not env.step_is_inline(_turn({"id": "c1", "type": "function", "function": "read_file"}))
        env.close()

        slow = _env(shop_tasks, sb, grader=SlowGrader())  # any step may end the episode and grade it
        slow.reset(seed=0, options={"task_id": "shop-1"})
        assert slow.workspace.shared and not slow.step_is_inline(_turn(tool_call("list_dir", path=".")))
        slow.close()

        private = _env(shop_tasks, sb, share_workspaces=False)
        private.reset(seed=0, options={"task_id": "shop-1"})
        assert not private.step_is_inline(_turn(tool_call("list_dir", path=".")))
        private.close()


class Explores(ScriptedPolicy):
    """Reads two files in one turn, greps in the next (on a read-only env), then submits."""

    def __init__(self) -> None:
        super().__init__("parallel")

    def act(self, conversation, tools, rng):
        turn = sum(m["role"] == "assistant" for m in conversation)
        if turn == 0:
            return _turn(tool_call("list_dir", "c0", path="."), tool_call("read_file", "c1", path="shop/cart.py"))
        if turn == 1:
            return _turn(tool_call("grep", "c2", pattern="TAX_RATE"))
        return _turn(tool_call("submit", "c3", files=["shop/pricing/tax.py"]))


@pytest.mark.parametrize("within", [False, True])
def test_inline_steps_run_on_the_loop_and_the_rest_on_threads(shop_tasks, within):
    with LocalSandbox() as sb:
        env = _env(shop_tasks, sb)
        where: list[tuple[str, bool]] = []
        step = env.step

        def recording_step(action):
            names = [c["function"]["name"] for c in action["tool_calls"]]
            where.append(("+".join(names), threading.current_thread() is loop_thread[0]))
            return step(action)

        env.step = recording_step
        loop_thread: list[threading.Thread] = []
        pool = DaemonExecutor(max_workers=2)

        async def main():
            loop_thread.append(threading.current_thread())
            if within:
                traj, usable = await arun_episode_within(env, Explores(), "shop-1", 0, 3, 60.0, executor=pool)
                assert usable
                return traj
            return await arun_episode(env, Explores(), "shop-1", 0, 3, executor=pool)

        traj = asyncio.run(main())
        pool.shutdown()
        assert where == [("list_dir+read_file", True), ("grep", False), ("submit", True)]
        assert traj.error is None and traj.reward > 0.9 and len(traj.turns) == 3
        env.close()


def test_a_run_gives_the_same_trajectories_with_inline_steps_or_without(shop_tasks, monkeypatch):
    import rftgym.env

    inline = rollout(ENV, Explores(), shop_tasks, split="all", samples=2, workers=2, concurrency=4, seed=5)
    monkeypatch.setattr(rftgym.env.ToolEnv, "step_is_inline", lambda self, action: False)
    threaded = rollout(ENV, Explores(), shop_tasks, split="all", samples=2, workers=2, concurrency=4, seed=5)

    def key(r):
        return [(t.task_id, t.sample, json.dumps(t.messages, sort_keys=True), t.reward, t.error)
                for t in r.trajectories]

    assert key(inline) == key(threaded) and all(t.error is None for t in inline.trajectories)


def test_an_actor_batch_gives_back_each_episode_once(shop_tasks):
    ray = pytest.importorskip("ray")
    from rftgym.rollout.ray_backend import RolloutActor
    from rftgym.tasks import load_tasks

    started = not ray.is_initialized()
    if started:
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        tasks = [t.to_dict() for t in load_tasks(shop_tasks)]
        actor = ray.remote(RolloutActor).options(max_concurrency=10).remote(
            ENV, "scripted:parallel", None, tasks, {}, 6, 11)
        jobs = [("shop-1", 0), ("shop-2", 0), ("shop-3", 0), ("shop-1", 1), ("shop-2", 1), ("shop-3", 1)]
        got: list[tuple[int, str]] = []
        batches = 0
        for ref in actor.play.remote(jobs):
            batch = ray.get(ref)
            assert batch  # no empty yields
            got.extend(batch)
            batches += 1
        assert sorted(i for i, _ in got) == list(range(len(jobs)))
        assert batches <= len(jobs)
        for i, line in got:
            traj = Trajectory.from_dict(json.loads(line))
            assert (traj.task_id, traj.sample) == jobs[i] and traj.error is None and traj.node
        ray.get(actor.close.remote())
        ray.kill(actor)
    finally:
        if started:
            ray.shutdown()
