"""JSON schemas from Python signatures, and a small validator for the arguments agents send.

``schema_from_function`` reads type hints and a Google-style docstring (``Args:`` section) and
produces the OpenAI function schema. ``validate`` checks decoded arguments against a schema and
returns a list of human-readable problems (empty when valid). It covers the subset of JSON Schema
that function tools use: type, properties, required, additionalProperties, enum, items,
minimum/maximum, minLength/maxLength, minItems/maxItems; other keywords are ignored.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from typing import Any, Callable, Literal, Union

_PRIMITIVES = {str: "string", int: "integer", float: "number", bool: "boolean"}


def _type_schema(hint: Any) -> dict[str, Any]:
    origin = typing.get_origin(hint)
    if hint in _PRIMITIVES:
        return {"type": _PRIMITIVES[hint]}
    if origin is Literal:
        values = list(typing.get_args(hint))
        kinds = {_PRIMITIVES[type(v)] for v in values}
        return {"type": kinds.pop() if len(kinds) == 1 else sorted(kinds), "enum": values}
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        nullable = len(args) < len(typing.get_args(hint))
        if len(args) == 1:
            inner = _type_schema(args[0])
            if nullable and isinstance(inner.get("type"), str) and "enum" not in inner:
                return {**inner, "type": [inner["type"], "null"]}
            return {"anyOf": [inner, {"type": "null"}]} if nullable else inner
        return {"anyOf": [_type_schema(a) for a in args] + ([{"type": "null"}] if nullable else [])}
    if origin in (list, tuple, typing.Sequence) or hint in (list, tuple):
        args = typing.get_args(hint)
        return {"type": "array", "items": _type_schema(args[0])} if args else {"type": "array"}
    if origin is dict or hint is dict:
        return {"type": "object"}
    if hint is Any or hint is inspect.Parameter.empty:
        return {}
    raise TypeError(f"cannot derive a JSON schema for type {hint!r}; use str, int, float, bool, list, dict or Literal")


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """(description, {param: description}) from a Google-style docstring."""
    if not doc:
        return "", {}
    lines = inspect.cleandoc(doc).splitlines()
    desc, params, current, in_args = [], {}, None, False
    for line in lines:
        stripped = line.strip()
        if re.fullmatch(r"(Args|Arguments|Parameters):", stripped):
            in_args = True
            continue
        if in_args and re.fullmatch(r"[A-Z][a-z]+:", stripped):
            in_args = False  # "Returns:", "Raises:" end the arguments
            continue
        if in_args:
            m = re.match(r"^\s{0,8}(\w+)\s*(\([^)]*\))?:\s*(.*)$", line)
            if m and (not line.startswith(" " * 9)):
                current = m.group(1)
                params[current] = m.group(3).strip()
            elif current and stripped:
                params[current] += " " + stripped
        elif not params and not in_args:
            desc.append(line)
    return " ".join(" ".join(desc).split()).strip(), params


def schema_from_function(fn: Callable, skip: set[str]) -> tuple[str, dict[str, Any]]:
    """(description, parameters schema) for ``fn``, leaving out injected parameters in ``skip``."""
    sig = inspect.signature(fn)
    hints = typing.get_type_hints(fn)
    description, docs = parse_docstring(fn.__doc__)
    props: dict[str, Any] = {}
    required: list[str] = []
    for name, param in sig.parameters.items():
        if name in skip or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        prop = _type_schema(hints.get(name, param.annotation))
        if name in docs:
            prop["description"] = docs[name]
        if param.default is param.empty:
            required.append(name)
        elif param.default is not None:
            prop["default"] = param.default
        props[name] = prop
    return description, {"type": "object", "properties": props, "required": required, "additionalProperties": False}


_JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validate(value: Any, schema: dict[str, Any], where: str = "arguments") -> list[str]:
    """Problems with ``value`` against ``schema``, each naming the offending field; [] when valid."""
    problems: list[str] = []
    if "anyOf" in schema:
        if all(validate(value, sub, where) for sub in schema["anyOf"]):
            problems.append(f"{where}: {_describe(value)} matches none of the allowed forms")
        return problems
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if not any(_JSON_TYPES.get(k, lambda v: True)(value) for k in kinds):
            return [f"{where}: expected {' or '.join(kinds)}, got {type(value).__name__} {_describe(value)}"]
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {_describe(value)} is not one of {schema['enum']}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            problems.append(f"{where}: {value} is below the minimum {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            problems.append(f"{where}: {value} is above the maximum {schema['maximum']}")
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            problems.append(f"{where}: shorter than {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            problems.append(f"{where}: longer than {schema['maxLength']} characters")
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            problems.append(f"{where}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            problems.append(f"{where}: more than {schema['maxItems']} items")
        if isinstance(schema.get("items"), dict):
            for i, item in enumerate(value):
                problems.extend(validate(item, schema["items"], f"{where}[{i}]"))
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                problems.append(f"{where}: missing required field {name!r}")
        if schema.get("additionalProperties") is False:
            for name in value:
                if name not in props:
                    allowed = ", ".join(props) or "none"
                    problems.append(f"{where}: unknown field {name!r} (allowed: {allowed})")
        for name, sub in props.items():
            if name in value:
                problems.extend(validate(value[name], sub, f"{where}.{name}" if where != "arguments" else name))
    return problems
