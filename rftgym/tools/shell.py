"""Shell tools: run_shell, run_python and run_tests, all through ``Workspace.exec``.

A command's failure is an observation, not a tool error: the agent sees the exit code and the output.
Tool errors are for calls that could not run as asked (an empty command, a bad timeout). These tools
can change the tree, so they are barriers in a turn.
"""

from __future__ import annotations

from rftgym.testrun import run_pytest, summarize
from rftgym.tools import ToolError, tool
from rftgym.tools.executor import call_deadline

_MAX_TIMEOUT = 300
_OUTPUT_LINES = 200


def _clip_timeout(timeout: int | float) -> float:
    """The command's timeout: the agent's, at most 300 s, and ending before the executor's deadline for
    this call (so the process group is killed and reported, instead of left running after a TIMEOUT)."""
    t = float(timeout)
    if t <= 0:
        raise ToolError("INVALID_ARGS", f"timeout must be a positive number of seconds, got {timeout}")
    left = call_deadline()
    if left is not None:
        t = min(t, max(0.05, left - min(2.0, 0.25 * left)))  # time to kill, reap and report
    return min(t, _MAX_TIMEOUT)


def _report(res, timeout: float) -> str:
    lines = res.combined().rstrip().splitlines()
    if len(lines) > _OUTPUT_LINES:
        cut = len(lines) - _OUTPUT_LINES
        lines = [f"[first {cut} lines omitted]"] + lines[-_OUTPUT_LINES:]
    body = "\n".join(lines)
    if res.timed_out:
        head = f"timed out after {timeout:.0f}s (the command was killed)"
    else:
        head = f"exit code {res.exit_code}"
    if res.truncated:
        head += " (output capped)"
    return f"{head}\n{body}" if body else head


@tool(parallel_safe=False, timeout=_MAX_TIMEOUT + 15)
def run_shell(ws, command: str, timeout: int = 60) -> str:
    """Run a bash command in the repository root and return its exit code and output (last 200 lines).
    There is no network access. Use it to run scripts, inspect the environment or move files.

    Args:
        command: the bash command line
        timeout: seconds before the command is killed (at most 300)
    """
    if not command.strip():
        raise ToolError("INVALID_ARGS", "command is empty; give a bash command line such as 'ls -la'")
    limit = _clip_timeout(timeout)
    return _report(ws.exec(command, timeout=limit), limit)


@tool(parallel_safe=False, timeout=_MAX_TIMEOUT + 15)
def run_python(ws, code: str, timeout: int = 60) -> str:
    """Run a Python snippet with the repository root as the working directory (so its packages import)
    and return its exit code and output. Print what you want to see.

    Args:
        code: Python source to run
        timeout: seconds before it is killed (at most 300)
    """
    if not code.strip():
        raise ToolError("INVALID_ARGS", "code is empty; give Python source such as 'print(1 + 1)'")
    limit = _clip_timeout(timeout)
    python = getattr(ws, "python", None) or "python"
    # `-c` puts the working directory on sys.path, so the repository's packages import as in its tests.
    return _report(ws.exec([python, "-c", code], timeout=limit), limit)


@tool(parallel_safe=False, timeout=_MAX_TIMEOUT + 30)
def run_tests(ws, tests: list[str] | None = None, timeout: int = 300) -> str:
    """Run the repository's tests with pytest and report each test as passed, failed, error, skipped or
    xfailed, with excerpts of the failures. Select tests to keep it fast.

    Args:
        tests: test ids or paths, e.g. ["tests/test_cart.py::test_total", "tests/test_tax.py"]; empty runs all
        timeout: seconds before the run is killed (at most 300)
    """
    selection = [t.strip() for t in (tests or []) if isinstance(t, str) and t.strip()]
    for t in selection:
        if t.startswith("-"):
            raise ToolError("INVALID_ARGS", f"{t!r} looks like a pytest option; pass only test ids or paths")
    limit = _clip_timeout(timeout)
    return summarize(run_pytest(ws, selection, timeout=limit))
