"""Scripted and random policies: same decisions either batching, valid random calls."""

import gymnasium as gym
import numpy as np

from rftgym.policies import make_policy
from rftgym.policies.scripted import identifiers
from rftgym.rollout import rollout, run_episode


def test_identifiers_found_in_reports():
    assert identifiers("Cart.add ignores the `qty` argument") == ["add", "qty"]
    assert identifiers("calling parse_header() on TOML fails") == ["parse_header"]
    assert identifiers("totals are off by a cent") == []


def test_parallel_batches_the_same_plan_into_fewer_turns(shop_tasks):
    seq = rollout("rftgym/FileLocalization-v0", "scripted:sequential", shop_tasks, split="all", workers=1)
    par = rollout("rftgym/FileLocalization-v0", "scripted:parallel", shop_tasks, split="all", workers=1)
    assert [t.submission for t in seq.trajectories] == [t.submission for t in par.trajectories]
    assert [t.reward for t in seq.trajectories] == [t.reward for t in par.trajectories]
    assert par.summary["turns_per_rollout"]["mean"] <= 0.5 * seq.summary["turns_per_rollout"]["mean"]
    assert par.summary["tool_calls_per_rollout"] == seq.summary["tool_calls_per_rollout"]
    assert par.summary["sim_latency_s_mean"] < seq.summary["sim_latency_s_mean"]
    assert seq.summary["calls_per_turn_mean"] == 1.0
    assert par.summary["f1_mean"] > 0.5


def test_random_policy_makes_valid_calls(shop_tasks):
    env = gym.make("rftgym/FileLocalization-v0", tasks=shop_tasks, split="all", max_turns=5).unwrapped
    traj = run_episode(env, make_policy("random"), "shop-1", 0, run_seed=3)
    codes = [c for t in traj.turns for c in t.error_codes]
    assert "MALFORMED_CALL" not in codes and "TOOL_NOT_FOUND" not in codes
    replies = [m["content"] for m in traj.messages if m["role"] == "tool"]
    assert not [r for r in replies if r.startswith("error: invalid arguments") or "not valid JSON" in r]
    assert traj.tool_calls >= 1
    env.close()


def test_unknown_policy_spec_is_a_clear_error():
    import pytest

    with pytest.raises(ValueError, match="unknown policy spec"):
        make_policy("telepathy")
