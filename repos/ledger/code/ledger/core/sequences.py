"""Gap-free document number sequences such as ``INV-2024-0007``."""

import re

from ledger.core.errors import SequenceError


class Sequence:
    """Hands out consecutive numbers, optionally restarting every year."""

    def __init__(self, prefix: str, width: int = 4, start: int = 1,
                 per_year: bool = True, separator: str = "-"):
        if not prefix or not prefix.replace("_", "").isalnum():
            raise SequenceError(f"invalid sequence prefix {prefix!r}")
        if width < 1:
            raise SequenceError("width must be at least 1")
        if start < 0:
            raise SequenceError("start must not be negative")
        self.prefix = prefix
        self.width = width
        self.start = start
        self.per_year = per_year
        self.separator = separator
        self._next: dict[int | None, int] = {}

    def _key(self, year):
        if self.per_year:
            if year is None:
                raise SequenceError(f"sequence {self.prefix} needs a year")
            return int(year)
        return None

    def format(self, number: int, year: int | None = None) -> str:
        if number >= 10 ** self.width:
            raise SequenceError(
                f"sequence {self.prefix} exhausted: {number} does not fit in {self.width} digits"
            )
        digits = str(number).zfill(self.width)
        sep = self.separator
        if self.per_year:
            return f"{self.prefix}{sep}{year}{sep}{digits}"
        return f"{self.prefix}{sep}{digits}"

    def peek(self, year: int | None = None) -> str:
        key = self._key(year)
        return self.format(self._next.get(key, self.start), key)

    def next(self, year: int | None = None) -> str:
        key = self._key(year)
        number = self._next.get(key, self.start)
        text = self.format(number, key)
        self._next[key] = number + 1
        return text

    def set_next(self, number: int, year: int | None = None) -> None:
        """Move the counter forward; moving backwards would reuse numbers."""
        key = self._key(year)
        current = self._next.get(key, self.start)
        if number < current:
            raise SequenceError(f"cannot move sequence {self.prefix} back from {current} to {number}")
        self._next[key] = number

    def parse(self, text: str) -> tuple[int | None, int]:
        """Split a formatted number back into ``(year, number)``."""
        sep = re.escape(self.separator)
        if self.per_year:
            pattern = rf"^{re.escape(self.prefix)}{sep}(\d{{4}}){sep}(\d+)$"
        else:
            pattern = rf"^{re.escape(self.prefix)}{sep}(\d+)$"
        m = re.match(pattern, text.strip())
        if not m:
            raise SequenceError(f"{text!r} is not a {self.prefix} number")
        if self.per_year:
            return int(m.group(1)), int(m.group(2))
        return None, int(m.group(1))
