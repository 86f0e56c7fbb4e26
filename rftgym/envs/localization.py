"""rftgym/FileLocalization-v0: read a bug report or change request, find the files that must change.

Graded by ``FileSetF1`` against the task's ``gold_files``. Read-only tools, so every call of a turn
can run concurrently: the environment where learning to call tools in parallel pays most.
"""

from rftgym.env import EnvSpec
from rftgym.graders import FileSetF1
from rftgym.tools import READ_TOOLS
from rftgym.tools.submit import submit_files

SYSTEM_PROMPT = """You are a software engineer exploring a repository to find where a change must be made.
The user describes a bug or a requested change. Use the tools to search and read the code, then call
submit with the list of files (paths relative to the repository root) that must be edited, most
relevant first. Submit only files you have evidence for: wrong files lower your score.
Calls that do not depend on each other should be made together in one turn; they run in parallel."""

FILE_LOCALIZATION = EnvSpec(
    name="FileLocalization",
    description="Find the 1-3 files a bug report or change request is about; graded by file-set F1.",
    task_kind="localization",
    tools=list(READ_TOOLS),
    submit=submit_files,
    grader=FileSetF1,
    system_prompt=SYSTEM_PROMPT,
    max_turns=20,
    max_tool_calls=60,
)
