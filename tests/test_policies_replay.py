"""replay:<run folder> plays a recorded run's actions back through the env, episode by episode."""

import numpy as np
import pytest

from rftgym.policies import PolicyFatalError, make_policy
from rftgym.rollout import rollout

ENV = "rftgym/FileLocalization-v0"


def actions(traj):
    return [m for m in traj.messages if m["role"] == "assistant"]


def test_replay_reproduces_a_runs_actions_observations_and_rewards(shop_tasks, tmp_path):
    rec = rollout(ENV, "scripted:parallel", shop_tasks, split="all", samples=2, workers=2, out=tmp_path / "rec")
    rep = rollout(ENV, f"replay:{tmp_path / 'rec'}", shop_tasks, split="all", samples=2, workers=2)
    assert [(t.task_id, t.sample) for t in rep.trajectories] == [(t.task_id, t.sample) for t in rec.trajectories]
    for a, b in zip(rec.trajectories, rep.trajectories):
        assert b.error is None and actions(b) == actions(a)
        assert b.messages == a.messages and b.reward == a.reward and b.submission == a.submission
    assert rep.summary["reward_mean"] == rec.summary["reward_mean"]
    assert all(t.policy == f"replay:{tmp_path / 'rec'}" for t in rep.trajectories)


def test_replay_of_an_episode_the_run_lacks_stops_the_run(shop_tasks, tmp_path):
    rollout(ENV, "scripted:parallel", shop_tasks[:1], split="all", out=tmp_path / "rec")
    with pytest.raises(PolicyFatalError, match=r"no episode for task 'shop-2', sample 0 \(it holds 1: shop-1#0\)"):
        rollout(ENV, f"replay:{tmp_path / 'rec'}", shop_tasks[:2], split="all", workers=1)
    with pytest.raises(PolicyFatalError, match="sample 1"):
        make_policy(f"replay:{tmp_path / 'rec'}").bind("shop-1", 1)
    with pytest.raises(ValueError, match="not a run folder"):
        make_policy(f"replay:{tmp_path / 'nothing-here'}")
    with pytest.raises(RuntimeError, match="call bind"):
        make_policy(f"replay:{tmp_path / 'rec'}").act([], [], np.random.default_rng(0))


def test_when_the_recording_runs_out_the_policy_sends_empty_turns(shop_tasks, tmp_path):
    rec = rollout(ENV, "scripted:sequential", shop_tasks[:1], split="all", out=tmp_path / "rec",
                  env_kwargs={"max_turns": 2})
    assert rec.trajectories[0].truncated and len(actions(rec.trajectories[0])) == 2
    rep = rollout(ENV, f"replay:{tmp_path / 'rec'}", shop_tasks[:1], split="all", env_kwargs={"max_turns": 4})
    traj = rep.trajectories[0]
    assert actions(traj)[:2] == actions(rec.trajectories[0])
    assert actions(traj)[2:] == [{"role": "assistant", "content": ""}] * 2
    assert [t.error_codes for t in traj.turns[2:]] == [["NO_TOOL_CALL"], ["NO_TOOL_CALL"]]


def test_replay_skips_a_torn_last_line(shop_tasks, tmp_path):
    rollout(ENV, "scripted:parallel", shop_tasks[:2], split="all", out=tmp_path / "rec")
    path = tmp_path / "rec" / "trajectories.jsonl"
    path.write_text(path.read_text() + '{"task_id": "shop-3", "mess')  # the recorder died mid-write
    policy = make_policy(f"replay:{tmp_path / 'rec'}")
    assert sorted(policy.actions) == [("shop-1", 0), ("shop-2", 0)]
    assert path.read_text().endswith('"mess')  # replay reads; it never repairs someone else's run
