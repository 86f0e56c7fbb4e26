"""Front matter: a ``---`` delimited block of ``key: value`` lines."""

import re

from ..errors import FrontMatterError

DELIMITER = "---"
CLOSING_DELIMITERS = ("---", "...")
KEY_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(.*)$")
INT_RE = re.compile(r"^[-+]?\d+$")
FLOAT_RE = re.compile(r"^[-+]?\d+\.\d+$")
TRUE_WORDS = ("true", "yes", "on")
FALSE_WORDS = ("false", "no", "off")
NULL_WORDS = ("null", "none", "~")
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def parse_scalar(text):
    """Convert a scalar: quoted string, bool, null, int, float or bare string."""
    value = text.strip()
    if not value:
        return ""
    if value[0] in "\"'":
        if len(value) < 2 or value[-1] != value[0]:
            raise ValueError(f"unterminated string: {value}")
        inner = value[1:-1]
        if value[0] == '"':
            inner = re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), inner)
        return inner
    lowered = value.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    if lowered in NULL_WORDS:
        return None
    if INT_RE.match(value):
        return int(value)
    if FLOAT_RE.match(value):
        return float(value)
    return value


def split_list_items(inner):
    """Split the inside of ``[a, "b, c"]`` on commas outside quotes."""
    items = []
    buf = []
    quote = None
    for ch in inner:
        if quote:
            buf.append(ch)
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
            buf.append(ch)
        elif ch == ",":
            items.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    if quote:
        raise ValueError("unterminated string in list")
    items.append("".join(buf))
    return items


def parse_value(text):
    value = text.strip()
    if value.startswith("["):
        if not value.endswith("]"):
            raise ValueError(f"unterminated list: {value}")
        inner = value[1:-1].strip()
        if not inner:
            return []
        return [parse_scalar(item) for item in split_list_items(inner)]
    return parse_scalar(value)


def parse_front_matter(text, first_lineno=1):
    """Parse ``key: value`` lines; ``- item`` lines extend the previous empty key."""
    data = {}
    list_key = None
    for offset, line in enumerate(text.split("\n")):
        lineno = first_lineno + offset
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("- ") or stripped == "-":
            if list_key is None:
                raise FrontMatterError("list item without a key", lineno)
            if data[list_key] == "":
                data[list_key] = []
            try:
                data[list_key].append(parse_scalar(stripped[2:]))
            except ValueError as exc:
                raise FrontMatterError(str(exc), lineno) from exc
            continue
        match = KEY_RE.match(line)
        if not match:
            raise FrontMatterError(f"expected 'key: value', got {stripped!r}", lineno)
        key, raw = match.group(1), match.group(2)
        if key in data:
            raise FrontMatterError(f"duplicate key '{key}'", lineno)
        try:
            data[key] = parse_value(raw)
        except ValueError as exc:
            raise FrontMatterError(str(exc), lineno) from exc
        list_key = key if raw.strip() == "" else None
    return data


def split_front_matter(text):
    """Return ``(metadata, body, body_first_lineno)``.

    Documents without an opening ``---`` line have no metadata.
    """
    text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    if lines[0].rstrip() != DELIMITER:
        return {}, text, 1
    for index in range(1, len(lines)):
        if lines[index].rstrip() in CLOSING_DELIMITERS:
            meta = parse_front_matter("\n".join(lines[1:index]), first_lineno=2)
            body = "\n".join(lines[index + 1:])
            return meta, body, index + 2
    raise FrontMatterError("front matter is not closed", 1)


def format_value(value):
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(item) for item in value) + "]"
    text = str(value)
    needs_quotes = (
        text != text.strip() or not text or ", " in text or text[0] in "[\"'#-"
        or parse_scalar(text) != text
    )
    if needs_quotes:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def dump_front_matter(meta):
    lines = [DELIMITER]
    for key, value in meta.items():
        lines.append(f"{key}: {format_value(value)}")
    lines.append(DELIMITER)
    return "\n".join(lines) + "\n"
