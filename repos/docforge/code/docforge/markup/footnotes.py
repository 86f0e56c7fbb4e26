"""Footnote definitions, numbering and body collection."""

import re

from .lexer import LineKind

FOOTNOTE_DEF_RE = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:[ \t]?(.*)$")
FOOTNOTE_REF_RE = re.compile(r"\[\^([^\]\s]+)\]")

CONTINUATION_INDENT = 4


def parse_footnote_start(text):
    """Return ``(label, first_line)`` if *text* opens a footnote definition."""
    match = FOOTNOTE_DEF_RE.match(text)
    if not match:
        return None
    return match.group(1), match.group(2)


def collect_definition(lines, index):
    """Collect the body lines of the footnote defined at ``lines[index]``.

    Continuation lines must be indented by four spaces; blank lines are kept
    only when followed by an indented continuation.  Returns
    ``(label, body_lines, next_index)``.
    """
    label, first = parse_footnote_start(lines[index].text)
    body = [first]
    i = index + 1
    pending_blanks = 0
    while i < len(lines):
        line = lines[i]
        if line.is_blank:
            pending_blanks += 1
            i += 1
            continue
        if line.indent >= CONTINUATION_INDENT:
            body.extend([""] * pending_blanks)
            body.append(line.text[CONTINUATION_INDENT:])
            pending_blanks = 0
            i += 1
            continue
        if (pending_blanks == 0 and line.kind is LineKind.TEXT
                and parse_footnote_start(line.text) is None and body[-1].strip()):
            body.append(line.text.strip())
            i += 1
            continue
        break
    return label, body, i - pending_blanks


def normalize_footnote_label(label):
    return label.casefold()


class FootnoteRegistry:
    """Tracks definitions and numbers footnotes in order of first reference."""

    def __init__(self):
        self._defs = {}
        self._order = []

    def define(self, label, node):
        key = normalize_footnote_label(label)
        if key in self._defs:
            return False
        self._defs[key] = node
        return True

    def is_defined(self, label):
        return normalize_footnote_label(label) in self._defs

    def reference(self, label):
        """Return the number for *label*, or ``None`` if it is undefined."""
        key = normalize_footnote_label(label)
        if key not in self._defs:
            return None
        if key not in self._order:
            self._order.append(key)
        return self._order.index(key) + 1

    def referenced(self):
        """Referenced definitions in numbering order, with ``number`` set."""
        result = []
        for number, key in enumerate(self._order, start=1):
            node = self._defs[key]
            node.number = number
            result.append(node)
        return result

    def unreferenced_labels(self):
        return [key for key in self._defs if key not in self._order]
