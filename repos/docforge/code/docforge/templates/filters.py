"""Built-in template filters."""

import math
from urllib.parse import quote

from ..text.escape import Markup, strip_tags, unescape_html
from ..text.slugify import slugify
from ..text.stats import count_words, format_reading_time, reading_time
from ..text.wrap import fill
from .context import Undefined


def _attribute(item, name):
    if isinstance(item, dict):
        return item.get(name)
    return getattr(item, name, None)


def do_default(value, default="", boolean=False):
    if isinstance(value, Undefined) or (boolean and not value):
        return default
    return value


def do_upper(value):
    return str(value).upper()


def do_lower(value):
    return str(value).lower()


def do_title(value):
    return " ".join(word[:1].upper() + word[1:].lower() for word in str(value).split(" "))


def do_capitalize(value):
    text = str(value)
    return text[:1].upper() + text[1:].lower()


def do_trim(value):
    return str(value).strip()


def do_length(value):
    return len(value)


def do_first(value):
    for item in value:
        return item
    return ""


def do_last(value):
    items = list(value)
    return items[-1] if items else ""


def do_join(value, separator=""):
    items = list(value)
    if any(hasattr(item, "__html__") for item in items):
        return Markup(Markup.escape(separator)).join(items)
    return str(separator).join(str(item) for item in items)


def do_reverse(value):
    if isinstance(value, str):
        return value[::-1]
    return list(value)[::-1]


def do_sort(value, reverse=False, attribute=None):
    if attribute:
        return sorted(value, key=lambda item: _attribute(item, attribute), reverse=reverse)
    return sorted(value, reverse=reverse)


def do_unique(value):
    seen = []
    for item in value:
        if item not in seen:
            seen.append(item)
    return seen


def do_map(value, attribute):
    return [_attribute(item, attribute) for item in value]


def do_replace(value, old, new, count=None):
    text = str(value)
    if count is None:
        return text.replace(old, new)
    return text.replace(old, new, count)


def do_truncate(value, length=255, end="...", killwords=False):
    text = str(value)
    if len(text) <= length:
        return text
    cut = text[:max(0, length - len(end))]
    if not killwords:
        space = cut.rfind(" ")
        if space > 0:
            cut = cut[:space]
    return cut.rstrip() + end


def do_escape(value):
    return Markup.escape(value)


def do_safe(value):
    return Markup(str(value))


def do_striptags(value):
    return unescape_html(" ".join(strip_tags(str(value)).split()))


def do_slugify(value):
    return slugify(str(value))


def do_wordcount(value):
    return count_words(str(value))


def do_reading_time(value, wpm=200):
    return format_reading_time(reading_time(count_words(str(value)), wpm))


def do_int(value, default=0):
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return default


def do_round(value, precision=0, method="common"):
    factor = 10 ** precision
    if method == "common":
        return math.floor(value * factor + 0.5) / factor
    if method == "ceil":
        return math.ceil(value * factor) / factor
    if method == "floor":
        return math.floor(value * factor) / factor
    raise ValueError(f"unknown rounding method {method!r}")


def do_indent(value, width=4, first=False):
    pad = " " * width
    lines = str(value).split("\n")
    out = [lines[0] if not first else pad + lines[0]]
    out.extend(pad + line if line.strip() else line for line in lines[1:])
    return "\n".join(out)


def do_wordwrap(value, width=79):
    return fill(str(value), width)


def do_items(value):
    return list(value.items())


def do_dictsort(value, reverse=False):
    return sorted(value.items(), reverse=reverse)


def do_urlencode(value):
    return quote(str(value), safe="")


BUILTIN_FILTERS = {
    "default": do_default,
    "d": do_default,
    "upper": do_upper,
    "lower": do_lower,
    "title": do_title,
    "capitalize": do_capitalize,
    "trim": do_trim,
    "length": do_length,
    "count": do_length,
    "first": do_first,
    "last": do_last,
    "join": do_join,
    "reverse": do_reverse,
    "sort": do_sort,
    "unique": do_unique,
    "map": do_map,
    "replace": do_replace,
    "truncate": do_truncate,
    "escape": do_escape,
    "e": do_escape,
    "safe": do_safe,
    "striptags": do_striptags,
    "slugify": do_slugify,
    "wordcount": do_wordcount,
    "reading_time": do_reading_time,
    "int": do_int,
    "round": do_round,
    "indent": do_indent,
    "wordwrap": do_wordwrap,
    "items": do_items,
    "dictsort": do_dictsort,
    "urlencode": do_urlencode,
}
