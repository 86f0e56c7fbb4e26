"""rftgym/CodeQA-v0: answer a developer's question about a codebase, with a verifiable answer.

Questions are generated from the code (``rftgym tasks generate --kind qa``; built-in sets in
``repos/<name>/tasks/qa.jsonl``): where a symbol is defined, which class defines a method, which
modules import a module, which function raises an exception, how many classes subclass a class,
what a function returns on an empty argument, a parameter's default, a constant's value. Read-only
tools; the agent answers by calling ``submit`` or with a plain-text reply. ``AnswerMatch`` grades
deterministically by the task's ``answer_kind``; any OpenAI-format grader (string_check,
text_similarity, a score_model judge) can replace it through ``grader=``.
"""

from rftgym.env import EnvSpec
from rftgym.graders.qa import AnswerMatch
from rftgym.tools import READ_TOOLS
from rftgym.tools.submit import submit_answer

SYSTEM_PROMPT = """You are a software engineer answering a question about the repository you have access to.
Use the tools to search and read the code; do not guess. Then call submit with the answer (or reply
with the answer as plain text). Answer exactly and briefly, with nothing else: a file path relative to
the repository root, a name, a number or a value as the question asks; for a list, the items
separated by commas. Calls that do not depend on each other should be made together in one turn."""

CODE_QA = EnvSpec(
    name="CodeQA",
    description="Answer a question about the code (paths, names, counts, values); graded by normalised exact match.",
    task_kind="qa",
    tools=list(READ_TOOLS),
    submit=submit_answer,
    grader=AnswerMatch,
    system_prompt=SYSTEM_PROMPT,
    max_turns=16,
    max_tool_calls=48,
    text_is_answer=True,
)
