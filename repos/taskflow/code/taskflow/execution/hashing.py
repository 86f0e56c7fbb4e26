"""Stable fingerprints of task inputs, used as cache keys."""

import hashlib
import json
import math

FINGERPRINT_LENGTH = 16


def normalize(value):
    """Convert ``value`` into plain JSON data with a canonical shape."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return {"__float__": repr(value)}
        if value.is_integer():
            return int(value)
        return value
    if isinstance(value, (list, tuple)):
        return [normalize(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return {"__set__": sorted((normalize(item) for item in value), key=canonical_json)}
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"mapping keys must be strings, got {type(key).__name__}")
            result[key] = normalize(item)
        return result
    raise TypeError(f"cannot fingerprint value of type {type(value).__name__}")


def canonical_json(value):
    return json.dumps(normalize(value), sort_keys=True, separators=(",", ":"))


def fingerprint(task, args=(), kwargs=None):
    """Hex digest identifying a task invocation by name and inputs."""
    payload = canonical_json({"task": task, "args": list(args), "kwargs": kwargs or {}})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:FINGERPRINT_LENGTH]
