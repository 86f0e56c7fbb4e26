"""rftgym/Optimize-v0: make a slow function faster without changing what it does.

A task names a function (``module``, ``function``) of the repository. The agent reads it, rewrites
it with the edit tools, may run the repository's tests with ``run_tests``, and calls ``submit``.
``EquivalenceSpeedup`` grades the workspace: hidden randomised equivalence checks against the
original, which runs in a fresh workspace of the pristine commit in a process of its own, times the
measured speedup; wrong behaviour scores 0. Both the agent's code and the original run through the
sandbox (the local view or the container), never on the host beside it. Built-in tasks: ``repos/perfkit/tasks/optimize.jsonl``.
"""

from rftgym.env import EnvSpec
from rftgym.graders.optimize import EquivalenceSpeedup
from rftgym.tools import EDIT_TOOLS, READ_TOOLS
from rftgym.tools.submit import submit_patch

SYSTEM_PROMPT = """You are a performance engineer. The user names a function that is too slow.
Read it and the code it uses, then rewrite it with the edit tools so that it is much faster on large
inputs while behaving exactly the same: the same results, the same exceptions and the same effect on
its arguments, for every input, not just the tested ones. Keep its name, module and signature. You may
run the repository's tests with run_tests. When done, call submit. Your change is checked on hidden
inputs and timed against the original."""

OPTIMIZE = EnvSpec(
    name="Optimize",
    description="Make a slow function faster without changing its behaviour; graded by hidden equivalence checks x speedup.",
    task_kind="optimize",
    tools=[*READ_TOOLS, *EDIT_TOOLS, "run_tests"],
    submit=submit_patch,
    grader=EquivalenceSpeedup,
    system_prompt=SYSTEM_PROMPT,
    max_turns=24,
    max_tool_calls=60,
    max_seconds=900.0,
)
