"""Failures of the machinery are not rewards (issue 12 item 9).

A grader that crashes, a test runner that cannot start, a sandbox that dies: the episode is marked
``infra_error``, kept out of reward means, per-grader means and GRPO group advantages, counted in
``summary.json``, retried by the runner, and TRL gets ``None`` for it. A grader that legitimately
scores 0 is none of these. Real envs, real workspaces, real rollouts; the crashing graders are test
inputs, not fakes of the code under test.
"""

from __future__ import annotations

import json
import threading

import gymnasium as gym
import pytest

from rftgym.graders import FileSetF1, Grader, safe_grade
from rftgym.graders.tests import TestsPass
from rftgym.policies.scripted import ScriptedPolicy
from rftgym.rollout import episode_seed, rollout
from rftgym.rollout.metrics import group_advantages
from rftgym.sandbox.local import LocalSandbox
from rftgym.tasks import load_tasks
from rftgym.testrun import run_pytest
from rftgym.types import Grade, InfraError, Task, Trajectory

ENV = "rftgym/FileLocalization-v0"


class SandboxDiesFor(Grader):
    """Scores 1 (component ``ok``), except that grading the listed episode seeds fails as a dead sandbox
    does, ``times`` times each (``None``: always). Counts its calls per seed."""

    name = "dies_for"

    def __init__(self, seeds: set[int], times: int | None = None) -> None:
        self.seeds, self.times, self.calls = seeds, times, {}
        self.lock = threading.Lock()

    def grade(self, task, trajectory, workspace):
        with self.lock:
            n = self.calls[trajectory.seed] = self.calls.get(trajectory.seed, 0) + 1
        if trajectory.seed in self.seeds and (self.times is None or n <= self.times):
            raise InfraError("the sandbox's container is gone")
        return Grade(1.0, {"ok": 1.0})


def test_safe_grade_marks_crashes_as_infra_and_a_real_zero_as_a_score():
    task = Task(id="t", prompt="p", repo=".", commit="HEAD", gold_files=["a.py"])
    traj = Trajectory(task_id="t", env_id="e", seed=0, submission={"files": ["b.py"]})
    zero = safe_grade(FileSetF1(), task, traj, None)
    assert zero.score == 0.0 and not zero.infra
    crashed = safe_grade(SandboxDiesFor({0}), task, traj, None)
    assert crashed.infra and crashed.score == 0.0 and "container is gone" in crashed.error

    class Bug(Grader):
        def grade(self, task, trajectory, workspace):
            return {"score": 1}  # not a Grade

    assert safe_grade(Bug(), task, traj, None).infra


def test_env_sets_infra_error_in_trajectory_and_info(shop_tasks):
    env = gym.make(ENV, tasks=shop_tasks, split="all", grader=SandboxDiesFor({7})).unwrapped
    try:
        env.reset(seed=7, options={"task_id": "shop-1"})
        submit = {"id": "c1", "type": "function",
                  "function": {"name": "submit", "arguments": json.dumps({"files": ["shop/cart.py"]})}}
        _, reward, terminated, _, info = env.step({"role": "assistant", "content": None, "tool_calls": [submit]})
        assert terminated and reward == 0.0
        assert "container is gone" in info["infra_error"] and info["grade"]["infra"]
        assert env.trajectory.infra_error == info["infra_error"]
        env.grader = FileSetF1()
        env.reset(seed=8, options={"task_id": "shop-1"})  # a real wrong answer: a score, no infra_error
        _, _, _, _, info = env.step({"role": "assistant", "content": None, "tool_calls": [submit]})
        assert "infra_error" not in info and env.trajectory.infra_error is None
    finally:
        env.close()


def test_infra_episodes_are_retried_then_kept_out_of_means_and_advantages(shop_tasks, tmp_path):
    """shop-1 sample 1 always meets a dead sandbox; shop-1 sample 2 once (the retry saves it). Everything
    else scores 1, so the run's reward mean is 1, not 5/6."""
    always, once = episode_seed(0, "shop-1", 1), episode_seed(0, "shop-1", 2)

    class Grader2(SandboxDiesFor):
        def grade(self, task, trajectory, workspace):
            self.times = 1 if trajectory.seed == once else None
            return super().grade(task, trajectory, workspace)

    grader = Grader2({always, once})
    res = rollout(ENV, "scripted:parallel", shop_tasks[:2], split="all", samples=3, workers=2, out=tmp_path / "run",
                  env_kwargs={"grader": grader}, max_retries=2)
    by = {(t.task_id, t.sample): t for t in res.trajectories}
    assert by[("shop-1", 1)].infra_error and "container is gone" in by[("shop-1", 1)].infra_error
    assert grader.calls[always] == 3  # the first try and max_retries=2 more
    assert by[("shop-1", 2)].infra_error is None and by[("shop-1", 2)].reward == 1.0
    s = res.summary
    assert s["reward_mean"] == 1.0 and s["ok_mean"] == 1.0
    assert s["infra_errors"] == 1 and s["episodes_scored"] == 5 and s["episodes"] == 6
    assert s["per_task"]["shop-1"]["samples"] == 2
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["infra_errors"] == 1
    adv = group_advantages(res.trajectories)
    assert adv[("shop-1", 1)] is None and adv[("shop-1", 0)] == 0.0 and adv[("shop-2", 2)] == 0.0


def test_group_advantages_ignore_infra_zeros():
    def traj(sample, reward, infra=None):
        return Trajectory(task_id="t", env_id="e", seed=sample, sample=sample, reward=reward, infra_error=infra)

    adv = group_advantages([traj(0, 1.0), traj(1, 0.0), traj(2, 0.0, infra="grader crashed")], scale=False)
    assert adv == {("t", 0): 0.5, ("t", 1): -0.5, ("t", 2): None}


def test_a_sandbox_that_will_not_start_is_infra(shop_tasks):
    """The env's sandbox cannot open the task's repository (its path vanished): ``SandboxError`` from
    reset, recorded as an infra failure rather than a policy error."""
    rows = [dict(shop_tasks[0], id="gone", repo="/nonexistent/repo/for/rftgym")]
    res = rollout(ENV, "scripted:parallel", rows, split="all", samples=1, workers=1, max_retries=1)
    (t,) = res.trajectories
    assert t.error and t.infra_error, (t.error, t.infra_error)
    assert res.summary["infra_errors"] == 1 and res.summary["episodes_scored"] == 0


def test_tests_pass_whose_runner_cannot_start_is_infra(tmp_path):
    """A test run in a workspace whose interpreter is gone is the machinery's failure; a real test
    failure is a 0."""
    import subprocess

    repo = tmp_path / "r"
    repo.mkdir()
    (repo / "test_a.py").write_text("def test_a():\n    assert 1 == 2\n")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"],
                   check=True)
    with LocalSandbox(pool_size=0) as sb:
        ws = sb.open(str(repo), "HEAD")
        try:
            failing = run_pytest(ws, ["test_a.py::test_a"], timeout=60)
            assert failing.trusted and not failing.infra and failing.outcomes["test_a.py::test_a"] == "failed"
            ws.python = str(tmp_path / "no-such-python")
            broken = run_pytest(ws, ["test_a.py::test_a"], timeout=60)
            assert broken.infra and not broken.passed("test_a.py::test_a"), broken.problem
        finally:
            sb.release(ws)


def test_trl_reward_is_none_for_infra_episodes(shop_tasks):
    from rftgym.integrations.trl import environment_factory

    seed0 = 0  # the TRL env resets with seed 0
    cls = environment_factory(ENV, async_tools=False, tasks=shop_tasks, split="all", grader=SandboxDiesFor({seed0}))
    env = cls()
    try:
        env.reset(task_id="shop-1")
        env.submit(files=["shop/pricing/tax.py"])
        assert env.get_reward() is None
        assert cls.episodes[-1]["reward"] is None and cls.episodes[-1]["infra_error"]
        assert cls.episodes[-1]["grader_error"] is True  # the trainer's grader_errors_per_rollout counts it
    finally:
        env.env.close()
    ok_cls = environment_factory(ENV, async_tools=False, tasks=shop_tasks, split="all", grader=FileSetF1())
    ok = ok_cls()
    try:
        ok.reset(task_id="shop-1")
        ok.list_dir(path=".")
        ok.submit(files=["shop/cart.py"])
        assert ok.get_reward() == 0.0  # a wrong answer is a reward of 0, not None
        record = ok_cls.episodes[-1]
        assert record["grader_error"] is False and record["tool_calls_run"] == 2 and record["tool_latency_s"] >= 0
    finally:
        ok.env.close()
    from rftgym.train.trainer import episode_metrics

    m = episode_metrics([record, cls.episodes[-1]])
    assert m["grader_errors_per_rollout"] == 0.5 and m["tool_latency_ms"] is not None


def test_resume_reruns_infra_episodes(shop_tasks, tmp_path):
    """An episode the machinery failed is not finished: a resume runs it again and its new record wins."""
    out = tmp_path / "run"
    dead = SandboxDiesFor({episode_seed(0, "shop-2", 0)})
    first = rollout(ENV, "scripted:parallel", shop_tasks[:2], split="all", samples=1, workers=1, out=out,
                    env_kwargs={"grader": dead}, max_retries=0)
    assert first.summary["infra_errors"] == 1
    again = rollout(ENV, "scripted:parallel", shop_tasks[:2], split="all", samples=1, workers=1, out=out,
                    env_kwargs={"grader": SandboxDiesFor(set())}, resume=True)
    assert again.summary["infra_errors"] == 0 and again.summary["episodes_scored"] == 2
    from rftgym.rollout.store import load_run

    _, trajs, _ = load_run(out)
    assert [(t.task_id, t.infra_error) for t in trajs] == [("shop-1", None), ("shop-2", None)]
