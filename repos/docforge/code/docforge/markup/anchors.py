"""Heading anchors: explicit ``{#id}`` suffixes and generated unique ids."""

import re

from ..text.slugify import SlugRegistry
from .nodes import Heading

EXPLICIT_ID_RE = re.compile(r"\s*\{#([A-Za-z][\w:.-]*)\}\s*$")


def extract_explicit_id(text):
    """Split a trailing ``{#custom-id}`` off heading text."""
    match = EXPLICIT_ID_RE.search(text)
    if not match:
        return text, None
    return text[:match.start()], match.group(1)


def assign_heading_ids(document, separator="-"):
    """Give every heading an ``anchor``; explicit ids are reserved first."""
    registry = SlugRegistry(separator)
    headings = [node for node in document.walk() if isinstance(node, Heading)]
    for heading in headings:
        if heading.anchor is not None:
            registry.reserve(heading.anchor)
    for heading in headings:
        if heading.anchor is None:
            heading.anchor = registry.unique(heading.text_content())
    return registry


def heading_anchors(document):
    """Return the set of anchors defined by headings in *document*."""
    return {node.anchor for node in document.walk()
            if isinstance(node, Heading) and node.anchor}
