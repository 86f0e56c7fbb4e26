"""FileSetF1: file-localization reward, the F1 of the submitted file set against the gold files."""

from __future__ import annotations

from typing import Any

from rftgym.graders import Grader
from rftgym.graders.portable import file_set_f1
from rftgym.graders.ranked import normalize_function, ranked_metrics
from rftgym.types import Grade, Task, Trajectory


class FileSetF1(Grader):
    """Precision, recall and F1 of ``submission[key]`` against ``task.gold_files``.

    Paths are normalised before comparing; duplicates count once. An empty or missing submission
    scores 0. Submitting every file is punished through precision (F1 falls with each wrong file).
    The score is F1; the components add the ranked metrics of the submitted order (``acc@k``,
    ``recall@k``, ``ndcg@k``, ``map``, ``mrr``; see ``rftgym.graders.ranked``), and, for a
    function-level task (``gold_functions`` in the row, ``path.py:Class.func``), the same metrics of
    ``submission["functions"]`` (else the ``path:symbol`` entries of the file list) prefixed ``func_``.
    """

    name = "file_set_f1"
    workspace_read_only = True  # grades the submission: never touches the workspace
    inline = True  # a set comparison / a string match of the submission, in process

    def __init__(self, key: str = "files") -> None:
        self.key = key

    def config(self) -> dict[str, Any]:
        return {"type": self.name, "key": self.key}

    def grade(self, task: Task, trajectory: Trajectory, workspace: Any) -> Grade:
        submission = trajectory.submission or {}
        score, components = file_set_f1(submission.get(self.key), task.gold_files)
        components.update(ranked_metrics(submission.get(self.key) or [], task.gold_files))
        gold_functions = task.extra.get("gold_functions")
        if gold_functions:
            functions = submission.get("functions") or [f for f in submission.get(self.key) or []
                                                         if isinstance(f, str) and ":" in f]
            components.update(ranked_metrics(functions, gold_functions,
                                             prefix="func_", normalize=normalize_function))
        return Grade(score, components)
