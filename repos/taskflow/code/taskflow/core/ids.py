"""Identifier generation and name validation."""

import re

from taskflow.errors import InvalidNameError

NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
MAX_NAME_LENGTH = 64


def validate_name(name, kind="task"):
    """Return ``name`` if it is a legal task/workflow name, else raise."""
    if not isinstance(name, str) or not name:
        raise InvalidNameError(f"{kind} name must be a non-empty string")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidNameError(f"{kind} name longer than {MAX_NAME_LENGTH} characters: {name!r}")
    if not NAME_PATTERN.match(name):
        raise InvalidNameError(f"invalid {kind} name: {name!r}")
    return name


def slugify(text):
    """Turn free text into a legal name: lower case, runs of other chars -> '_'."""
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if not slug:
        return "_"
    if slug[0].isdigit():
        slug = "_" + slug
    return slug[:MAX_NAME_LENGTH]


class IdGenerator:
    """Deterministic sequential identifiers such as ``run-000042``."""

    def __init__(self, prefix="run", width=6, start=1):
        if width < 1:
            raise InvalidNameError("id width must be at least 1")
        validate_name(prefix, kind="id prefix")
        self.prefix = prefix
        self.width = width
        self._next = start

    def next(self):
        value = self._next
        self._next += 1
        return format_id(self.prefix, value, self.width)

    def peek(self):
        return format_id(self.prefix, self._next, self.width)


def format_id(prefix, number, width=6):
    return f"{prefix}-{number:0{width}d}"


def parse_id(identifier):
    """Split ``prefix-000042`` into ``("prefix", 42)``."""
    prefix, sep, digits = identifier.rpartition("-")
    if not sep or not prefix or not digits.isdigit():
        raise InvalidNameError(f"malformed identifier: {identifier!r}")
    return prefix, int(digits)
