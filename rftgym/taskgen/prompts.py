"""Task prompts: a bug report from failing tests, and a report from a fix commit's message.

A prompt describes what a user would see (what was called, what was expected, what happened) and
never names the file that has to change: lines that mention it are left out.
"""

from __future__ import annotations

import re

from rftgym.testrun import scrub

_MAX_MESSAGE_LINES = 14
_MAX_LINE_CHARS = 240
_TRAILER = re.compile(r"^(Signed-off-by|Co-authored-by|Reviewed-by|Acked-by|Change-Id|Cc|Tested-by):", re.I)


def names_file(line: str, hide: list[str]) -> bool:
    """Whether ``line`` names one of ``hide`` (as a whole name: ``text.py`` is not in ``test_text.py``)."""
    return any(h and re.search(rf"(?<![\w.-]){re.escape(h)}(?![\w])", line, re.I) for h in hide)


def _block(text: str, hide: list[str], max_lines: int) -> str:
    lines = []
    for line in scrub(text).splitlines():
        if names_file(line, hide):
            continue
        lines.append(line if len(line) <= _MAX_LINE_CHARS else line[:_MAX_LINE_CHARS] + " …")
    if len(lines) > max_lines:
        lines = lines[:max_lines] + ["…"]
    return "\n".join("    " + line for line in lines).rstrip()


def hidden_names(path: str) -> list[str]:
    """What must not appear in a prompt about ``path``: the path, its file name, its module name."""
    module = path[:-3].replace("/", ".") if path.endswith(".py") else path
    if module.endswith(".__init__"):
        module = module[: -len(".__init__")]
    names = [path, path.rsplit("/", 1)[-1]]
    if "." in module:  # a bare top-level module name is too common a word to hide
        names.append(module)
    return names


def symptom_prompt(failing: list[str], details: dict[str, dict], hide: list[str]) -> str:
    """A bug report from the failing tests' records (``message``: the exception, ``line``: the check)."""
    ranked = sorted(failing, key=lambda t: (not details.get(t, {}).get("message"), not details.get(t, {}).get("line"), t))
    main = ranked[0]
    info = details.get(main, {})
    others = [t for t in sorted(failing) if t != main]
    more = (f" ({len(others)} other tests fail as well)" if len(others) > 1 else
            " (1 other test fails as well)" if others else "")
    parts = [f"In the test suite, `{main}` fails{more}."]
    line = _block(info.get("line", ""), hide, 8)
    if line:
        parts.append(f"The check that fails:\n\n{line}")
    message = _block(info.get("message") or info.get("text", ""), hide, _MAX_MESSAGE_LINES)
    if message:
        parts.append(f"What happens instead:\n\n{message}")
    if others:
        shown = ", ".join(f"`{t}`" for t in others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        parts.append(f"Also failing: {shown}.")
    parts.append("Expected: the check holds, as the test says. The tests are correct; find the bug in the "
                 "library code and fix it.")
    return "\n\n".join(parts)


def commit_prompt(message: str) -> str:
    """A fix commit's message as a report: trailers and issue references dropped, blank runs squeezed."""
    lines = [ln.rstrip() for ln in message.strip().splitlines() if not _TRAILER.match(ln.strip())]
    text = "\n".join(lines)
    text = re.sub(r"\s*\((?:closes|fixes|fix|resolves)?\s*#\d+\)", "", text, flags=re.I)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
