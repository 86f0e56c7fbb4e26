"""``rftgym``: a built-in rftgym grader inside an OpenAI-format config, by its registry name.

``{"type": "rftgym", "name": "file_set_f1", "options": {"key": "files"}}`` runs
``rftgym.graders.make_grader("file_set_f1", key="files")`` on the episode (task, trajectory and
workspace), so it only works where there is an episode: as an environment's grader, in
``rftgym stress``, or in ``rftgym graders run`` for graders that need no workspace. Its score is the
built-in grader's score and its components are passed through (``f1.recall`` in a ``multi`` formula).
"""

from __future__ import annotations

from typing import Any

from rftgym.graders import GRADERS, make_grader, safe_grade
from rftgym.graders.openai_format import GradeContext, GraderConfigError, GraderRuntimeError, SampleGrader
from rftgym.types import Grade


class BuiltinRef(SampleGrader):
    type = "rftgym"
    optional = ("options",)

    def __init__(self, config: dict[str, Any], where: str, options) -> None:
        super().__init__(config, where, options)
        opts = config.get("options") or {}
        if not isinstance(opts, dict):
            raise GraderConfigError(f"{where}.options must be an object of keyword arguments")
        if self.name not in GRADERS:
            raise GraderConfigError(f"{where}.name is {self.name!r}, which is not a built-in grader; built-in "
                                    f"graders: {', '.join(sorted(GRADERS))}")
        try:
            self.grader = make_grader(self.name, **opts)
        except TypeError as exc:
            raise GraderConfigError(f"{where}.options: {exc}") from None
        self.replays_exactly = self.grader.replays_exactly

    def score(self, sample: dict[str, Any], item: dict[str, Any], ctx: GradeContext) -> Grade:
        if ctx.task is None or ctx.trajectory is None:
            raise GraderRuntimeError(f"the built-in grader {self.name!r} needs an episode (task and trajectory)")
        grade = safe_grade(self.grader, ctx.task, ctx.trajectory, ctx.workspace)
        return Grade(grade.score, dict(grade.components), grade.error, infra=grade.infra)
