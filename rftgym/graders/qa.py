"""AnswerMatch: the deterministic default grader of CodeQA, an exact match normalised by answer kind.

The task carries ``answer`` and ``answer_kind`` (default ``text``), and may list ``aliases``:

- ``path``: every file path in the answer (``a/b.py``, ``./a/b.py:12``, or the module ``a.b``) must
  be the gold path, and there must be one. Naming other files as well scores 0.
- ``symbol``: the answer (or its backticked spans, ignoring ones that are paths) must name the gold
  symbol or an alias, and nothing else; ``()`` and ``def``/``class`` prefixes are ignored.
- ``number``: the answer must contain exactly one distinct number, equal to the gold one.
- ``value``: a Python literal, compared as a value (``'a'`` equals ``"a"``, ``1.0`` equals ``1``);
  text that is not a literal is compared with its quotes stripped.
- ``list``: items split on commas, semicolons, whitespace or new lines; the score is the F1 of the
  item set against the gold items (``answer`` is the comma-separated gold list), so listing every
  candidate is punished through precision.
- ``text``: case, whitespace and punctuation are ignored; otherwise exact.

Score 1 or 0 (``list``: F1). Long answers are cut at 20,000 characters before matching. The rules
live in ``rftgym.graders.portable`` (standard library only), which the OpenAI RFT export ships.
"""

from __future__ import annotations

from typing import Any

from rftgym.graders import Grader
from rftgym.graders.portable import match_answer
from rftgym.types import Grade, Task, Trajectory



class AnswerMatch(Grader):
    """Normalised exact match of ``submission["answer"]`` against ``task.answer`` (module docstring)."""

    name = "answer_match"
    workspace_read_only = True  # grades the submission: never touches the workspace
    inline = True  # a set comparison / a string match of the submission, in process

    def __init__(self, key: str = "answer") -> None:
        self.key = key

    def config(self) -> dict[str, Any]:
        return {"type": self.name, "key": self.key}

    def grade(self, task: Task, trajectory: Trajectory, workspace: Any) -> Grade:
        if task.answer is None:
            return Grade(0.0, {}, f"task {task.id} has no answer; CodeQA tasks need an \"answer\" field")
        raw = (trajectory.submission or {}).get(self.key)
        score, components = match_answer(raw, task.answer, task.extra.get("answer_kind", "text"),
                                         task.extra.get("aliases") or [])
        return Grade(score, components)
