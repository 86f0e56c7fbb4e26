"""The ``Page`` model: front matter, parsed body and derived properties."""

import re
from dataclasses import dataclass

from ..markup.anchors import heading_anchors
from ..markup.nodes import Heading, Paragraph
from ..markup.parser import parse
from ..render.plaintext import render_text
from ..text.stats import compute_stats
from ..text.wrap import truncate_words
from .dates import parse_date
from .frontmatter import split_front_matter
from .paths import strip_extension

SUMMARY_WORDS = 30


def titleize(stem):
    """``getting-started`` -> ``Getting Started``."""
    words = re.split(r"[-_\s]+", stem)
    return " ".join(word.capitalize() for word in words if word)


def normalize_tags(value):
    """Accept a list or comma separated string; lower-case, strip, de-duplicate."""
    if value is None or value == "":
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    tags = []
    for item in items:
        tag = " ".join(str(item).split()).lower()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


@dataclass
class Page:
    source_path: str
    meta: dict
    body: str
    document: object
    output_path: str = ""
    url: str = ""

    @property
    def title(self):
        title = self.meta.get("title")
        if title:
            return str(title)
        for node in self.document.children:
            if isinstance(node, Heading) and node.level == 1:
                return node.text_content()
        filename = self.source_path.rpartition("/")[2]
        return titleize(strip_extension(filename))

    @property
    def slug(self):
        slug = self.meta.get("slug")
        return str(slug) if slug else None

    @property
    def draft(self):
        return self.meta.get("draft") is True

    @property
    def date(self):
        value = self.meta.get("date")
        if value in (None, ""):
            return None
        return parse_date(value)

    @property
    def tags(self):
        return normalize_tags(self.meta.get("tags"))

    @property
    def weight(self):
        value = self.meta.get("weight", 0)
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    @property
    def anchors(self):
        return heading_anchors(self.document)

    def plain_text(self):
        return render_text(self.document)

    def search_text(self):
        """Text for the search index: no link targets, no heading underlines."""
        return render_text(self.document, show_urls=False, underline_headings=False)

    def summary(self, words=SUMMARY_WORDS):
        explicit = self.meta.get("summary")
        if explicit:
            return str(explicit)
        for node in self.document.children:
            if isinstance(node, Paragraph):
                return truncate_words(" ".join(node.text_content().split()), words)
        return ""

    def stats(self, wpm=200):
        return compute_stats(self.search_text(), wpm)


def load_page(source_path, text, **parse_options):
    meta, body, _ = split_front_matter(text)
    return Page(source_path, meta, body, parse(body, **parse_options))
