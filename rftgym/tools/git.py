"""git_log and git_show: the repository's history, up to the task's commit and never past it.

They read the snapshot's own git directory, which no agent can write to, so an agent that rewrites
``.git`` in its workspace changes what ``run_shell`` sees but not what these tools report.
"""

from __future__ import annotations

import re
import subprocess

from rftgym.sandbox import PathError, normalize_relpath
from rftgym.tools import ToolError, tool

_REV = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.~^/@{}-]*$")


def _git(ws, args: list[str]) -> str:
    out = subprocess.run(["git", "--git-dir", str(ws.history_git_dir), "-c", "core.quotePath=false", *args],
                         capture_output=True, text=True, timeout=30, errors="replace")
    if out.returncode != 0:
        raise ToolError("INVALID_ARGS", out.stderr.strip().splitlines()[0] if out.stderr.strip() else "git failed")
    return out.stdout


def _path(path: str) -> list[str]:
    if not path:
        return []
    try:
        return ["--", normalize_relpath(path)]
    except PathError as exc:
        raise ToolError("PATH_OUTSIDE_WORKSPACE", str(exc)) from None


@tool(parallel_safe=True)
def git_log(ws, path: str = "", max_count: int = 20) -> str:
    """Show the commit history (newest first), optionally only commits touching a path.

    Args:
        path: file or directory to filter by; empty for the whole repository
        max_count: how many commits to show (1 to 100)
    """
    n = max(1, min(int(max_count), 100))
    out = _git(ws, ["log", f"--max-count={n}", "--date=short", "--format=%h %ad %an%n    %s",
                    ws.commit, *_path(path)])
    note = ("\n(history is limited: this repository copy is shallow, so older commits are not available)"
            if (ws.history_git_dir / "shallow").is_file() else "")
    return (out.strip() or "no commits touch that path") + note


@tool(parallel_safe=True)
def git_show(ws, revision: str, path: str = "") -> str:
    """Show a commit (message, changed files and patch), or a file as it was at a commit.

    Args:
        revision: a commit hash or expression such as 'HEAD~2'
        path: with a path, show that file at the revision instead of the commit
    """
    rev = revision.strip()
    if not _REV.match(rev):
        raise ToolError("INVALID_ARGS", f"{revision!r} is not a revision; pass a commit hash or e.g. 'HEAD~1'")
    rev = ws.commit + rev[4:] if rev.startswith("HEAD") else rev
    if path:
        rel = _path(path)[1]
        return _git(ws, ["show", f"{rev}:{rel}"])
    return _git(ws, ["show", "--stat", "--patch", "--format=commit %H%nAuthor: %an%nDate:   %ad%n%n    %s%n", rev])
