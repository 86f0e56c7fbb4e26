"""What every task format shares: JSON-or-list fields, the files and functions a patch touches.

- ``as_list(value)``: a list of strings from a list or a JSON string of one (``"[\"a\", \"b\"]"``).
- ``patch_files(patch, include_tests=False)``: paths a unified diff modifies (pre-image paths; added
  files by their new path), in patch order, test files left out unless asked for.
- ``patch_functions(patch, read_old)``: ``path.py:Class.func`` names of the functions (and methods)
  whose pre-patch lines a hunk changes, found by parsing the pre-patch file with ``ast``;
  ``read_old(path)`` returns that file's text or None (a file it cannot read adds nothing).
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any, Callable

from rftgym.types import TaskError

_DIFF = re.compile(r"^diff --git a/(.+?) b/(.+)$")
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")
_TEST = re.compile(r"(^|/)(tests?|testing)/|(^|/)test_[^/]*\.py$|_test\.py$|(^|/)conftest\.py$")


def as_list(value: Any, where: str, field: str) -> list[str]:
    """``value`` as a list of strings: a list, a JSON string of a list, or empty for None/''."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise TaskError(f"{where}: field {field!r} must be a list or a JSON list, got {value[:80]!r}") from None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TaskError(f"{where}: field {field!r} must be a list of strings, got {value!r:.80}")
    return value


def is_test_path(path: str) -> bool:
    return bool(_TEST.search(path))


def patch_files(patch: str, include_tests: bool = False) -> list[str]:
    """The files ``patch`` touches, in order, each once (see the module docstring)."""
    out: list[str] = []
    for line in (patch or "").splitlines():
        m = _DIFF.match(line)
        if m:
            old, new = m.group(1), m.group(2)
            path = old if old == new else new
            if path not in out and (include_tests or not is_test_path(path)):
                out.append(path)
    return out


def changed_old_lines(patch: str) -> dict[str, set[int]]:
    """Per pre-image path, the pre-image line numbers a hunk removes or inserts next to."""
    out: dict[str, set[int]] = {}
    path, line_no = None, 0
    for line in (patch or "").splitlines():
        m = _DIFF.match(line)
        if m:
            path = m.group(1)
            continue
        h = _HUNK.match(line)
        if h and path:
            line_no = int(h.group(1))
            continue
        if path is None or line.startswith(("---", "+++", "index ", "new file", "deleted file")):
            continue
        if line.startswith("-"):
            out.setdefault(path, set()).add(line_no)
            line_no += 1
        elif line.startswith("+"):
            out.setdefault(path, set()).add(max(line_no - 1, 1))  # an insertion sits after the line before it
        elif line.startswith(" "):
            line_no += 1
    return out


def _functions_at(source: str, lines: set[int]) -> list[str]:
    """Qualified names of the innermost functions covering any of ``lines`` in ``source``."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    found: list[str] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                start = min([child.lineno] + [d.lineno for d in getattr(child, "decorator_list", [])])
                end = child.end_lineno or child.lineno
                inner_before = len(found)
                visit(child, name + ".")
                if isinstance(child, ast.ClassDef):
                    continue
                if len(found) == inner_before and any(start <= n <= end for n in lines) and name not in found:
                    found.append(name)
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def patch_functions(patch: str, read_old: Callable[[str], str | None]) -> list[str]:
    """``path.py:Qual.name`` of each pre-patch function a hunk of ``patch`` changes (non-test .py files)."""
    out: list[str] = []
    for path, lines in changed_old_lines(patch).items():
        if not path.endswith(".py") or is_test_path(path):
            continue
        source = read_old(path)
        if source is None:
            continue
        out.extend(f"{path}:{name}" for name in _functions_at(source, lines))
    return out
