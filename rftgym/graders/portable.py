"""The scoring rules of FileSetF1 and AnswerMatch, in the standard library alone.

This module imports nothing from rftgym or outside the standard library, on purpose: ``rftgym
export --format openai-rft`` ships its source, as it is, inside a ``python`` grader, which runs in a
hosted sandbox without rftgym. The env's graders call the same functions, so a hosted job and
rftgym score a sample alike by construction (``test_export`` runs the exported source with ``python
-I -S`` to hold this module to that).

- ``file_set_f1(submitted, gold)``: F1 of the normalised submitted paths against the gold ones.
- ``match_answer(answer, gold, kind, aliases)``: a CodeQA answer against the gold one, by kind
  (``path``, ``symbol``, ``number``, ``value``, ``list``, ``text``; see ``rftgym.graders.qa``).

Both return ``(score, components)``.
"""

from __future__ import annotations

import ast
import posixpath
import re

MAX_ANSWER = 20_000
_PATH = re.compile(r"[\w\-./]*[\w\-]\.[A-Za-z]\w*")
_NUM = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.]*[A-Za-z_])")
_TICKS = re.compile(r"`([^`]+)`")
_MISSING = object()


def normalize_path(path):
    """``./a/b.py``, ``a//b.py``, ``/a/b.py`` -> ``a/b.py``; paths that escape the root -> None."""
    if not isinstance(path, str):
        return None
    p = posixpath.normpath(path.strip().replace("\\", "/").lstrip("/"))
    if p in (".", "") or p.startswith(".."):
        return None
    return p


def _f1(hit, n_found, n_gold):
    p = hit / n_found if n_found else 0.0
    r = hit / n_gold if n_gold else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return f1, {"f1": f1, "precision": p, "recall": r}


def file_set_f1(submitted, gold):
    """``submitted``: a list of paths (a lone string counts as one); duplicates count once."""
    if isinstance(submitted, str):
        submitted = [submitted]
    golds = {p for p in (normalize_path(g) for g in gold or []) if p}
    found = {p for p in (normalize_path(s) for s in submitted or [] if isinstance(s, str)) if p}
    return _f1(len(golds & found), len(found), len(golds))


def clean(text):
    text = text.strip()
    if text.startswith("```"):
        text = text.strip("`").strip()
    text = re.sub(r"\s+", " ", text)
    return text.strip(" \t*`").rstrip(".;,:!").strip(" \t*`")


def canonical_path(token, gold_is_py):
    token = token.strip("`'\"()[]<>,;")
    if gold_is_py and "/" not in token and not token.endswith(".py") and "." in token:
        token = token.replace(".", "/") + ".py"  # a dotted module name
    return normalize_path(token)


def _literal(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _MISSING


def same_value(answer, gold):
    a, g = _literal(answer), _literal(gold)
    if a is not _MISSING and g is not _MISSING:
        numeric = (int, float)
        if isinstance(a, numeric) and isinstance(g, numeric) and not isinstance(a, bool) and not isinstance(g, bool):
            return a == g
        return type(a) is type(g) and a == g
    return answer.strip().strip("'\"") == gold.strip().strip("'\"")


def _path(answer, accepted):
    golds = {normalize_path(a) for a in accepted}
    is_py = any(g and g.endswith(".py") for g in golds)
    found = {canonical_path(t, is_py) for t in _PATH.findall(answer)}
    found.discard(None)
    return bool(found) and found <= golds and len(found) == 1


def _symbol(answer, accepted):
    spans = [s for s in _TICKS.findall(answer) if "/" not in s and not s.endswith(".py")]
    norm = set()
    for name in spans or [clean(answer)]:
        name = re.sub(r"^(def|class|async def)\s+", "", clean(name))
        norm.add(re.sub(r"\(.*\)$", "", name).strip())
    return len(norm) == 1 and norm <= set(accepted)


def _number(answer, accepted):
    found = {float(x) for x in _NUM.findall(answer)}
    try:
        golds = {float(a) for a in accepted}
    except ValueError:
        return False
    return len(found) == 1 and found <= golds


def _value(answer, accepted):
    spans = _TICKS.findall(answer)
    text = spans[0] if len(spans) == 1 else clean(answer)
    return any(same_value(text, a) for a in accepted)


def _text(answer, accepted):
    def norm(s):
        return re.sub(r"[\W_]+", " ", s.casefold()).strip()

    return norm(answer) in {norm(a) for a in accepted}


def _list(answer, gold):
    items = [i for i in re.split(r"[,;\s]+", gold) if i]
    is_py = any(i.endswith(".py") for i in items)
    golds = {canonical_path(i, is_py) if is_py else i.strip("`'\"") for i in items}
    if is_py:  # only path-like words count, so prose around the list costs nothing
        found = {canonical_path(t, True) for t in _PATH.findall(answer)}
    else:
        found = {t.strip("`'\"()[].:") for t in re.split(r"[,;\s]+", answer)}
    found -= {None, ""}
    return _f1(len(golds & found), len(found), len(golds))


RULES = {"path": _path, "symbol": _symbol, "number": _number, "value": _value, "text": _text}


def match_answer(answer, gold, kind="text", aliases=()):
    """Score ``answer`` (a string; anything else or blank scores 0) against ``gold`` and its aliases."""
    if not isinstance(answer, str) or not answer.strip():
        return 0.0, {"correct": 0.0}
    answer = answer[:MAX_ANSWER]
    if kind == "list":
        return _list(answer, str(gold))
    accepted = [str(gold), *[str(a) for a in aliases or []]]
    ok = float(RULES.get(kind, _text)(answer, accepted))
    return ok, {"correct": ok}
