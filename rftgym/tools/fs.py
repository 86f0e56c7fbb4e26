"""Read tools over the workspace tree: list_dir, read_file, find_files."""

from __future__ import annotations

import difflib
import os
import re

from rftgym.sandbox import PathError, normalize_relpath
from rftgym.sandbox.safepath import reader, scandir_inside
from rftgym.tools import ToolError, tool

_MAX_LINES = 400
_MAX_ENTRIES = 500


def resolve(ws, path: str, *, must_exist: bool = True):
    """``ws.resolve`` with agent-facing errors: escapes and missing paths become ``ToolError``."""
    try:
        target = ws.resolve(path)
    except PathError as exc:
        raise ToolError("PATH_OUTSIDE_WORKSPACE", str(exc)) from None
    if must_exist and not os.path.lexists(target):
        raise ToolError("NOT_FOUND", f"{path!r} does not exist.{_suggest(ws, path)}")
    return target


def _suggest(ws, path: str) -> str:
    base = os.path.basename(path.rstrip("/"))
    files = reader(ws).files()
    near = [f for f in files if os.path.basename(f) == base][:5]
    if not near:
        near = difflib.get_close_matches(path, files, n=3, cutoff=0.6)
    return f" Did you mean: {', '.join(near)}?" if near else " Use list_dir or find_files to see what exists."


@tool(parallel_safe=True)
def list_dir(ws, path: str = ".", depth: int = 1) -> str:
    """List a directory of the repository: sub-directories end with '/', sorted by name.

    Args:
        path: directory relative to the repository root ('.' for the root)
        depth: how many levels to descend (1 to 3)
    """
    target = resolve(ws, path)
    if not target.is_dir():
        raise ToolError("INVALID_ARGS", f"{path!r} is a file, not a directory; use read_file to read it")
    depth = max(1, min(int(depth), 3))
    rel_root = normalize_relpath(path)
    lines: list[str] = []

    def walk(directory: str, prefix: str, level: int) -> None:
        try:
            entries = scandir_inside(ws.root, directory)  # links leading outside are left out
        except (OSError, PathError):
            return
        for name, is_dir in entries:
            if len(lines) >= _MAX_ENTRIES:
                return
            lines.append(f"{prefix}{name}{'/' if is_dir else ''}")
            if is_dir and level < depth:
                walk(f"{directory}/{name}", prefix + name + "/", level + 1)

    walk(rel_root, "", 1)
    if not lines:
        return f"{rel_root}/ is empty"
    more = f"\n[listing capped at {_MAX_ENTRIES} entries; list a sub-directory]" if len(lines) >= _MAX_ENTRIES else ""
    return "\n".join(lines) + more


@tool(parallel_safe=True)
def read_file(ws, path: str, start_line: int = 1, end_line: int | None = None) -> str:
    """Read a text file with numbered lines, at most 400 lines per call.

    Args:
        path: file path relative to the repository root
        start_line: first line to show (1-based)
        end_line: last line to show (inclusive); default: start_line + 399
    """
    target = resolve(ws, path)
    if target.is_dir():
        raise ToolError("INVALID_ARGS", f"{path!r} is a directory; use list_dir to see its contents")
    rel = normalize_relpath(path)
    text = reader(ws).read_text(rel)
    if text is None:
        raise ToolError("INVALID_ARGS", f"{path!r} is binary, larger than 1 MB or a link leading outside the "
                        "repository; it cannot be shown as text")
    lines = text.splitlines()
    total = len(lines)
    start = max(1, int(start_line))
    if total and start > total:
        raise ToolError("INVALID_ARGS", f"start_line {start} is past the end of {path!r} ({total} lines)")
    end = total if end_line is None else min(int(end_line), total)
    end = min(end, start + _MAX_LINES - 1)
    if end < start and total:
        raise ToolError("INVALID_ARGS", f"end_line {end_line} is before start_line {start}")
    width = len(str(end)) if end else 1
    body = "\n".join(f"{n:>{width}}| {lines[n - 1]}" for n in range(start, end + 1))
    header = f"{rel} (lines {start}-{end} of {total})" if total else f"{rel} (empty file)"
    tail = f"\n[{total - end} more lines; call read_file with start_line={end + 1}]" if end < total else ""
    return f"{header}\n{body}{tail}"


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """A glob (``*``, ``?``, ``[..]``, ``**``) as a regex over POSIX relative paths."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = pattern.find("]", i + 1)
            if j < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1:j].replace("\\", "\\\\")
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z")


def files_under(ws, path: str, glob: str | None = None, *, files: list[str] | None = None) -> list[str]:
    """Visible files below ``path`` (and matching ``glob``: against the basename if it has no '/').

    ``files``: the call's file list (``WorkspaceReader.files()``); by default a new reader's. Links
    that resolve outside the workspace are never in it.
    """
    rel = normalize_relpath(path)
    if files is None:
        files = reader(ws).files()
    if rel != ".":
        resolve(ws, path)
        files = [f for f in files if f == rel or f.startswith(rel + "/")]
    if glob:
        rx = glob_to_regex(glob)
        files = [f for f in files if rx.match(f if "/" in glob else f.rsplit("/", 1)[-1])]
    return files


@tool(parallel_safe=True)
def find_files(ws, pattern: str, path: str = ".") -> str:
    """Find files by glob pattern, e.g. '*.py', '**/test_*.py', 'src/**/config*'. A pattern without '/'
    matches file names anywhere below path.

    Args:
        pattern: glob pattern (*, ?, [abc], ** for any depth)
        path: directory to search below, relative to the repository root
    """
    if not pattern.strip():
        raise ToolError("INVALID_ARGS", "pattern is empty; give a glob such as '*.py'")
    matches = files_under(ws, path, pattern)
    if not matches:
        return f"no files match {pattern!r} under {normalize_relpath(path)}"
    shown = matches[:200]
    more = f"\n[{len(matches) - 200} more; narrow the pattern]" if len(matches) > 200 else ""
    return "\n".join(shown) + more
