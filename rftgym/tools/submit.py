"""Submission tools: the call that ends an episode. Each environment names the one it uses.

The submitted arguments become ``Trajectory.submission``; the grader reads them from there.
"""

from __future__ import annotations

from rftgym.tools import tool


@tool(name="submit", parallel_safe=False, ends_episode=True, register=False)
def submit_files(ws, files: list[str], explanation: str = "") -> str:
    """Submit the files that must change to resolve the request. Ends the episode.

    Args:
        files: paths relative to the repository root, most relevant first
        explanation: optional one-line reason
    """
    return f"submitted {len(files)} file(s)"


@tool(name="submit", parallel_safe=False, ends_episode=True, register=False)
def submit_answer(ws, answer: str) -> str:
    """Submit the final answer to the question. Ends the episode.

    Args:
        answer: the answer, as short and exact as the question allows
    """
    return "answer submitted"


@tool(name="submit", parallel_safe=False, ends_episode=True, register=False)
def submit_patch(ws, summary: str = "") -> str:
    """Submit the changes made in the workspace as the fix. Ends the episode.

    Args:
        summary: optional one-line description of the fix
    """
    return "patch submitted"
