"""Link reference definitions (``[label]: url "title"``)."""

import re
from dataclasses import dataclass

REFERENCE_RE = re.compile(
    r"""^ {0,3}\[(?!\^)([^\]]+)\]:[ \t]*(<[^>]*>|\S+)"""
    r"""(?:[ \t]+("[^"]*"|'[^']*'|\([^)]*\)))?[ \t]*$"""
)


@dataclass(frozen=True)
class Reference:
    url: str
    title: str = None


def normalize_label(label):
    """Labels match case-insensitively with internal whitespace collapsed."""
    return " ".join(label.split()).casefold()


def parse_reference(text):
    """Parse one definition line into ``(label, Reference)`` or ``None``."""
    match = REFERENCE_RE.match(text)
    if not match:
        return None
    label, url, title = match.groups()
    if url.startswith("<") and url.endswith(">"):
        url = url[1:-1]
    if title is not None:
        title = title[1:-1]
    return label, Reference(url, title)


class ReferenceMap:
    """Collected definitions; the first definition of a label wins."""

    def __init__(self):
        self._refs = {}

    def add(self, label, url, title=None):
        key = normalize_label(label)
        if not key or key in self._refs:
            return False
        self._refs[key] = Reference(url, title)
        return True

    def get(self, label):
        return self._refs.get(normalize_label(label))

    def labels(self):
        return list(self._refs)

    def __contains__(self, label):
        return normalize_label(label) in self._refs

    def __len__(self):
        return len(self._refs)
