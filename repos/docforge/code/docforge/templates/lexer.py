"""Template lexer: splits source into text, ``{{ var }}`` and ``{% block %}`` tokens."""

import re
from dataclasses import dataclass

from ..errors import TemplateSyntaxError

TAG_START_RE = re.compile(r"\{\{|\{%|\{#")
RAW_END_RE = re.compile(r"\{%-?\s*endraw\s*-?%\}")
CLOSERS = {"{{": "}}", "{%": "%}", "{#": "#}"}
KINDS = {"{{": "var", "{%": "block"}


@dataclass(frozen=True)
class Token:
    kind: str
    value: str
    lineno: int


def tokenize(source, name=None):
    """Split *source* into :class:`Token` objects.

    A ``-`` just inside a delimiter (``{%-`` / ``-%}``) strips whitespace on
    that side.  Comments are dropped and ``{% raw %}`` sections are emitted as
    literal text.
    """
    tokens = []
    pos = 0
    lineno = 1
    strip_next = False
    while True:
        match = TAG_START_RE.search(source, pos)
        end_of_text = match.start() if match else len(source)
        text = source[pos:end_of_text]
        text_lineno = lineno
        lineno += text.count("\n")
        if strip_next:
            text = text.lstrip()
        if match is None:
            if text:
                tokens.append(Token("text", text, text_lineno))
            break
        opener = match.group()
        inner_start = match.end()
        if source.startswith("-", inner_start):
            text = text.rstrip()
            inner_start += 1
        if text:
            tokens.append(Token("text", text, text_lineno))
        closer = CLOSERS[opener]
        end = source.find(closer, inner_start)
        if end == -1:
            raise TemplateSyntaxError(f"unclosed '{opener}' tag", lineno=lineno, name=name)
        inner = source[inner_start:end]
        strip_next = inner.endswith("-")
        if strip_next:
            inner = inner[:-1]
        tag_lineno = lineno
        lineno += source[match.start():end].count("\n")
        pos = end + len(closer)
        if opener == "{#":
            continue
        content = inner.strip()
        if not content:
            raise TemplateSyntaxError("empty tag", lineno=tag_lineno, name=name)
        if opener == "{%" and content == "raw":
            raw_end = RAW_END_RE.search(source, pos)
            if raw_end is None:
                raise TemplateSyntaxError("unclosed raw block", lineno=tag_lineno, name=name)
            raw_text = source[pos:raw_end.start()]
            if raw_text:
                tokens.append(Token("text", raw_text, lineno))
            lineno += source[pos:raw_end.end()].count("\n")
            pos = raw_end.end()
            strip_next = False
            continue
        tokens.append(Token(KINDS[opener], content, tag_lineno))
    return tokens
