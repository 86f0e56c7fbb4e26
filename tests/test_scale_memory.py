"""Memory at scale (issue 16 part 5): a streaming run keeps its episodes on disk, not in memory.

Real envs on a real git repo, the real thread runner and run folder. ``rollout(stream=True)`` must
record every full episode in ``trajectories.jsonl``, return no trajectories, compute the same summary
as a run that keeps them, and leave no full episode alive in the process once it returns (checked
with weak references to the very objects the runner made).
"""

from __future__ import annotations

import gc
import weakref

import time

import pytest

from rftgym.policies.scripted import ScriptedPolicy
from rftgym.rollout import rollout
from rftgym.rollout.store import load_run

ENV = "rftgym/FileLocalization-v0"
SAME = ("episodes", "episodes_scored", "reward_mean", "reward_std", "tool_calls_per_rollout", "turns_per_rollout",
        "calls_per_turn_mean", "submitted_rate", "truncated_rate", "per_task", "learnability", "f1_mean")


class Paced(ScriptedPolicy):
    """scripted:parallel, taking 20 ms a turn (as a model would take longer), so that episodes finish
    one by one and the writer keeps up: what is alive is then what is in flight, not a backlog."""

    def __init__(self) -> None:
        super().__init__("parallel")

    def act(self, conversation, tools, rng):
        time.sleep(0.02)
        return super().act(conversation, tools, rng)


def test_a_streaming_run_keeps_episodes_on_disk_only(shop_tasks, tmp_path):
    made: list[weakref.ref] = []
    most_alive = [0]

    def watch(traj, n, total) -> None:
        """Count the full episodes still alive as each one is recorded: bounded by what is in flight
        (each slot's env holds its last episode until its next reset), not growing with the run."""
        made.append(weakref.ref(traj))
        gc.collect()
        most_alive[0] = max(most_alive[0], sum(r() is not None for r in made))

    samples = 6
    streamed = rollout(ENV, Paced(), shop_tasks, split="all", samples=samples, workers=1,
                       concurrency=2, out=tmp_path / "streamed", stream=True, on_episode=watch)
    kept = rollout(ENV, Paced(), shop_tasks, split="all", samples=samples, workers=1, concurrency=2,
                   out=tmp_path / "kept")
    total = samples * len(shop_tasks)
    assert total >= 18
    assert most_alive[0] <= 6, f"{most_alive[0]} of {total} full episodes were in memory at once"
    assert streamed.streamed and streamed.trajectories == []
    assert not kept.streamed and len(kept.trajectories) == total
    for key in SAME:
        assert streamed.summary.get(key) == kept.summary.get(key), key
    _, on_disk, summary = load_run(tmp_path / "streamed")
    assert len(on_disk) == total and summary["episodes"] == len(on_disk)
    assert all(t.messages and t.submission is not None for t in on_disk)  # the full episodes are there
    assert [t.to_dict() for t in on_disk] == [t.to_dict() for t in load_run(tmp_path / "streamed")[1]]
    gc.collect()
    assert len(made) == total
    alive = [r() for r in made if r() is not None]
    assert alive == [], f"{len(alive)} full episodes still in memory after a streaming run"


def test_stream_needs_a_run_folder(shop_tasks):
    with pytest.raises(ValueError, match="pass out"):
        rollout(ENV, "scripted:parallel", shop_tasks, split="all", stream=True)
