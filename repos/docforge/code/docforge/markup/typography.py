"""Smart punctuation: curly quotes, en/em dashes and ellipses."""

import re

from .visitor import Transformer

OPEN_CONTEXT = "\\s(\\[{\u2014\u2013"
_DOUBLE_OPEN_RE = re.compile(f'(^|[{OPEN_CONTEXT}])"')
_SINGLE_OPEN_RE = re.compile(f"(^|[{OPEN_CONTEXT}])'")


def smarten(text):
    """Apply typographic replacements to a plain string."""
    text = text.replace("---", "\u2014").replace("--", "\u2013").replace("...", "\u2026")
    text = _DOUBLE_OPEN_RE.sub("\\1\u201c", text)
    text = text.replace('"', "\u201d")
    text = _SINGLE_OPEN_RE.sub("\\1\u2018", text)
    text = text.replace("'", "\u2019")
    return text


class SmartPunctuation(Transformer):
    """Rewrites text nodes; code spans and code blocks are left untouched."""

    def visit_Text(self, node):
        node.value = smarten(node.value)
        return node

    def visit_CodeSpan(self, node):
        return node

    def visit_CodeBlock(self, node):
        return node


def apply_typography(document):
    SmartPunctuation().transform(document)
    return document
