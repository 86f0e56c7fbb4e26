"""HTML escaping, entity decoding and the ``Markup`` safe-string type."""

import re

_ESCAPE_MAP = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#x27;",
}

NAMED_ENTITIES = {
    "amp": "&",
    "lt": "<",
    "gt": ">",
    "quot": '"',
    "apos": "'",
    "nbsp": "\u00a0",
    "copy": "\u00a9",
    "reg": "\u00ae",
    "mdash": "\u2014",
    "ndash": "\u2013",
    "hellip": "\u2026",
}

_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_TAG_RE = re.compile(r"<[^>]*>")


def escape_html(text, quote=True):
    """Escape ``&``, ``<`` and ``>`` (and quotes when *quote* is true)."""
    out = []
    for ch in str(text):
        if ch in "&<>":
            out.append(_ESCAPE_MAP[ch])
        elif quote and ch in "\"'":
            out.append(_ESCAPE_MAP[ch])
        else:
            out.append(ch)
    return "".join(out)


def _decode_entity(match):
    body = match.group(1)
    if body.startswith("#"):
        if body[1] in "xX":
            code = int(body[2:], 16)
        else:
            code = int(body[1:])
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return "\ufffd"
        return chr(code)
    return NAMED_ENTITIES.get(body, match.group(0))


def unescape_html(text):
    """Decode numeric and the common named character references."""
    return _ENTITY_RE.sub(_decode_entity, text)


def strip_tags(html):
    """Remove anything that looks like an HTML tag."""
    return _TAG_RE.sub("", html)


class Markup(str):
    """A string that is already safe to insert into HTML."""

    __slots__ = ()

    def __html__(self):
        return self

    @classmethod
    def escape(cls, value):
        if hasattr(value, "__html__"):
            return cls(value.__html__())
        return cls(escape_html(value))

    def __add__(self, other):
        return Markup(str.__add__(self, Markup.escape(other)))

    def __radd__(self, other):
        return Markup.escape(other).__add__(self)

    def join(self, iterable):
        return Markup(str.join(self, [Markup.escape(item) for item in iterable]))

    def striptags(self):
        return unescape_html(" ".join(strip_tags(self).split()))

    def __repr__(self):
        return f"Markup({str.__repr__(self)})"


def escape(value):
    """Return *value* as escaped ``Markup`` unless it is already safe."""
    return Markup.escape(value)


def is_safe(value):
    return hasattr(value, "__html__")
