"""ToolEnv through Gymnasium: check_env, malformed actions, budgets, determinism."""

import json

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env

import rftgym
from rftgym.envs import SPECS
from tests.conftest import tool_call


@pytest.mark.parametrize("env_id", sorted(SPECS))
def test_check_env_passes_for_every_registered_env(env_id):
    env = gym.make(env_id, split="test")
    check_env(env.unwrapped)
    env.close()


def make(shop_tasks, **kw):
    return gym.make("rftgym/FileLocalization-v0", tasks=shop_tasks, split="all", **kw)


def test_reset_returns_conversation_and_tool_schemas(shop_tasks):
    env = make(shop_tasks)
    obs, info = env.reset(seed=1, options={"task_id": "shop-2"})
    assert [m["role"] for m in obs] == ["system", "user"]
    assert obs[1]["content"] == "Cart.add ignores the quantity argument"
    assert info["task_id"] == "shop-2" and info["tools"][0]["type"] == "function"
    assert env.observation_space.contains(obs)
    assert "gold" not in json.dumps(obs) and "shop/cart.py" not in json.dumps(obs)
    with pytest.raises(KeyError, match="no task 'nope'"):
        env.reset(options={"task_id": "nope"})
    env.close()


def test_full_episode_is_graded(shop_tasks):
    env = make(shop_tasks)
    env.reset(seed=0, options={"task_id": "shop-1"})
    obs, r, term, trunc, info = env.step({"role": "assistant", "content": None, "tool_calls": [
        tool_call("grep", pattern="TAX"), tool_call("find_symbol", name="apply_tax")]})
    assert (r, term, trunc) == (0.0, False, False)
    assert [m["role"] for m in obs[-3:]] == ["assistant", "tool", "tool"]
    obs, r, term, trunc, info = env.step({"role": "assistant", "tool_calls": [
        tool_call("submit", files=["./shop/pricing/tax.py", "shop/cart.py"])]})
    assert term and not trunc
    assert r == pytest.approx(2 / 3)
    assert {k: info["grade"]["components"][k] for k in ("f1", "precision", "recall")} == {
        "f1": pytest.approx(2 / 3), "precision": 0.5, "recall": 1.0}
    traj = env.unwrapped.trajectory
    assert traj.submission == {"files": ["./shop/pricing/tax.py", "shop/cart.py"]} and traj.tool_calls == 3
    obs2, r2, *_, info2 = env.step(None)
    assert r2 == 0.0 and "episode is over" in info2["error"]
    env.close()


MALFORMED = [
    ("invalid json", {"role": "assistant", "tool_calls": [
        {"id": "a", "type": "function", "function": {"name": "grep", "arguments": "{oops"}}]}, "INVALID_ARGS"),
    ("unknown tool", {"role": "assistant", "tool_calls": [tool_call("rm_rf", path="/")]}, "TOOL_NOT_FOUND"),
    ("wrong types", {"role": "assistant", "tool_calls": [tool_call("read_file", path=42)]}, "INVALID_ARGS"),
    ("oversized", {"role": "assistant", "tool_calls": [tool_call("grep", pattern="x" * 150_000)]}, "INVALID_ARGS"),
    ("missing id", {"role": "assistant", "tool_calls": [
        {"type": "function", "function": {"name": "list_dir", "arguments": "{}"}}]}, "MALFORMED_CALL"),
    ("no function", {"role": "assistant", "tool_calls": [{"id": "x", "type": "function"}]}, "MALFORMED_CALL"),
    ("plain text", "I think it's in cart.py", "NO_TOOL_CALL"),
    ("none", None, "NO_TOOL_CALL"),
    ("number", 42, "NO_TOOL_CALL"),
    ("empty dict", {}, "NO_TOOL_CALL"),
]


@pytest.mark.parametrize("label,action,code", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_actions_are_observations(shop_tasks, label, action, code):
    env = make(shop_tasks)
    env.reset(seed=0, options={"task_id": "shop-1"})
    obs, reward, term, trunc, info = env.step(action)
    assert not term and not trunc and reward == 0.0
    assert info["tool_errors"] == 1 and info["error_codes"] == [code]
    assert "error" in obs[-1]["content"]
    assert env.observation_space.contains(obs), "the conversation must stay valid"
    env.close()


def test_malformed_actions_count_in_run_summary(shop_tasks):
    from rftgym.rollout.metrics import summarize

    env = make(shop_tasks, max_turns=len(MALFORMED))
    env.reset(seed=0, options={"task_id": "shop-1"})
    for _, action, _ in MALFORMED:
        *_, term, trunc, _ = env.step(action)
    assert trunc and env.unwrapped.trajectory.truncation_reason == "max_turns"
    assert summarize([env.unwrapped.trajectory])["tool_errors_count"] == len(MALFORMED)
    env.close()


def test_tool_call_budget_truncates(shop_tasks):
    env = make(shop_tasks, max_tool_calls=3)
    env.reset(seed=0, options={"task_id": "shop-1"})
    obs, r, term, trunc, info = env.step({"role": "assistant", "tool_calls": [
        tool_call("list_dir", cid=f"c{i}", depth=1 + i % 3) for i in range(5)]})
    assert trunc and not term and info["truncation_reason"] == "max_tool_calls"
    assert info["error_codes"] == ["BUDGET_EXHAUSTED", "BUDGET_EXHAUSTED"]
    assert info["grade"]["score"] == 0.0
    env.close()


def test_same_seed_same_trajectory(shop_tasks):
    from rftgym.policies import make_policy
    from rftgym.rollout import run_episode

    runs = []
    for _ in range(2):
        env = make(shop_tasks).unwrapped
        traj = run_episode(env, make_policy("random"), "shop-1", sample=0, run_seed=11)
        runs.append((traj.messages, traj.reward, traj.submission))
        env.close()
    assert runs[0] == runs[1]


def test_seeded_reset_draws_the_same_task(shop_tasks):
    env = make(shop_tasks)
    ids = [env.reset(seed=5)[1]["task_id"] for _ in range(3)]
    assert len(set(ids)) == 1
    env.close()


def test_action_space_samples_valid_calls(shop_tasks):
    env = make(shop_tasks)
    env.reset(seed=0)
    env.action_space.seed(3)
    for _ in range(20):
        action = env.action_space.sample()
        assert env.action_space.contains(action)
        for c in action["tool_calls"]:
            assert c["function"]["name"] in env.action_space.names
    assert not env.action_space.contains({"role": "assistant", "tool_calls": [tool_call("nope")]})
    env.close()


def test_render_ansi(shop_tasks):
    env = make(shop_tasks, render_mode="ansi")
    env.reset(seed=0)
    assert env.render().startswith("[system]")
    env.close()


def test_call_ids_are_unique_in_the_whole_conversation():
    """A generated id must not collide with one the agent chose (call_0_1 beside a call without id),
    nor with an id of an earlier turn: each tool message answers exactly one call."""
    env = gym.make("rftgym/FileLocalization-v0", split="test").unwrapped
    env.reset(seed=0)
    listing = {"type": "function", "function": {"name": "list_dir", "arguments": "{}"}}
    env.step({"role": "assistant", "content": None,
              "tool_calls": [{"id": "call_0_1", **listing}, dict(listing), {"id": "call_0_1", **listing}]})
    convo, *_ = env.step({"role": "assistant", "content": None, "tool_calls": [{"id": "call_0_1", **listing}]})
    call_ids = [c["id"] for m in convo if m["role"] == "assistant" for c in m.get("tool_calls") or []]
    answered = [m["tool_call_id"] for m in convo if m["role"] == "tool"]
    assert len(call_ids) == 4 and len(set(call_ids)) == 4
    assert sorted(answered) == sorted(call_ids)
    env.close()


def test_renamed_duplicate_ids_replay_to_the_same_conversation():
    from rftgym.rollout.replay import _as_sent

    listing = {"type": "function", "function": {"name": "list_dir", "arguments": "{}"}}
    action = {"role": "assistant", "content": None,
              "tool_calls": [{"id": "call_0_1", **listing}, dict(listing), {"id": "call_0_1", **listing}]}
    first = gym.make("rftgym/FileLocalization-v0", split="test").unwrapped
    first.reset(seed=0)
    recorded, *_ = first.step(action)
    rebuilt = _as_sent(recorded[2], recorded[3:])
    second = gym.make("rftgym/FileLocalization-v0", split="test").unwrapped
    second.reset(seed=0)
    replayed, *_ = second.step(rebuilt)
    assert replayed == recorded
    first.close(), second.close()
