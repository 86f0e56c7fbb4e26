"""Edit tools: write_file, str_replace, insert_lines, apply_patch, and git_diff to see the result.

Writes go through ``Workspace.exec`` (a ``cat`` fed on stdin, ``git apply``), so they land wherever
the workspace's commands run: a local directory or a container. Every tool that writes is a barrier
in a turn (not parallel-safe): reads issued after it in the same turn see its change. Paths are
relative to the repository root; ``.git`` cannot be written.
"""

from __future__ import annotations

import re

from rftgym.sandbox import PathError, normalize_relpath
from rftgym.tools import ToolError, tool
from rftgym.tools.fs import resolve

_CONTEXT = 4
_PATCH_PATH = re.compile(r"^(?:---|\+\+\+) (?:[ab]/)?(\S+)", re.M)


def _target(ws, path: str, *, must_exist: bool) -> str:
    try:
        rel = normalize_relpath(path)
    except PathError as exc:
        raise ToolError("PATH_OUTSIDE_WORKSPACE", str(exc)) from None
    if rel == "." or rel.split("/")[0] == ".git":
        raise ToolError("INVALID_ARGS", f"{path!r} cannot be written; give a file path inside the repository")
    target = resolve(ws, rel, must_exist=must_exist)
    if target.is_dir():
        raise ToolError("INVALID_ARGS", f"{path!r} is a directory; give a file path")
    return rel


def write_text(ws, rel: str, text: str) -> None:
    """Write ``text`` to ``rel`` in the workspace (creating folders) through ``ws.exec``."""
    res = ws.exec(["sh", "-c", 'mkdir -p -- "$(dirname -- "$0")" && cat > "$0"', rel], timeout=30, stdin=text)
    if not res.ok:
        raise ToolError("EXECUTION_ERROR", f"could not write {rel}: {res.combined().strip()[-500:]}")


def _text(ws, rel: str) -> str:
    from rftgym.sandbox.safepath import reader  # the read rule of every in-process tool (no links out)

    text = reader(ws).read_text(rel)
    if text is None:
        raise ToolError("INVALID_ARGS", f"{rel!r} is binary or larger than 1 MB; edit it with run_shell")
    return text


def _excerpt(text: str, first: int, last: int) -> str:
    """Numbered lines ``first``..``last`` (1-based) with a little context, to show what an edit did."""
    lines = text.splitlines()
    lo, hi = max(1, first - _CONTEXT), min(len(lines), last + _CONTEXT)
    width = len(str(hi)) if hi else 1
    return "\n".join(f"{n:>{width}}| {lines[n - 1]}" for n in range(lo, hi + 1))


@tool(parallel_safe=False)
def write_file(ws, path: str, content: str) -> str:
    """Create a file or replace its whole content. Prefer str_replace for small edits to existing files.

    Args:
        path: file path relative to the repository root (folders are created as needed)
        content: the complete new content of the file
    """
    rel = _target(ws, path, must_exist=False)
    write_text(ws, rel, content)
    return f"wrote {rel} ({len(content.splitlines())} lines, {len(content.encode())} bytes)"


@tool(parallel_safe=False)
def str_replace(ws, path: str, old_str: str, new_str: str) -> str:
    """Replace one exact occurrence of old_str in a file with new_str. old_str must match the file
    exactly (whitespace and indentation included) and occur exactly once: include enough surrounding
    lines to make it unique.

    Args:
        path: file path relative to the repository root
        old_str: the exact text to replace (must occur exactly once)
        new_str: the replacement text (may be empty to delete)
    """
    rel = _target(ws, path, must_exist=True)
    if old_str == "":
        raise ToolError("INVALID_ARGS", "old_str is empty; give the exact text to replace (use insert_lines or "
                        "write_file to add text)")
    text = _text(ws, rel)
    count = text.count(old_str)
    if count == 0:
        hint = ""
        if old_str.strip() and old_str.strip() in text:
            hint = " The text occurs with different leading/trailing whitespace; copy it exactly from read_file."
        raise ToolError("NOT_FOUND", f"old_str matches 0 times in {rel}; nothing was changed.{hint} "
                        "Read the file with read_file and copy the text exactly, indentation included.")
    if count > 1:
        starts, pos = [], text.find(old_str)
        while pos >= 0 and len(starts) < 10:
            starts.append(text.count("\n", 0, pos) + 1)
            pos = text.find(old_str, pos + 1)
        raise ToolError("INVALID_ARGS", f"old_str matches {count} times in {rel} (lines "
                        f"{', '.join(map(str, starts))}); nothing was changed. Include more surrounding lines "
                        "so that it matches exactly once.")
    at = text.find(old_str)
    updated = text[:at] + new_str + text[at + len(old_str):]
    write_text(ws, rel, updated)
    first = text.count("\n", 0, at) + 1
    last = first + max(new_str.count("\n"), 0)
    return f"edited {rel}:\n{_excerpt(updated, first, last)}"


@tool(parallel_safe=False)
def insert_lines(ws, path: str, line: int, text: str) -> str:
    """Insert text after a given line of a file (line 0 inserts at the top).

    Args:
        path: file path relative to the repository root
        line: the line number after which to insert (0 for the top, the line count for the end)
        text: the lines to insert
    """
    rel = _target(ws, path, must_exist=True)
    body = _text(ws, rel)
    lines = body.splitlines(keepends=True)
    n = int(line)
    if n < 0 or n > len(lines):
        raise ToolError("INVALID_ARGS", f"line must be between 0 and {len(lines)} (the file's line count), got {n}")
    if lines and not lines[-1].endswith("\n") and n == len(lines):
        lines[-1] += "\n"
    block = text if text.endswith("\n") else text + "\n"
    updated = "".join(lines[:n]) + block + "".join(lines[n:])
    write_text(ws, rel, updated)
    return f"inserted {block.count(chr(10))} line(s) into {rel}:\n{_excerpt(updated, n + 1, n + block.count(chr(10)))}"


@tool(parallel_safe=False, timeout=60)
def apply_patch(ws, patch: str) -> str:
    """Apply a unified diff (as produced by `git diff` or `diff -u`) to the repository. Paths in the
    patch are relative to the repository root, with or without a/ b/ prefixes. Nothing is changed if
    any hunk does not apply.

    Args:
        patch: the unified diff text
    """
    if not patch.strip():
        raise ToolError("INVALID_ARGS", "patch is empty; give a unified diff")
    paths = [p for p in _PATCH_PATH.findall(patch) if p != "/dev/null"]
    if not paths:
        raise ToolError("INVALID_ARGS", "no file headers found; a unified diff has '--- a/path' and '+++ b/path' "
                        "lines before its @@ hunks")
    for p in paths:
        _target(ws, p, must_exist=False)
    text = patch if patch.endswith("\n") else patch + "\n"
    prefix = "1" if re.search(r"^\+\+\+ b/", text, re.M) or re.search(r"^diff --git ", text, re.M) else "0"
    argv = ["git", "apply", f"-p{prefix}", "--recount", "--whitespace=nowarn", "--verbose"]
    res = ws.exec([*argv, "-"], timeout=25, stdin=text)
    if not res.ok:  # hand-written hunks often lack trailing context, which strict git apply anchors at EOF
        lenient = ws.exec([*argv, "--unidiff-zero", "-"], timeout=25, stdin=text)
        res = lenient if lenient.ok else res
    if not res.ok:
        why = "\n".join(res.combined().strip().splitlines()[-15:])
        raise ToolError("INVALID_ARGS", f"the patch was rejected and nothing was changed:\n{why}\n"
                        "Check the context lines against read_file (they must match exactly), or use str_replace.")
    touched = sorted({normalize_relpath(p) for p in paths})
    return f"patch applied to {len(touched)} file(s): {', '.join(touched)}"


@tool(parallel_safe=True, timeout=60)
def git_diff(ws) -> str:
    """Show every change made so far in the repository, as a unified diff against the starting commit."""
    diff = ws.diff()
    return diff if diff.strip() else "no changes yet"
