"""Table of contents built from a document's top-level headings."""

from dataclasses import dataclass, field

from ..markup.nodes import Heading
from ..text.escape import escape_html


@dataclass
class TocEntry:
    level: int
    title: str
    anchor: str
    children: list = field(default_factory=list)


def build_toc(document, min_level=1, max_level=3):
    """Nest top-level headings between *min_level* and *max_level*."""
    if min_level > max_level:
        raise ValueError("min_level must not exceed max_level")
    roots = []
    stack = []
    for node in document.children:
        if not isinstance(node, Heading):
            continue
        if not min_level <= node.level <= max_level:
            continue
        entry = TocEntry(node.level, node.text_content(), node.anchor)
        while stack and stack[-1].level >= entry.level:
            stack.pop()
        if stack:
            stack[-1].children.append(entry)
        else:
            roots.append(entry)
        stack.append(entry)
    return roots


def flatten(entries):
    """All entries in reading order."""
    out = []
    for entry in entries:
        out.append(entry)
        out.extend(flatten(entry.children))
    return out


def _render_html(entries, top):
    opening = '<ul class="toc">' if top else "<ul>"
    items = []
    for entry in entries:
        link = (f'<a href="#{escape_html(entry.anchor or "")}">'
                f"{escape_html(entry.title)}</a>")
        if entry.children:
            items.append(f"<li>{link}\n{_render_html(entry.children, False)}\n</li>")
        else:
            items.append(f"<li>{link}</li>")
    return opening + "\n" + "\n".join(items) + "\n</ul>"


def render_toc_html(entries):
    if not entries:
        return ""
    return _render_html(entries, top=True)


def render_toc_text(entries, indent=2, bullet="-"):
    lines = []

    def emit(items, depth):
        for entry in items:
            lines.append(" " * (indent * depth) + f"{bullet} {entry.title}")
            emit(entry.children, depth + 1)

    emit(entries, 0)
    return "\n".join(lines)
