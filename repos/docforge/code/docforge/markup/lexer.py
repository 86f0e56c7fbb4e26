"""Line lexer: splits source into lines and classifies each one."""

import re
from dataclasses import dataclass
from enum import Enum

TAB_WIDTH = 4

ATX_RE = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
FENCE_RE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
THEMATIC_BREAK_RE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
QUOTE_RE = re.compile(r"^ {0,3}> ?(.*)$")
SETEXT_RE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
BULLET_RE = re.compile(r"^( {0,3})([-+*])(?:([ \t]+)(.*))?$")
ORDERED_RE = re.compile(r"^( {0,3})(\d{1,9})([.)])(?:([ \t]+)(.*))?$")


class LineKind(Enum):
    BLANK = "blank"
    INDENTED = "indented"
    ATX_HEADING = "atx_heading"
    FENCE = "fence"
    THEMATIC_BREAK = "thematic_break"
    QUOTE = "quote"
    BULLET = "bullet"
    ORDERED = "ordered"
    TEXT = "text"


@dataclass
class Line:
    text: str
    lineno: int
    kind: LineKind

    @property
    def indent(self):
        return len(self.text) - len(self.text.lstrip(" "))

    @property
    def is_blank(self):
        return self.kind is LineKind.BLANK


def split_lines(source):
    """Normalise line endings and split; a single trailing newline is dropped."""
    source = source.replace("\r\n", "\n").replace("\r", "\n")
    lines = source.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def match_fence(text):
    """Return ``(indent, fence, info)`` for an opening code fence, else ``None``."""
    match = FENCE_RE.match(text)
    if not match:
        return None
    indent, fence, info = match.groups()
    info = info.strip()
    if fence[0] == "`" and "`" in info:
        return None
    return len(indent), fence, info


def classify(text):
    """Return the :class:`LineKind` of a single (tab-expanded) line."""
    if not text.strip():
        return LineKind.BLANK
    if len(text) - len(text.lstrip(" ")) >= 4:
        return LineKind.INDENTED
    if ATX_RE.match(text):
        return LineKind.ATX_HEADING
    if match_fence(text):
        return LineKind.FENCE
    if THEMATIC_BREAK_RE.match(text):
        return LineKind.THEMATIC_BREAK
    if QUOTE_RE.match(text):
        return LineKind.QUOTE
    if BULLET_RE.match(text):
        return LineKind.BULLET
    if ORDERED_RE.match(text):
        return LineKind.ORDERED
    return LineKind.TEXT


def tokenize_lines(raw_lines, first_lineno=1):
    """Expand tabs and classify each raw line."""
    lines = []
    for offset, raw in enumerate(raw_lines):
        text = raw.expandtabs(TAB_WIDTH)
        lines.append(Line(text, first_lineno + offset, classify(text)))
    return lines


def tokenize(source):
    return tokenize_lines(split_lines(source))
