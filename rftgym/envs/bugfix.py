"""rftgym/BugFix-v0: read a bug report, find the cause, fix it; graded by the tests, not by the agent.

The agent explores with the read tools, edits with the edit tools, may run the repository's tests with
``run_tests`` or ``run_shell``, and calls ``submit`` when done. ``TestsPass`` grades the workspace's
change in a fresh checkout with the agent's edits to tests and test configuration dropped, so the only
way to a reward is a fix. Tasks come from ``repos/<name>/tasks/bugfix.jsonl`` or a file written by
``rftgym tasks generate --kind bugfix``; for generated tasks the tests that reveal the bug are in the
repository and visible to the agent, as in SWE-smith.
"""

from rftgym.env import EnvSpec
from rftgym.graders.tests import TestsPass
from rftgym.tools import EDIT_TOOLS, READ_TOOLS, SHELL_TOOLS
from rftgym.tools.submit import submit_patch

SYSTEM_PROMPT = """You are a software engineer fixing a bug in a Python repository.
The user reports the bug. Find its cause in the code, fix it with the edit tools, and check the fix
with run_tests. Change the library code, not the tests: edits to tests and test configuration are
ignored when your fix is graded. When the fix is complete, call submit.
Calls that do not depend on each other should be made together in one turn; reads run in parallel."""

BUG_FIX = EnvSpec(
    name="BugFix",
    description="Fix the bug a report describes; graded by fail-to-pass and pass-to-pass tests in a fresh checkout.",
    task_kind="bugfix",
    tools=[*READ_TOOLS, *EDIT_TOOLS, *SHELL_TOOLS],
    submit=submit_patch,
    grader=TestsPass,
    system_prompt=SYSTEM_PROMPT,
    max_turns=40,
    max_tool_calls=120,
    max_seconds=1800.0,
)
