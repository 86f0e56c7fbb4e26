"""Split text into normalised search tokens with positions and offsets."""

import re
from dataclasses import dataclass

from ..text.slugify import ascii_fold

WORD_RE = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
MAX_TERM_LENGTH = 40


@dataclass(frozen=True)
class Token:
    term: str
    position: int
    start: int
    end: int


def normalize_term(word):
    """Lower-case, strip accents and apostrophes (``Don't`` -> ``dont``)."""
    folded = ascii_fold(word).lower()
    if not folded.strip("'\u2019"):
        folded = word.lower()
    return folded.replace("'", "").replace("\u2019", "")


def tokenize(text):
    """Return :class:`Token` objects; offsets refer to the original *text*."""
    tokens = []
    for match in WORD_RE.finditer(text):
        term = normalize_term(match.group())
        if not term or len(term) > MAX_TERM_LENGTH:
            continue
        tokens.append(Token(term, len(tokens), match.start(), match.end()))
    return tokens


def terms(text):
    return [token.term for token in tokenize(text)]
