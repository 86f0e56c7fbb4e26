"""Result snippets with highlighted query terms."""

from ..text.escape import escape_html
from .stemmer import stem
from .tokenizer import tokenize

DEFAULT_WIDTH = 120
CONTEXT_BEFORE = 30
ELLIPSIS = "\u2026"


def _matches(text, terms, normalize):
    return [token for token in tokenize(text) if normalize(token.term) in terms]


def _word_start(text, position):
    """Move *position* forward to the start of a word if it is inside one."""
    if position <= 0:
        return 0
    if not text[position - 1].isspace():
        space = text.find(" ", position)
        return len(text) if space == -1 else space + 1
    return position


def highlight(text, terms, normalize=stem, mark=("<mark>", "</mark>")):
    """Escape *text* and wrap every token whose normalised term is in *terms*."""
    out = []
    last = 0
    for token in _matches(text, terms, normalize):
        out.append(escape_html(text[last:token.start]))
        out.append(mark[0] + escape_html(text[token.start:token.end]) + mark[1])
        last = token.end
    out.append(escape_html(text[last:]))
    return "".join(out)


def best_window_start(matches, width):
    """Start offset of the window covering the most distinct matched terms."""
    best_start, best_score = matches[0].start, -1
    for first in matches:
        covered = {m.term for m in matches if first.start <= m.start and m.end - first.start <= width}
        if len(covered) > best_score:
            best_start, best_score = first.start, len(covered)
    return best_start


def make_snippet(text, terms, width=DEFAULT_WIDTH, normalize=stem, mark=("<mark>", "</mark>")):
    """Cut a *width*-character excerpt around the best cluster of matches."""
    text = " ".join(text.split())
    matches = _matches(text, terms, normalize)
    if not matches:
        if len(text) <= width:
            return escape_html(text)
        cut = text[:width]
        space = cut.rfind(" ")
        return escape_html(cut[:space] if space > 0 else cut) + ELLIPSIS
    anchor = best_window_start(matches, width)
    start = _word_start(text, max(0, anchor - CONTEXT_BEFORE))
    if start > anchor:
        start = anchor
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        if space > anchor:
            end = space
    excerpt = highlight(text[start:end], terms, normalize, mark)
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < len(text) else ""
    return prefix + excerpt + suffix
