"""Field-level differences between two versions of a record."""

from dataclasses import dataclass

_MISSING = object()


@dataclass(frozen=True)
class Change:
    key: str
    kind: str  # "added", "removed" or "changed"
    old: object = None
    new: object = None

    def describe(self) -> str:
        if self.kind == "added":
            return f"{self.key}: + {self.new}"
        if self.kind == "removed":
            return f"{self.key}: - {self.old}"
        return f"{self.key}: {self.old} -> {self.new}"


def flatten(data: dict, prefix: str = "") -> dict:
    """Nested dicts become dotted keys: ``{'a': {'b': 1}} -> {'a.b': 1}``."""
    flat = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def diff(before: dict, after: dict) -> list[Change]:
    old, new = flatten(before), flatten(after)
    changes = []
    for key in sorted(set(old) | set(new)):
        a = old.get(key, _MISSING)
        b = new.get(key, _MISSING)
        if a is _MISSING:
            changes.append(Change(key, "added", None, b))
        elif b is _MISSING:
            changes.append(Change(key, "removed", a, None))
        elif a != b:
            changes.append(Change(key, "changed", a, b))
    return changes


def summarize(changes) -> str:
    return "; ".join(c.describe() for c in changes)
