"""Code block info strings: languages, highlighted lines and titles."""

import re
from dataclasses import dataclass, field

from ..text.escape import escape_html

LANGUAGE_ALIASES = {
    "py": "python",
    "python3": "python",
    "js": "javascript",
    "ts": "typescript",
    "sh": "bash",
    "shell": "bash",
    "yml": "yaml",
    "md": "markdown",
    "rb": "ruby",
    "c++": "cpp",
}

HIGHLIGHT_RE = re.compile(r"\{([0-9,\s-]+)\}")
TITLE_RE = re.compile(r'title="([^"]*)"')


@dataclass(frozen=True)
class CodeInfo:
    language: str = ""
    highlight: frozenset = field(default_factory=frozenset)
    title: str = None


def canonical_language(name):
    name = name.strip().lower()
    return LANGUAGE_ALIASES.get(name, name)


def parse_line_spec(spec):
    """Parse ``"1,3-5"`` into ``{1, 3, 4, 5}``; line numbers start at 1."""
    lines = set()
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            first, _, last = part.partition("-")
            start, end = int(first), int(last)
            if start > end:
                raise ValueError(f"invalid line range: {part}")
        else:
            start = end = int(part)
        if start < 1:
            raise ValueError(f"line numbers start at 1: {part}")
        lines.update(range(start, end + 1))
    return lines


def parse_info_string(info):
    """Parse a fence info string such as ``py {2,4-5} title="main.py"``."""
    info = info.strip()
    highlight = frozenset()
    match = HIGHLIGHT_RE.search(info)
    if match:
        highlight = frozenset(parse_line_spec(match.group(1)))
        info = (info[:match.start()] + info[match.end():]).strip()
    title = None
    match = TITLE_RE.search(info)
    if match:
        title = match.group(1)
        info = (info[:match.start()] + info[match.end():]).strip()
    language = info.split()[0] if info else ""
    return CodeInfo(canonical_language(language), highlight, title)


def render_code_lines(code, highlight=frozenset(), line_numbers=False):
    """Escape code and wrap highlighted lines / add line numbers."""
    trailing_newline = code.endswith("\n")
    lines = code.split("\n")
    if trailing_newline:
        lines.pop()
    rendered = []
    for number, line in enumerate(lines, start=1):
        html = escape_html(line, quote=False)
        if line_numbers:
            html = f'<span class="ln">{number}</span>{html}'
        if number in highlight:
            html = f'<span class="hl">{html}</span>'
        rendered.append(html)
    return "\n".join(rendered) + ("\n" if trailing_newline else "")
