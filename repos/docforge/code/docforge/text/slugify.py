"""Slug generation for URLs and heading anchors."""

import re
import unicodedata

_NON_ALNUM_RE = re.compile(r"[^A-Za-z0-9]+")


def ascii_fold(text):
    """Strip accents and drop characters that have no ASCII equivalent."""
    normalized = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in normalized if not unicodedata.combining(ch))
    return stripped.encode("ascii", "ignore").decode("ascii")


def slugify(text, separator="-", max_length=None, lowercase=True):
    """Turn *text* into a URL friendly slug.

    Apostrophes are removed (``don't`` -> ``dont``), every other run of
    non-alphanumeric characters becomes a single *separator*.  When
    *max_length* is given the slug is cut at a separator boundary if one
    exists inside the limit.
    """
    text = ascii_fold(str(text)).replace("'", "")
    if lowercase:
        text = text.lower()
    slug = _NON_ALNUM_RE.sub(separator, text)
    if separator:
        slug = slug.strip(separator)
    if max_length is not None and len(slug) > max_length:
        cut = slug[:max_length]
        at_boundary = slug[max_length:].startswith(separator) if separator else True
        if separator and not at_boundary and separator in cut:
            cut = cut.rsplit(separator, 1)[0]
        slug = cut.strip(separator) if separator else cut
    return slug


class SlugRegistry:
    """Hands out unique slugs: ``intro``, ``intro-1``, ``intro-2`` ..."""

    def __init__(self, separator="-"):
        self.separator = separator
        self._used = set()

    def reserve(self, slug):
        """Mark *slug* as taken; return False when it already was."""
        if slug in self._used:
            return False
        self._used.add(slug)
        return True

    def unique(self, text, fallback="section"):
        base = slugify(text, self.separator) or fallback
        if self.reserve(base):
            return base
        counter = 1
        while f"{base}{self.separator}{counter}" in self._used:
            counter += 1
        slug = f"{base}{self.separator}{counter}"
        self._used.add(slug)
        return slug

    def reset(self):
        self._used.clear()

    def __contains__(self, slug):
        return slug in self._used

    def __len__(self):
        return len(self._used)
