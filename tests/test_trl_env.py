"""The class ``environment_factory`` builds, driven the way TRL drives it, without a model.

TRL's tool loop creates the coroutines of one assistant message in order and gathers them on a
daemon event loop (``asyncio.run_coroutine_threadsafe``); ``trl_message`` does the same."""

from __future__ import annotations

import asyncio
import json
import threading

import gymnasium as gym
import pytest

from rftgym.integrations.trl import environment_factory
from rftgym.tools import tool

ENV = "rftgym/FileLocalization-v0"
meeting = threading.Barrier(3, timeout=10)


@tool(parallel_safe=True, register=False)
def rendezvous(ws, tag: str) -> str:
    """Wait until two other calls arrive, then echo the tag.

    Args:
        tag: any text
    """
    meeting.wait()  # raises BrokenBarrierError unless three calls run at the same time
    return f"met:{tag}"


@pytest.fixture(scope="module")
def daemon_loop():
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def trl_message(loop, instance, calls: list[tuple[str, dict]]) -> list[str]:
    """One assistant message the TRL way: coroutines created in order, gathered on the daemon loop."""
    coros = [getattr(instance, name)(**args) for name, args in calls]

    async def gather():
        return await asyncio.gather(*coros, return_exceptions=True)

    return asyncio.run_coroutine_threadsafe(gather(), loop).result(timeout=30)


def test_one_message_is_one_turn_and_matches_the_env(shop_tasks, daemon_loop):
    Env = environment_factory(ENV, tasks=shop_tasks, split="all")
    inst = Env()
    inst.reset(task_id="shop-1")
    calls = [("grep", {"pattern": "apply_tax"}), ("read_file", {"path": "shop/pricing/tax.py"}),
             ("list_dir", {"path": "shop"}), ("read_file", {"path": "no/such.py"})]
    outputs = trl_message(daemon_loop, inst, calls)

    ref = gym.make(ENV, tasks=shop_tasks, split="all").unwrapped
    ref.reset(seed=0, options={"task_id": "shop-1"})
    obs, *_ = ref.step({"role": "assistant", "content": None, "tool_calls": [
        {"id": f"c{i}", "type": "function", "function": {"name": n, "arguments": json.dumps(a)}}
        for i, (n, a) in enumerate(calls)]})
    ref.close()
    assert outputs == [m["content"] for m in obs[-len(calls):]]
    assert "error" in outputs[3] and "apply_tax" in outputs[0]
    turns = inst.env.trajectory.turns
    assert len(turns) == 1 and turns[0].calls == 4  # one message, one env turn, four calls

    assert trl_message(daemon_loop, inst, [("submit", {"files": ["shop/pricing/tax.py"]})]) != [""]
    assert inst.get_reward() == pytest.approx(1.0)
    late = trl_message(daemon_loop, inst, [("list_dir", {"path": "."})])
    assert "episode is over" in late[0]
    record = Env.episodes[-1]
    assert {k: record[k] for k in ("task_id", "reward", "tool_calls", "turns", "submitted", "tool_calls_run",
                                   "grader_error")} == {"task_id": "shop-1", "reward": 1.0, "tool_calls": 5, "turns": 2,
                                                        "submitted": True, "tool_calls_run": 5, "grader_error": False}
    assert record["tool_latency_s"] > 0  # five calls that ran, timed
    inst.env.close()


def test_calls_of_one_message_run_concurrently(shop_tasks, daemon_loop):
    Env = environment_factory(ENV, tasks=shop_tasks, split="all", tools=["read_file", rendezvous])
    inst = Env()
    inst.reset(task_id="shop-2")
    outputs = trl_message(daemon_loop, inst, [("rendezvous", {"tag": t}) for t in "abc"])
    assert outputs == ["met:a", "met:b", "met:c"]  # the barrier opened: all three ran at once
    inst.env.close()


def test_turn_budget_counts_messages(shop_tasks, daemon_loop):
    Env = environment_factory(ENV, tasks=shop_tasks, split="all", max_turns=2)
    inst = Env()
    inst.reset(task_id="shop-1")
    first = trl_message(daemon_loop, inst, [("list_dir", {"path": "."})] * 3)
    assert all("shop" in out for out in first)  # three calls, one turn: still within budget
    trl_message(daemon_loop, inst, [("list_dir", {"path": "shop"})] * 2)
    assert "episode is over" in trl_message(daemon_loop, inst, [("list_dir", {"path": "."})])[0]
    assert inst.get_reward() == 0.0 and Env.episodes[-1]["turns"] == 2
    inst.env.close()


def test_plain_methods_step_once_per_call(shop_tasks):
    Env = environment_factory(ENV, async_tools=False, tasks=shop_tasks, split="all")
    inst = Env()
    inst.reset(task_id="shop-1")
    assert "apply_tax" in inst.grep(pattern="def apply_tax")
    inst.submit(files=["shop/cart.py"])
    assert inst.get_reward() == 0.0 and Env.episodes[-1]["turns"] == 2
    inst.env.close()


def test_tool_names_clashing_with_trl_methods_are_refused(shop_tasks):
    @tool(parallel_safe=True, register=False, name="reset")
    def clash(ws) -> str:
        """A tool named like TRL's reset."""
        return ""

    with pytest.raises(ValueError, match="clash with TRL"):
        environment_factory(ENV, tasks=shop_tasks, split="all", tools=["read_file", clash])
