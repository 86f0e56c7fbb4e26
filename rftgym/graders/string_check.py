"""``string_check``: 1 when ``input`` and ``reference`` (both templates) satisfy ``operation``, else 0.

``eq`` equal, ``ne`` not equal (both case-sensitive); ``like`` the input contains the reference
(case-sensitive), ``ilike`` the same ignoring case. No trimming: write the template you mean.
"""

from __future__ import annotations

from typing import Any

from rftgym.graders.openai_format import GradeContext, GraderConfigError, SampleGrader, check_template, render
from rftgym.types import Grade

OPERATIONS = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "like": lambda a, b: b in a,
    "ilike": lambda a, b: b.casefold() in a.casefold(),
}


class StringCheck(SampleGrader):
    type = "string_check"
    required = ("input", "reference", "operation")

    def __init__(self, config: dict[str, Any], where: str, options) -> None:
        super().__init__(config, where, options)
        check_template(config["input"], f"{where}.input")
        check_template(config["reference"], f"{where}.reference")
        if config["operation"] not in OPERATIONS:
            raise GraderConfigError(f"{where}.operation is {config['operation']!r}; use one of eq, ne, like, ilike")

    def score(self, sample: dict[str, Any], item: dict[str, Any], ctx: GradeContext) -> Grade:
        text = render(self.config["input"], sample, item)
        reference = render(self.config["reference"], sample, item)
        return Grade(float(OPERATIONS[self.config["operation"]](text, reference)))
