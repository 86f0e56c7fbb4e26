"""The rollout runner: thread and Ray backends, async concurrency, GRPO groups, failure isolation.

Ray tests share one real local Ray runtime (2 CPUs) for the module. Policies defined here reach the
Ray workers by value (cloudpickle), as a user's own policy class would from a script.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import threading
import time

import numpy as np
import pytest

from rftgym.graders import Grader
from rftgym.policies import PolicyFatalError
from rftgym.policies.scripted import ScriptedPolicy
from rftgym.rollout import episode_seed, rollout, split_slots
from rftgym.types import Grade, InfraError, Trajectory

ENV = "rftgym/FileLocalization-v0"


def same(a, b) -> bool:
    """Two runs played the same episodes: messages, rewards, submissions, grades (not timings)."""
    def key(r):
        return [(t.task_id, t.sample, t.seed, json.dumps(t.messages, sort_keys=True), t.reward, t.submission,
                 t.grade.components if t.grade else None, t.error) for t in r.trajectories]
    return key(a) == key(b)


class KillsItsWorkerOnce(ScriptedPolicy):
    """Kills the process it runs in on its first turn anywhere (the marker file says it happened)."""

    def __init__(self, marker: str) -> None:
        super().__init__("parallel")
        self.marker = marker

    def act(self, conversation, tools, rng):
        try:
            os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return super().act(conversation, tools, rng)
        os.kill(os.getpid(), signal.SIGKILL)


class PoisonTask(ScriptedPolicy):
    """Kills its worker every time it plays one task: an episode no retry can save."""

    def __init__(self, task_id: str) -> None:
        super().__init__("parallel")
        self.task_id = task_id

    def act(self, conversation, tools, rng):
        if self.task_id == "shop-2" and "quantity" in conversation[1]["content"]:
            os.kill(os.getpid(), signal.SIGKILL)
        return super().act(conversation, tools, rng)


class Fatal(ScriptedPolicy):
    def act(self, conversation, tools, rng):
        raise PolicyFatalError("the API key was rejected; set OPENAI_API_KEY")


class SlowAsync(ScriptedPolicy):
    """Waits on a 'model' for each turn without holding a thread; counts episodes in flight."""

    def __init__(self, latency: float) -> None:
        super().__init__("parallel")
        self.latency, self.inflight, self.peak = latency, 0, 0
        self.lock = threading.Lock()

    async def aact(self, conversation, tools, rng):
        with self.lock:
            self.inflight += 1
            self.peak = max(self.peak, self.inflight)
        await asyncio.sleep(self.latency)
        with self.lock:
            self.inflight -= 1
        return self.act(conversation, tools, rng)


class SlowOn(ScriptedPolicy):
    """Waits ``latency`` a turn on one task, none on the others; notes which process played each task."""

    def __init__(self, task_id: str, latency: float, notes: str) -> None:
        super().__init__("parallel")
        self.task_id, self.latency, self.notes = task_id, latency, notes

    def bind(self, task_id, sample):
        with open(os.path.join(self.notes, task_id), "w") as fh:
            fh.write(str(os.getpid()))
        bound = SlowOn(self.task_id, self.latency if task_id == self.task_id else 0.0, self.notes)
        return bound

    async def aact(self, conversation, tools, rng):
        await asyncio.sleep(self.latency)
        return self.act(conversation, tools, rng)


@pytest.fixture(scope="module")
def ray_runtime():
    ray = pytest.importorskip("ray")
    from ray import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # test policies travel by value
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()
    cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def test_split_slots_shares_concurrency_evenly():
    assert split_slots(10, 4) == [3, 3, 2, 2]
    assert split_slots(2, 4) == [1, 1]
    assert sum(split_slots(1000, 3)) == 1000


def test_async_slots_match_one_episode_per_thread(shop_tasks):
    sync = rollout(ENV, "random", shop_tasks, split="all", samples=3, workers=2)
    many = rollout(ENV, "random", shop_tasks, split="all", samples=3, workers=2, concurrency=9)
    assert len(sync.trajectories) == 9 and same(sync, many)
    assert all(t.error is None for t in many.trajectories)


def test_concurrency_bounds_episodes_in_flight(shop_tasks):
    policy = SlowAsync(0.2)
    start = time.monotonic()
    result = rollout(ENV, policy, shop_tasks, split="all", samples=8, workers=2, concurrency=12)
    elapsed = time.monotonic() - start
    assert len(result.trajectories) == 24 and all(t.error is None for t in result.trajectories)
    assert policy.peak == 12  # all slots busy at once, never more
    # 24 episodes x 3 turns x 0.2 s = 14.4 s one at a time; 12 in flight make it about 1.2 s (plus setup).
    assert elapsed < 10.0


def test_a_fatal_policy_error_stops_the_async_slots(shop_tasks):
    with pytest.raises(PolicyFatalError, match="API key was rejected"):
        rollout(ENV, Fatal("parallel"), shop_tasks, split="all", samples=4, workers=2, concurrency=8)


def test_grpo_groups_share_the_snapshot_and_differ_in_seed(shop_tasks):
    result = rollout(ENV, "random", shop_tasks, split="all", samples=4, workers=2, concurrency=6)
    by_task: dict[str, list] = {}
    for t in result.trajectories:
        by_task.setdefault(t.task_id, []).append(t)
    for task_id, group in by_task.items():
        assert sorted(t.sample for t in group) == [0, 1, 2, 3]
        assert len({t.repo_commit for t in group}) == 1  # one pristine snapshot per group
        assert [t.seed for t in group] == [episode_seed(0, task_id, k) for k in range(4)]
        rewards = [t.reward for t in group]
        row = result.summary["per_task"][task_id]
        assert row["samples"] == 4
        assert row["reward_mean"] == pytest.approx(np.mean(rewards))
        assert row["reward_std"] == pytest.approx(np.std(rewards))
    flat = sorted(k for k, g in by_task.items() if np.std([t.reward for t in g]) == 0.0)
    learn = result.summary["learnability"]
    assert learn["tasks_with_groups"] == 3 and learn["zero_variance_tasks"] == flat
    assert learn["zero_variance_share"] == pytest.approx(len(flat) / 3)


def test_a_deterministic_policy_gives_groups_with_no_signal(shop_tasks):
    result = rollout(ENV, "scripted:parallel", shop_tasks, split="all", samples=2, workers=2)
    learn = result.summary["learnability"]
    assert learn["zero_variance_share"] == 1.0 and learn["zero_variance_tasks"] == ["shop-1", "shop-2", "shop-3"]


def test_ray_and_threads_give_the_same_trajectories(shop_tasks, ray_runtime, tmp_path):
    seen = []
    threads = rollout(ENV, "random", shop_tasks, split="all", samples=3, workers=2, seed=7)
    on_ray = rollout(ENV, "random", shop_tasks, split="all", samples=3, workers=2, seed=7, backend="ray",
                     concurrency=6, out=tmp_path / "ray", on_episode=lambda t, n, total: seen.append((n, total)))
    assert same(threads, on_ray)
    assert seen == [(n, 9) for n in range(1, 10)]  # progress is reported on the driver, in order
    manifest = json.loads((tmp_path / "ray" / "manifest.json").read_text())
    assert manifest["backend"] == "ray" and manifest["concurrency"] == 6
    assert ray_runtime.is_initialized()  # a runtime the caller started is left running


def test_a_killed_worker_loses_no_episode(shop_tasks, ray_runtime, tmp_path):
    marker = tmp_path / "killed"
    reference = rollout(ENV, "scripted:parallel", shop_tasks, split="all", samples=2, workers=2)
    result = rollout(ENV, KillsItsWorkerOnce(str(marker)), shop_tasks, split="all", samples=2, workers=2,
                     concurrency=4, backend="ray", out=tmp_path / "run")
    assert marker.exists()  # a worker process really died mid-run
    assert [t.error for t in result.trajectories] == [None] * 6
    assert same(reference, result)
    lines = (tmp_path / "run" / "trajectories.jsonl").read_text().splitlines()
    assert sorted((json.loads(x)["task_id"], json.loads(x)["sample"]) for x in lines) == \
        [(f"shop-{i}", k) for i in (1, 2, 3) for k in (0, 1)]


def test_an_episode_that_keeps_killing_workers_is_recorded_failed(shop_tasks, ray_runtime):
    result = rollout(ENV, PoisonTask("shop-2"), shop_tasks, split="all", samples=1, workers=2, concurrency=2,
                     backend="ray", max_retries=1)
    by_id = {t.task_id: t for t in result.trajectories}
    assert set(by_id) == {"shop-1", "shop-2", "shop-3"}
    assert "WorkerDied" in by_id["shop-2"].error and "died 2 time(s)" in by_id["shop-2"].error
    assert by_id["shop-1"].error is None and by_id["shop-3"].error is None
    assert result.summary["episodes_failed"] == 1


class DiesOnDisk(Grader):
    """A grader whose sandbox dies on grading ``task``'s first ``times`` attempts (``None``: every
    attempt), counted in files under ``marker`` so that every Ray worker process sees the count."""

    name = "dies_on_disk"

    def __init__(self, marker: str, task: str, times: int | None) -> None:
        self.marker, self.task, self.times = marker, task, times

    def grade(self, task, trajectory, workspace):
        if task.id == self.task:
            n = len(os.listdir(self.marker))
            open(os.path.join(self.marker, f"attempt-{n}"), "w").close()
            if self.times is None or n < self.times:
                raise InfraError("the sandbox's container is gone")
        return Grade(1.0, {"ok": 1.0})


def test_ray_retries_infra_episodes_and_keeps_them_out_of_the_mean(shop_tasks, ray_runtime, tmp_path):
    once, always = tmp_path / "once", tmp_path / "always"
    once.mkdir(), always.mkdir()
    saved = rollout(ENV, "scripted:parallel", shop_tasks, split="all", samples=1, workers=2, backend="ray",
                    env_kwargs={"grader": DiesOnDisk(str(once), "shop-2", 1)}, max_retries=1)
    assert [t.infra_error for t in saved.trajectories] == [None] * 3 and len(os.listdir(once)) == 2
    lost = rollout(ENV, "scripted:parallel", shop_tasks, split="all", samples=1, workers=2, backend="ray",
                   env_kwargs={"grader": DiesOnDisk(str(always), "shop-2", None)}, max_retries=1)
    by_id = {t.task_id: t for t in lost.trajectories}
    assert "container is gone" in by_id["shop-2"].infra_error and len(os.listdir(always)) == 2
    assert lost.summary["infra_errors"] == 1 and lost.summary["reward_mean"] == 1.0


def test_a_ray_actor_runs_at_most_its_slots_and_gives_queued_jobs_back(shop_tasks, ray_runtime):
    from rftgym.rollout.ray_backend import RolloutActor
    from rftgym.tasks import load_tasks

    policy = SlowAsync(0.3)
    actor = RolloutActor(ENV, policy, None, [t.to_dict() for t in load_tasks(shop_tasks)], {}, 2, 0)
    jobs = [(t, k) for k in range(2) for t in ("shop-1", "shop-2", "shop-3")]  # 6 jobs for 2 slots

    async def play() -> list:
        batches = actor.play(jobs)
        first = asyncio.ensure_future(batches.__anext__())
        await asyncio.sleep(0.05)  # all 6 handed in: 2 running, 4 queued
        assert await actor.withdraw(3) == 3
        got = list(await first)  # the jobs given back come at once, before any episode ends
        assert sorted(got) == [(3, None), (4, None), (5, None)]  # the last queued first
        async for batch in batches:
            got.extend(batch)
        return got

    got = asyncio.run(play())
    asyncio.run(actor.close())
    played = {i: Trajectory.from_dict(json.loads(line)) for i, line in got if line is not None}
    assert sorted(played) == [0, 1, 2]
    assert all((t.task_id, t.sample) == jobs[i] and t.error is None for i, t in played.items())
    assert policy.peak == 2  # queued jobs waited for a slot


def test_ray_hands_queued_jobs_to_an_idle_actor(shop_tasks, ray_runtime, tmp_path):
    # Two actors, one slot each: shop-1 (slow) and shop-2 start, shop-3 is queued behind shop-1. The
    # actor that played shop-2 goes idle at once, so shop-3 is asked back and played there.
    result = rollout(ENV, SlowOn("shop-1", 1.0, str(tmp_path)), shop_tasks, split="all", samples=1, workers=2,
                     concurrency=2, backend="ray")
    assert sorted(t.task_id for t in result.trajectories) == ["shop-1", "shop-2", "shop-3"]
    assert all(t.error is None for t in result.trajectories)
    pid = {task: (tmp_path / task).read_text() for task in ("shop-1", "shop-2", "shop-3")}
    assert pid["shop-1"] != pid["shop-2"] and pid["shop-3"] == pid["shop-2"]


def test_a_fatal_policy_error_ends_a_ray_run(shop_tasks, ray_runtime):
    with pytest.raises(PolicyFatalError, match="API key was rejected"):
        rollout(ENV, Fatal("parallel"), shop_tasks, split="all", samples=2, workers=2, backend="ray")


def test_resume_on_ray_runs_only_the_missing_episodes(shop_tasks, ray_runtime, tmp_path):
    out = tmp_path / "run"

    def interrupt(traj, n, total):
        if n == 2:
            raise KeyboardInterrupt  # the driver stops after two episodes are on disk

    with pytest.raises(KeyboardInterrupt):
        rollout(ENV, "random", shop_tasks, split="all", samples=3, workers=1, out=out, on_episode=interrupt)
    before = (out / "trajectories.jsonl").read_text().splitlines()
    assert len(before) == 2
    resumed = rollout(ENV, "random", shop_tasks, split="all", samples=3, workers=2, concurrency=4, out=out,
                      resume=True, backend="ray")
    lines = [json.loads(x) for x in (out / "trajectories.jsonl").read_text().splitlines()]
    assert lines[:2] == [json.loads(x) for x in before]  # kept as they were
    assert sorted((x["task_id"], x["sample"]) for x in lines) == [(f"shop-{i}", k) for i in (1, 2, 3) for k in range(3)]
    assert same(resumed, rollout(ENV, "random", shop_tasks, split="all", samples=3, workers=2))


class SeesCollector(ScriptedPolicy):
    """Records the garbage collector's thresholds while its episodes run."""

    def __init__(self) -> None:
        super().__init__("parallel")
        self.seen: set[tuple[int, ...]] = set()

    def act(self, conversation, tools, rng):
        import gc

        self.seen.add(gc.get_threshold())
        return super().act(conversation, tools, rng)


def test_a_run_raises_the_collector_thresholds_and_restores_them(shop_tasks, monkeypatch):
    import gc

    before = gc.get_threshold()
    policy = SeesCollector()
    rollout(ENV, policy, shop_tasks, split="all", workers=2, concurrency=3)
    assert gc.get_threshold() == before
    assert all(seen[0] >= 50_000 for seen in policy.seen) and policy.seen
    monkeypatch.setenv("RFTGYM_GC", "default")
    policy = SeesCollector()
    rollout(ENV, policy, shop_tasks, split="all", workers=2, concurrency=3)
    assert policy.seen == {before}
