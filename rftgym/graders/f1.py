"""FileSetF1: file-localization reward, the F1 of the submitted file set against the gold files."""

from __future__ import annotations

import posixpath
from typing import Any

from rftgym.graders import Grader
from rftgym.types import Grade, Task, Trajectory


def normalize_path(path: str) -> str | None:
    """``./a/b.py``, ``a//b.py``, ``/a/b.py`` -> ``a/b.py``; paths that escape the root -> None."""
    if not isinstance(path, str):
        return None
    p = posixpath.normpath(path.strip().replace("\\", "/").lstrip("/"))
    if p in (".", "") or p.startswith(".."):
        return None
    return p


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
        gold = {p for p in (normalize_path(g) for g in task.gold_files) if p}
        raw = (trajectory.submission or {}).get(self.key) or []
        if isinstance(raw, str):
            raw = [raw]
        submitted = {p for p in (normalize_path(s) for s in raw if isinstance(s, str)) if p}
        hit = len(gold & submitted)
        precision = hit / len(submitted) if submitted else 0.0
        recall = hit / len(gold) if gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return Grade(f1, {"f1": f1, "precision": precision, "recall": recall})
