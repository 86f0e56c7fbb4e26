"""List markers, task items and collection of list item lines."""

import re
from dataclasses import dataclass

from .lexer import BULLET_RE, ORDERED_RE, LineKind

TASK_RE = re.compile(r"^\[([ xX])\](?:[ \t]+(.*)|$)", re.DOTALL)


@dataclass(frozen=True)
class ListMarker:
    ordered: bool
    char: str
    start: int
    content_offset: int
    content: str


def _content(lead, marker_width, spaces, content):
    spaces = spaces or ""
    content = content or ""
    if not content:
        return lead + marker_width + 1, ""
    if len(spaces) > 4:
        # Content starting with 5+ spaces is indented code: only one space
        # belongs to the marker.
        return lead + marker_width + 1, " " * (len(spaces) - 1) + content
    return lead + marker_width + len(spaces), content


def parse_marker(text):
    """Parse a list marker at the start of *text*; ``None`` if there is none."""
    match = BULLET_RE.match(text)
    if match:
        lead, char, spaces, content = match.groups()
        offset, content = _content(len(lead), 1, spaces, content)
        return ListMarker(False, char, 1, offset, content)
    match = ORDERED_RE.match(text)
    if match:
        lead, number, delimiter, spaces, content = match.groups()
        offset, content = _content(len(lead), len(number) + 1, spaces, content)
        return ListMarker(True, delimiter, int(number), offset, content)
    return None


def same_list(first, other):
    """Items continue a list only with the same bullet or delimiter."""
    return first.ordered == other.ordered and first.char == other.char


def can_interrupt_paragraph(marker):
    """A list may only interrupt a paragraph with a non-empty item (starting at 1)."""
    if not marker.content.strip():
        return False
    return not marker.ordered or marker.start == 1


def split_task(text):
    """Split a ``[ ]`` / ``[x]`` task prefix; returns ``(checked, rest)``."""
    match = TASK_RE.match(text)
    if not match:
        return None, text
    return match.group(1) in "xX", match.group(2) or ""


def collect_list(lines, index):
    """Collect the items of the list starting at ``lines[index]``.

    Returns ``(marker, items, next_index, tight)`` where *items* is a list of
    item bodies, each a list of raw lines with the item indentation removed.
    """
    first = parse_marker(lines[index].text)
    items = []
    current = None
    offset = 0
    tight = True
    blank_pending = False
    i = index
    while i < len(lines):
        line = lines[i]
        if line.is_blank:
            if current is None:
                break
            current.append("")
            blank_pending = True
            i += 1
            continue
        if current is not None and line.indent >= offset:
            if blank_pending:
                tight = False
            current.append(line.text[offset:])
            blank_pending = False
            i += 1
            continue
        marker = parse_marker(line.text)
        if marker is not None and line.kind is not LineKind.THEMATIC_BREAK and same_list(first, marker):
            if blank_pending:
                tight = False
            current = [marker.content]
            items.append(current)
            offset = marker.content_offset
            blank_pending = False
            i += 1
            continue
        if (current is not None and not blank_pending and line.kind is LineKind.TEXT
                and current[-1].strip()):
            current.append(line.text.strip())
            i += 1
            continue
        break
    for item in items:
        while item and not item[-1].strip():
            item.pop()
    return first, items, i, tight
