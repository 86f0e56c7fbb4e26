"""Tasks from any repository (a built-in name, a local path or a git URL).

``generate(kind, repo, **options) -> list of task rows`` picks the generator for ``kind`` from
``GENERATORS`` (a plain dict: a new kind is one entry). Options every generator takes: ``n`` (how many
tasks), ``seed``, ``commit`` (default: the repo's HEAD, or the pinned commit of a built-in repo),
``progress`` (a ``(stage, done, total)`` callback). ``write_jsonl`` writes the rows; the same repo,
commit and seed give a byte-identical file.

- ``bugfix``: mutants caught by the repo's tests (``rftgym.taskgen.mutation``); ``source="history"``
  fix commits with their tests, as validated SWE-bench rows (``rftgym.taskgen.history.generate_bugfix``,
  ``recipes=`` a recipes file for the repo's environment, ``max_candidates=`` how many fix commits
  to run, ``reruns=`` extra runs that find flaky tests (default 2), ``dropped=`` a ``(sha, why)``
  callback for those that do not become rows).
- ``localization``: ``source="mutation"`` (default) the same mutants with their file as the answer;
  ``source="history"`` fix commits from git history (``rftgym.taskgen.history``).
- ``qa``: code questions with verifiable answers (``rftgym.taskgen.qa``), for CodeQA-v0.

``validate(tasks)`` (``rftgym.taskgen.validate``) re-checks rows: gold patches score 1, empty ones 0.
"""

from __future__ import annotations

from typing import Any, Callable

from rftgym.taskgen import history, mutation
from rftgym.taskgen.common import TaskgenError, write_jsonl


def _bugfix(repo: str, **options: Any) -> list[dict[str, Any]]:
    source = options.pop("source", "mutation")
    if source == "history":
        return history.generate_bugfix(repo, **options)
    if source != "mutation":
        raise TaskgenError(f"unknown source {source!r} for bugfix tasks; use mutation or history")
    return mutation.generate(repo, kind="bugfix", **_mutation_options(options))


def _mutation_options(options: dict[str, Any]) -> dict[str, Any]:
    """``options`` less those only history generation reads (recipes, candidate cap, reruns, drop reports)."""
    return {k: v for k, v in options.items() if k not in ("recipes", "max_candidates", "reruns", "dropped")}


def _localization(repo: str, *, source: str = "mutation", **options: Any) -> list[dict[str, Any]]:
    if source == "history":
        return history.generate(repo, **options)
    if source == "mutation":
        return mutation.generate(repo, kind="localization", **_mutation_options(options))
    raise TaskgenError(f"unknown source {source!r} for localization tasks; use mutation or history")


def _qa(repo: str, **options: Any) -> list[dict[str, Any]]:
    if options.pop("source", None) not in (None, "code"):
        raise TaskgenError("qa tasks come from the code only; drop --source")
    from rftgym.taskgen.qa import generate_qa

    return generate_qa(repo, **options)


GENERATORS: dict[str, Callable[..., list[dict[str, Any]]]] = {
    "bugfix": _bugfix,
    "localization": _localization,
    "qa": _qa,
}


def generate(kind: str, repo: str, **options: Any) -> list[dict[str, Any]]:
    """Task rows of ``kind`` from ``repo``; see the module docstring for the options."""
    if kind not in GENERATORS:
        raise TaskgenError(f"unknown task kind {kind!r}; choose from {', '.join(sorted(GENERATORS))}")
    return GENERATORS[kind](repo, **{k: v for k, v in options.items() if v is not None})


__all__ = ["GENERATORS", "TaskgenError", "generate", "write_jsonl"]
