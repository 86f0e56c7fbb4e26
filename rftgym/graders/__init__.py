"""Graders: turn a finished episode into a reward.

Contract: ``Grader.grade(task, trajectory, workspace) -> Grade``.

- ``task`` carries the gold data (``gold_files``, ``fail_to_pass``, ``answer``, ``extra``); the agent
  never saw it. ``trajectory.submission`` holds the arguments of the agent's ``submit`` call (``None``
  if it never submitted). ``workspace`` is the episode's workspace, still as the agent left it.
- ``Grade.score`` is the reward, in [0, 1] unless the grader documents otherwise; ``components``
  names its parts; a grader that fails returns score 0 with ``error`` set instead of raising
  (``safe_grade`` enforces that for any grader).
- A failure of the agent is a score (a patch whose tests fail scores 0, ``infra=False``). A failure
  of the machinery is not: a grader that raises (``InfraError`` from a dead sandbox, a test runner
  that could not start, or any other exception: a grader bug) becomes ``Grade(0, error=..., infra=True)``
  through ``safe_grade``, and the episode is marked ``infra_error`` and kept out of rewards.
- ``replays_exactly``: whether the grade is a function of the episode alone, so that replaying a run
  reproduces it bit for bit (``rftgym.rollout.replay`` checks it then). True for file-set F1, tests
  passing (given a deterministic test suite), answer match, the budget graders, string checks, text
  similarity and python graders (given deterministic source). False for what depends on a clock or
  another service: Optimize's speedup (timed on this machine; replay checks only its
  ``exact_components``, ``equivalent`` and ``checks_passed``), model judges (``score_model``) and
  remote ``endpoint`` graders; a ``multi`` grader replays exactly when all its parts do.
- ``config()`` returns a JSON-able description; its hash goes into the run manifest.
- ``workspace_read_only``: ``grade()`` never writes the workspace nor runs a command in it, so
  read-only episodes may share one workspace per snapshot. ``inline``: ``grade()`` is a short,
  bounded computation in this process on the task and the trajectory (no model, no command, no
  network), so an event loop may run the step that ends an episode itself (``ToolEnv.step_is_inline``).
  Both are False unless a grader says so; file-set F1 and answer match say both.
"""

from __future__ import annotations

import abc
import hashlib
import json
import traceback
from typing import Any, Callable

from rftgym.types import Grade, Task, Trajectory


class Grader(abc.ABC):
    name: str = "grader"
    replays_exactly: bool = True  # see the module docstring
    exact_components: tuple[str, ...] = ()  # when not: the components replay still checks
    # True: grade() never writes the workspace nor runs a command in it (it reads the trajectory, or
    # files), so an episode of read-only tools may share its snapshot's workspace (``ToolEnv``).
    workspace_read_only: bool = False
    # True: grade() is a short, bounded computation in this process (no model, command or network).
    inline: bool = False

    @abc.abstractmethod
    def grade(self, task: Task, trajectory: Trajectory, workspace: Any) -> Grade:
        """Score one episode. See the module docstring for the contract."""

    def config(self) -> dict[str, Any]:
        return {"type": self.name}

    def config_hash(self) -> str:
        blob = json.dumps(self.config(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def safe_grade(grader: Grader, task: Task, trajectory: Trajectory, workspace: Any) -> Grade:
    """``grader.grade`` that never raises. A grader that raises (the sandbox died, a runner could not
    start, a bug) or returns something other than a ``Grade`` gives ``Grade(0, error=..., infra=True)``:
    the machinery failed, so the 0 is not a reward (see ``rftgym.types.InfraError``). A ``Grade`` the
    grader returns is passed through unchanged, ``infra`` included."""
    try:
        grade = grader.grade(task, trajectory, workspace)
    except Exception as exc:  # a grader failure must not end the run, nor pass for the agent's 0
        tail = traceback.format_exc(limit=3).strip().splitlines()[-1]
        return Grade(0.0, {}, f"{grader.name} failed: {type(exc).__name__}: {exc} ({tail})", infra=True)
    if not isinstance(grade, Grade):
        return Grade(0.0, {}, f"{grader.name} returned {type(grade).__name__}, not a Grade", infra=True)
    return grade


# Built-in graders by name, so configs (e.g. an OpenAI-format ``multi`` grader) can refer to them.
GRADERS: dict[str, Callable[..., Grader]] = {}


def register_grader(name: str, factory: Callable[..., Grader]) -> None:
    GRADERS[name] = factory


def make_grader(name: str, **options: Any) -> Grader:
    if name not in GRADERS:
        raise KeyError(f"no grader named {name!r}; built-in graders: {', '.join(sorted(GRADERS))}")
    return GRADERS[name](**options)


from rftgym.graders.f1 import FileSetF1  # noqa: E402

register_grader(FileSetF1.name, FileSetF1)

from rftgym.graders.tests import TestsPass  # noqa: E402

register_grader(TestsPass.name, TestsPass)

from rftgym.graders.efficiency import ToolCallsOverBudget, TurnsOverBudget  # noqa: E402
from rftgym.graders.qa import AnswerMatch  # noqa: E402
from rftgym.graders.optimize import EquivalenceSpeedup  # noqa: E402

for _g in (ToolCallsOverBudget, TurnsOverBudget, AnswerMatch, EquivalenceSpeedup):
    register_grader(_g.name, _g)

__all__ = ["Grader", "FileSetF1", "TestsPass", "GRADERS", "make_grader", "register_grader", "safe_grade"]
