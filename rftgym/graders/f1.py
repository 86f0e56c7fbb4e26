"""FileSetF1: file-localization reward, the F1 of the submitted file set against the gold files."""

from __future__ import annotations

from typing import Any

from rftgym.graders import Grader
from rftgym.graders.portable import file_set_f1
from rftgym.types import Grade, Task, Trajectory


class FileSetF1(Grader):
    """Precision, recall and F1 of ``submission[key]`` against ``task.gold_files``.

    Paths are normalised before comparing; duplicates count once. An empty or missing submission
    scores 0. Submitting every file is punished through precision (F1 falls with each wrong file).
    """

    name = "file_set_f1"

    def __init__(self, key: str = "files") -> None:
        self.key = key

    def config(self) -> dict[str, Any]:
        return {"type": self.name, "key": self.key}

    def grade(self, task: Task, trajectory: Trajectory, workspace: Any) -> Grade:
        score, components = file_set_f1((trajectory.submission or {}).get(self.key), task.gold_files)
        return Grade(score, components)
