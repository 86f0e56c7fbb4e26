"""Per-rollout deadlines (issue 16 part 4): one deadline covers a rollout's sandbox, turns, grading and
teardown, so no single episode can hold a run open.

Real envs on a real git repo, real threads, a real local Ray runtime. The episodes that hang are test
inputs (a policy that never answers, a grader that sleeps), not fakes of the runner under test: the
run must finish, that episode must be an infra failure that names the deadline and the phase it was
stopped in, retried at most ``max_retries`` times, and the other episodes graded as usual.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading

import pytest

from rftgym.graders import FileSetF1, Grader
from rftgym.policies.scripted import ScriptedPolicy
from rftgym.rollout import rollout
from rftgym.rollout.episode import DaemonExecutor, default_deadline

ENV = "rftgym/FileLocalization-v0"
HUNG = "shop-2"  # the task whose prompt mentions "quantity"
RELEASE = threading.Event()  # set at the end of the module, so that no test thread outlives it


@pytest.fixture(scope="module", autouse=True)
def _release_hung_calls():
    yield
    RELEASE.set()


def is_hung_task(conversation) -> bool:
    return "quantity" in conversation[1]["content"]


class NeverAnswersOn(ScriptedPolicy):
    """Plays scripted:parallel, except that on the hung task it blocks (a model call that never returns);
    counts the attempts in a folder (one file each), which works across processes too."""

    def __init__(self, marker: str) -> None:
        super().__init__("parallel")
        self.marker = marker

    def _count(self) -> None:
        open(os.path.join(self.marker, f"attempt-{len(os.listdir(self.marker))}"), "w").close()

    def act(self, conversation, tools, rng):
        if is_hung_task(conversation):
            self._count()
            RELEASE.wait(120)
        return super().act(conversation, tools, rng)



class NeverAnswersOnAsync(ScriptedPolicy):
    """``NeverAnswersOn`` for Ray actors, which await the policy: on the hung task ``aact`` awaits a
    model that never answers (no module-level event: the class travels to the actors by value)."""

    def __init__(self, marker: str) -> None:
        super().__init__("parallel")
        self.marker = marker

    async def aact(self, conversation, tools, rng):
        if is_hung_task(conversation):
            open(os.path.join(self.marker, f"attempt-{len(os.listdir(self.marker))}"), "w").close()
            await asyncio.sleep(3600)
        return self.act(conversation, tools, rng)


class SleepsOn(Grader):
    """FileSetF1, except that grading the hung task sleeps (a grader stuck on a dead service)."""

    name = "file_f1"

    def __init__(self) -> None:
        self.inner, self.calls = FileSetF1(), 0

    def grade(self, task, trajectory, workspace):
        if task.id == HUNG:
            self.calls += 1
            RELEASE.wait(120)
        return self.inner.grade(task, trajectory, workspace)


def baseline(shop_tasks, samples: int = 1) -> dict:
    """(task, sample) -> reward of the tasks that do not hang, run with no deadline."""
    ok = [t for t in shop_tasks if t["id"] != HUNG]
    res = rollout(ENV, "scripted:parallel", ok, split="all", samples=samples, deadline_s=0)
    return {(t.task_id, t.sample): t.reward for t in res.trajectories}


def check(result, deadline: float, phase: str, expected: dict) -> None:
    by_id = {t.task_id: t for t in result.trajectories}
    hung = by_id.pop(HUNG)
    assert hung.infra_error and hung.infra_error.startswith("RolloutDeadlineExceeded")
    assert f"deadline of {deadline:g} s" in hung.infra_error and phase in hung.infra_error, hung.infra_error
    assert hung.error == hung.infra_error
    for t in by_id.values():  # the others ran and were graded as usual
        assert t.error is None and t.infra_error is None and t.grade is not None
        assert t.reward == expected[(t.task_id, t.sample)]
    assert result.summary["infra_errors"] == 1
    assert result.summary["reward_mean"] == pytest.approx(sum(expected.values()) / len(expected))


def test_a_hung_policy_is_stopped_at_the_deadline_threads(shop_tasks, tmp_path):
    marker = tmp_path / "attempts"
    marker.mkdir()
    res = rollout(ENV, NeverAnswersOn(str(marker)), shop_tasks, split="all", workers=2, deadline_s=2,
                  max_retries=1, out=tmp_path / "run")
    check(res, 2, "waiting on the policy (turn 1)", baseline(shop_tasks))
    assert len(os.listdir(marker)) == 2  # the first try and max_retries=1 more, no more
    assert res.manifest["rollout_deadline_s"] == 2.0


def test_a_sleeping_grader_is_stopped_at_the_deadline_async_slots(shop_tasks, tmp_path):
    grader = SleepsOn()
    res = rollout(ENV, "scripted:parallel", shop_tasks, split="all", samples=2, workers=1, concurrency=4,
                  deadline_s=2, max_retries=0, env_kwargs={"grader": grader})
    by = {(t.task_id, t.sample): t for t in res.trajectories}
    for k in (0, 1):
        t = by[(HUNG, k)]
        assert t.infra_error and "running the tools of turn" in t.infra_error and "(or grading)" in t.infra_error
    others = {(t.task_id, t.sample): t.reward for t in res.trajectories if t.task_id != HUNG}
    assert others == baseline(shop_tasks, samples=2)
    assert all(t.infra_error is None for t in res.trajectories if t.task_id != HUNG)
    assert grader.calls == 2 and res.summary["infra_errors"] == 2


def test_no_deadline_when_zero_and_a_default_from_the_env_budget(shop_tasks):
    res = rollout(ENV, "scripted:parallel", shop_tasks[:1], split="all", deadline_s=0)
    assert res.trajectories[0].error is None and res.trajectories[0].grade is not None
    assert default_deadline(600) == 1500.0
    with pytest.raises(ValueError, match="deadline_s"):
        rollout(ENV, "scripted:parallel", shop_tasks[:1], split="all", deadline_s=-1)


def test_daemon_executor_runs_calls_and_leaves_a_hung_one_behind():
    pool = DaemonExecutor(2)
    assert [f.result(5) for f in [pool.submit(pow, 2, k) for k in range(5)]] == [1, 2, 4, 8, 16]
    hung = pool.submit(RELEASE.wait, 120)
    assert pool.submit(abs, -3).result(5) == 3  # a second thread serves while one is stuck
    pool.shutdown(wait=False)
    assert not hung.done() and all(t.daemon for t in pool._threads)


@pytest.fixture(scope="module")
def ray_runtime():
    ray = pytest.importorskip("ray")
    from ray import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # test policies travel by value
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()
    cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def test_a_hung_policy_is_stopped_at_the_deadline_ray(shop_tasks, ray_runtime, tmp_path):
    marker = tmp_path / "attempts"
    marker.mkdir()
    res = rollout(ENV, NeverAnswersOnAsync(str(marker)), shop_tasks, split="all", workers=2, concurrency=4,
                  backend="ray", deadline_s=2, max_retries=1)
    check(res, 2, "waiting on the policy (turn 1)", baseline(shop_tasks))
    assert len(os.listdir(marker)) == 2
