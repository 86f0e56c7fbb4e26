"""TestsPass: the reward of a bug fix is whether the hidden and existing tests pass on it.

``grade(task, trajectory, workspace)``:

1. opens a **fresh** workspace of ``task.repo`` at ``task.commit`` from the sandbox that opened the
   episode's workspace (``workspace.sandbox``; a local sandbox when it has none), so nothing the agent
   left running or wrote outside its diff can reach grading;
2. applies the agent's change (``workspace.diff()``) minus every edit to tests and test machinery:
   test files and anything under a tests folder, ``conftest.py``, ``pytest.ini``/``tox.ini``/
   ``setup.cfg``, a ``pyproject.toml`` whose ``[tool.pytest...]`` table changed, ``sitecustomize``/
   ``usercustomize``/``.pth`` start-up hooks, and top-level modules that would shadow pytest;
3. applies the task's hidden tests (``test_patch``), then runs ``fail_to_pass`` and ``pass_to_pass``
   with ``rftgym.testrun.run_pytest`` under a timeout.

A test run that could not be made at all (the fresh workspace's shell or interpreter failed to
start: ``TestRun.infra``) gives an ``infra`` grade, not a 0 (see ``rftgym.graders.safe_grade``).

Score 1 only when every selected test has a plain pass in a trusted run (skipped, xfailed, xpassed,
errored and missing tests count as failures; a run whose exit code disagrees with its recorded
results, or that recorded none, passes nothing). Components: ``fail_to_pass`` and ``pass_to_pass``
(fractions passing) and ``dropped_files`` (how many of the agent's files were ignored).

The agent's submission text is not read: a truncated episode is graded on the change it made.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: any pyproject.toml change is then treated as a config change
    tomllib = None

from rftgym.graders import Grader
from rftgym.sandbox.derived import register_tasks
from rftgym.testrun import is_protected, run_pytest
from rftgym.types import Grade, Task, Trajectory

_HEADER = re.compile(r"^(--- |\+\+\+ |rename from |rename to |copy from |copy to )(.+)$", re.M)


class TestsPass(Grader):
    """Fail-to-pass and pass-to-pass tests in a fresh workspace. See the module docstring."""

    __test__ = False  # not a pytest test class, despite the name
    name = "tests_pass"

    def __init__(self, timeout: float = 300.0) -> None:
        self.timeout = float(timeout)

    def config(self) -> dict[str, Any]:
        return {"type": self.name, "timeout": self.timeout}

    def grade(self, task: Task, trajectory: Trajectory | None, workspace: Any) -> Grade:
        selected = sorted(set(task.fail_to_pass) | set(task.pass_to_pass))
        if not task.fail_to_pass:
            return Grade(0.0, {}, f"task {task.id} has no fail_to_pass tests; a bug-fix task needs at least one")
        diff = workspace.diff() if workspace is not None else ""
        register_tasks([task])
        sandbox, owned = getattr(workspace, "sandbox", None), False
        if sandbox is None:
            from rftgym.sandbox.local import LocalSandbox

            sandbox, owned = LocalSandbox(pool_size=0), True
        # The image the episode ran in (the env's, when the task names none), so the tests see the same tools.
        fresh = sandbox.open(task.repo, task.commit, image=task.image or getattr(workspace, "image", None))
        try:
            kept, dropped = filter_diff(diff, original=fresh, changed=workspace)
            comps = {"fail_to_pass": 0.0, "pass_to_pass": 0.0, "dropped_files": float(len(dropped))}
            if kept.strip():
                applied = git_apply(fresh, kept)
                if applied:
                    return Grade(0.0, comps, f"the agent's change does not apply to a fresh checkout: {applied}")
            if task.test_patch.strip():
                applied = git_apply(fresh, task.test_patch)
                if applied:
                    return Grade(0.0, comps, f"the task's test_patch does not apply: {applied}")
            run = run_pytest(fresh, selected, timeout=self.timeout)
        finally:
            sandbox.release(fresh)
            if owned:
                sandbox.close()
        f2p = sum(run.passed(t) for t in task.fail_to_pass) / len(task.fail_to_pass)
        p2p = sum(run.passed(t) for t in task.pass_to_pass) / len(task.pass_to_pass) if task.pass_to_pass else 1.0
        comps.update(fail_to_pass=f2p, pass_to_pass=p2p)
        score = 1.0 if run.trusted and f2p == 1.0 and p2p == 1.0 else 0.0
        # A run that could not be made (the workspace's shell or interpreter failed) is the machinery's
        # failure, not the agent's; a run the agent's code broke (exit at import, a crash) scores 0.
        return Grade(score, comps, None if run.trusted else run.problem, infra=run.infra)


def git_apply(ws: Any, patch: str) -> str | None:
    """Apply a git patch in ``ws``; None on success, else why not."""
    text = patch if patch.endswith("\n") else patch + "\n"
    res = ws.exec(["git", "apply", "--whitespace=nowarn", "-"], timeout=120, stdin=text)
    return None if res.ok else res.combined().strip()[-800:]


def split_diff(diff: str) -> list[tuple[list[str], str]]:
    """A ``git diff`` -> one ``(paths, text)`` per file, paths taken from its headers."""
    blocks: list[tuple[list[str], str]] = []
    for chunk in re.split(r"(?m)^(?=diff --git )", diff):
        if not chunk.startswith("diff --git "):
            continue
        head = chunk.split("\n@@", 1)[0]
        paths = [_unquote(value, strip_prefix=key in ("--- ", "+++ ")) for key, value in _HEADER.findall(head)]
        if not paths:  # a mode change or an empty file: only the `diff --git a/X b/X` line names it
            first = chunk.split("\n", 1)[0][len("diff --git "):]
            half = len(first) // 2
            paths = [first[2:half]] if first[half:half + 3] == " b/" else [_unquote(first, strip_prefix=True)]
        blocks.append((sorted(set(p for p in paths if p != "/dev/null")), chunk))
    return blocks


def _unquote(path: str, *, strip_prefix: bool) -> str:
    """A path as git prints it in a header (C-quoted when it has special characters) -> the path."""
    path = path.rstrip("\t").strip()
    if len(path) >= 2 and path[0] == '"' == path[-1]:
        path = codecs.escape_decode(path[1:-1].encode("utf-8"))[0].decode("utf-8", "replace")
    if path == "/dev/null":
        return path
    return path[2:] if strip_prefix and path[:2] in ("a/", "b/") else path


def filter_diff(diff: str, *, original: Any, changed: Any) -> tuple[str, list[str]]:
    """Drop the blocks of ``diff`` that touch protected paths. Returns ``(kept diff, dropped paths)``.

    ``original`` and ``changed`` are workspaces (before and after the change) used to judge a
    ``pyproject.toml`` by whether its pytest configuration changed.
    """
    kept, dropped = [], []
    for paths, text in split_diff(diff):
        bad = [p for p in paths if is_protected(p) or (p.rsplit("/", 1)[-1] == "pyproject.toml"
                                                       and _pytest_config_changed(p, original, changed))]
        if bad:
            dropped.extend(paths)
        else:
            kept.append(text)
    return "".join(kept), sorted(set(dropped))


def _pytest_config_changed(path: str, original: Any, changed: Any) -> bool:
    def table(ws: Any) -> Any:
        text = ws.read_text(path) if ws is not None else None
        if text is None:
            return None
        if tomllib is None:
            return text
        try:
            return tomllib.loads(text).get("tool", {}).get("pytest")
        except ValueError:  # tomllib.TOMLDecodeError
            return "unparseable"
    return table(original) != table(changed)
