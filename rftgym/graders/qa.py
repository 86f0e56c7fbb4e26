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

Score 1 or 0 (``list``: F1). Long answers are cut at 20,000 characters before matching.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from rftgym.graders import Grader
from rftgym.graders.f1 import normalize_path
from rftgym.types import Grade, Task, Trajectory

KINDS = ("path", "symbol", "number", "value", "list", "text")
_PATH = re.compile(r"[\w\-./]*[\w\-]\.[A-Za-z]\w*")
_NUM = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.]*[A-Za-z_])")
_TICKS = re.compile(r"`([^`]+)`")
_MAX = 20_000


def clean(text: str) -> str:
    text = text.strip()
    if text.startswith("```"):
        text = text.strip("`").strip()
    text = re.sub(r"\s+", " ", text)
    return text.strip(" \t*`").rstrip(".;,:!").strip(" \t*`")


def canonical_path(token: str, gold_is_py: bool) -> str | None:
    token = token.strip("`'\"()[]<>,;")
    if gold_is_py and "/" not in token and not token.endswith(".py") and "." in token:
        token = token.replace(".", "/") + ".py"  # a dotted module name
    return normalize_path(token)


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _MISSING


_MISSING = object()


def same_value(answer: str, gold: str) -> bool:
    a, g = _literal(answer), _literal(gold)
    if a is not _MISSING and g is not _MISSING:
        numeric = (int, float)
        if isinstance(a, numeric) and isinstance(g, numeric) and not isinstance(a, bool) and not isinstance(g, bool):
            return a == g
        return type(a) is type(g) and a == g
    strip = lambda s: s.strip().strip("'\"")  # noqa: E731
    return strip(answer) == strip(gold)


class AnswerMatch(Grader):
    """Normalised exact match of ``submission["answer"]`` against ``task.answer`` (module docstring)."""

    name = "answer_match"

    def __init__(self, key: str = "answer") -> None:
        self.key = key

    def config(self) -> dict[str, Any]:
        return {"type": self.name, "key": self.key}

    def grade(self, task: Task, trajectory: Trajectory, workspace: Any) -> Grade:
        if task.answer is None:
            return Grade(0.0, {}, f"task {task.id} has no answer; CodeQA tasks need an \"answer\" field")
        raw = (trajectory.submission or {}).get(self.key)
        if not isinstance(raw, str) or not raw.strip():
            return Grade(0.0, {"correct": 0.0})
        answer = raw[:_MAX]
        kind = task.extra.get("answer_kind", "text")
        accepted = [str(task.answer), *[str(a) for a in task.extra.get("aliases") or []]]
        if kind == "list":
            return self._list(answer, str(task.answer))
        ok = {"path": self._path, "symbol": self._symbol, "number": self._number, "value": self._value,
              "text": self._text}.get(kind, self._text)(answer, accepted)
        return Grade(float(ok), {"correct": float(ok)})

    @staticmethod
    def _path(answer: str, accepted: list[str]) -> bool:
        golds = {normalize_path(a) for a in accepted}
        is_py = any(g and g.endswith(".py") for g in golds)
        found = {canonical_path(t, is_py) for t in _PATH.findall(answer)}
        found.discard(None)
        return bool(found) and found <= golds and len(found) == 1

    @staticmethod
    def _symbol(answer: str, accepted: list[str]) -> bool:
        spans = [s for s in _TICKS.findall(answer) if "/" not in s and not s.endswith(".py")]
        names = spans or [clean(answer)]
        norm = set()
        for name in names:
            name = re.sub(r"^(def|class|async def)\s+", "", clean(name))
            name = re.sub(r"\(.*\)$", "", name).strip()
            norm.add(name)
        return len(norm) == 1 and norm <= set(accepted)

    @staticmethod
    def _number(answer: str, accepted: list[str]) -> bool:
        found = {float(x) for x in _NUM.findall(answer)}
        try:
            golds = {float(a) for a in accepted}
        except ValueError:
            return False
        return len(found) == 1 and found <= golds

    @staticmethod
    def _value(answer: str, accepted: list[str]) -> bool:
        spans = _TICKS.findall(answer)
        text = spans[0] if len(spans) == 1 else clean(answer)
        return any(same_value(text, a) for a in accepted)

    @staticmethod
    def _text(answer: str, accepted: list[str]) -> bool:
        norm = lambda s: re.sub(r"[\W_]+", " ", s.casefold()).strip()  # noqa: E731
        return norm(answer) in {norm(a) for a in accepted}

    @staticmethod
    def _list(answer: str, gold: str) -> Grade:
        items = [i for i in re.split(r"[,;\s]+", gold) if i]
        is_py = any(i.endswith(".py") for i in items)
        golds = {canonical_path(i, is_py) if is_py else i.strip("`'\"") for i in items}
        if is_py:  # only path-like words count, so prose around the list costs nothing
            found = {canonical_path(t, True) for t in _PATH.findall(answer)}
        else:
            found = {t.strip("`'\"()[].:") for t in re.split(r"[,;\s]+", answer)}
        found -= {None, ""}
        hit = len(golds & found)
        p = hit / len(found) if found else 0.0
        r = hit / len(golds) if golds else 0.0
        f1 = 2 * p * r / (p + r) if hit else 0.0
        return Grade(f1, {"f1": f1, "precision": p, "recall": r})
