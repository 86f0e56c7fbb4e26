"""``replay:<run folder>``: play back the assistant messages of a recorded run, episode by episode.

``bind(task_id, sample)`` picks the recorded episode with that task and sample index; its ``act``
returns the recorded assistant messages in order, ignoring the observation, so against the same
tasks and tools the environment re-executes every call and the grader re-grades every episode.
When the recorded actions run out (the environment now lets the episode go on longer than it did)
``act`` returns an empty assistant message, which the environment answers as a turn without a call.

An episode the run does not hold raises ``PolicyFatalError`` at ``bind``: the run being replayed
does not match the tasks or samples asked for, and every other episode would be suspect too.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np

from rftgym.policies import Message, Policy, PolicyFatalError
from rftgym.types import Trajectory


def read_trajectories(run_dir: Path) -> list[Trajectory]:
    """The episodes of a run folder's ``trajectories.jsonl``, read-only; a torn last line (the run
    died mid-write) is skipped, as the run store itself does."""
    path = run_dir / "trajectories.jsonl"
    if not path.is_file():
        raise ValueError(f"{run_dir} is not a run folder (no trajectories.jsonl); pass the --out of a recorded run")
    out = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            out.append(Trajectory.from_dict(json.loads(line)))
        except json.JSONDecodeError:
            if n < len(lines):
                raise ValueError(f"{path}:{n} is not valid JSON; the run folder is damaged") from None
    return out


class ReplayPolicy(Policy):
    """Recorded actions of the run in ``run_dir`` (a folder with ``trajectories.jsonl``)."""

    def __init__(self, run_dir: str | Path) -> None:
        self.run_dir = Path(run_dir)
        self.actions: dict[tuple[str, int], list[Message]] = {
            (t.task_id, t.sample): [m for m in t.messages if m.get("role") == "assistant"]
            for t in read_trajectories(self.run_dir)}
        self.spec = f"replay:{run_dir}"
        self._episode: tuple[str, int] | None = None
        self._next = 0

    def bind(self, task_id: str, sample: int) -> ReplayPolicy:
        if (task_id, sample) not in self.actions:
            held = sorted(self.actions)
            shown = ", ".join(f"{t}#{s}" for t, s in held[:8]) + (" ..." if len(held) > 8 else "")
            raise PolicyFatalError(
                f"the run in {self.run_dir} has no episode for task {task_id!r}, sample {sample} (it holds "
                f"{len(held)}: {shown}); replay it with the tasks and --samples it was recorded with")
        view = copy.copy(self)
        view._episode, view._next = (task_id, sample), 0
        return view

    def act(self, conversation: list[Message], tools: list[dict[str, Any]], rng: np.random.Generator) -> Message:
        if self._episode is None:
            raise RuntimeError("a replay policy plays one recorded episode: call bind(task_id, sample) first")
        recorded = self.actions[self._episode]
        if self._next >= len(recorded):
            return {"role": "assistant", "content": ""}
        self._next += 1
        return copy.deepcopy(recorded[self._next - 1])
