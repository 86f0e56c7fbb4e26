"""Account code rules: ``NNNN`` top-level codes with ``.NN`` sub-account segments."""

import re

from ledger.core.errors import InvalidAccountCodeError

CODE_PATTERN = re.compile(r"^\d{4}(\.\d{1,3})*$")
MAX_DEPTH = 4


def validate_code(code) -> str:
    """Return the stripped code or raise InvalidAccountCodeError."""
    if not isinstance(code, str):
        raise InvalidAccountCodeError(f"account code must be text, got {code!r}")
    text = code.strip()
    if not CODE_PATTERN.match(text):
        raise InvalidAccountCodeError(f"malformed account code {code!r}")
    if text.startswith("0"):
        raise InvalidAccountCodeError(f"account codes may not start with 0: {code!r}")
    if depth(text) > MAX_DEPTH:
        raise InvalidAccountCodeError(f"account code {code!r} is nested deeper than {MAX_DEPTH}")
    return text


def segments(code: str) -> list[int]:
    return [int(part) for part in code.split(".")]


def depth(code: str) -> int:
    return code.count(".") + 1


def parent_code(code: str) -> str | None:
    if "." not in code:
        return None
    return code.rsplit(".", 1)[0]


def is_descendant(code: str, ancestor: str) -> bool:
    """True if ``code`` sits anywhere below ``ancestor`` (not equal to it)."""
    return code.startswith(ancestor + ".")


def code_sort_key(code: str) -> tuple[int, ...]:
    """Numeric ordering so that 1000.9 sorts before 1000.10."""
    return tuple(segments(code))


def next_child_code(parent: str, existing) -> str:
    """The next free sub-account code below ``parent``, e.g. ``1000.03``."""
    used = [segments(c)[-1] for c in existing if parent_code(c) == parent]
    number = max(used, default=0) + 1
    if number > 999:
        raise InvalidAccountCodeError(f"no free sub-account codes below {parent}")
    return f"{parent}.{number:02d}"
