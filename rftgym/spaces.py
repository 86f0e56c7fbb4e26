"""Gymnasium spaces for tool-using agents.

- ``Conversation``: the observation, a list of OpenAI chat messages. ``contains`` validates the
  structure (roles, tool-call shapes, tool replies with ids); ``sample`` makes a small valid one.
- ``AssistantTurn``: the action, an assistant message. ``sample`` draws valid tool calls against the
  environment's own tool schemas (arguments drawn from each parameter's type, enum and bounds), so a
  random agent, ``check_env`` and vector envs work unchanged.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from gymnasium import spaces

_ROLES = ("system", "user", "assistant", "tool")
_WORDS = ("", ".", "README.md", "main", "test", "config", "parse", "error", "*.py", "def ", "value", "tests")


def _valid_tool_call(call: Any, names: set[str] | None = None) -> bool:
    if not isinstance(call, dict) or not isinstance(call.get("id"), str):
        return False
    fn = call.get("function")
    if call.get("type", "function") != "function" or not isinstance(fn, dict):
        return False
    if not isinstance(fn.get("name"), str) or not isinstance(fn.get("arguments"), str):
        return False
    return names is None or fn["name"] in names


def valid_message(msg: Any) -> bool:
    if not isinstance(msg, dict) or msg.get("role") not in _ROLES:
        return False
    content = msg.get("content")
    if msg["role"] == "assistant":
        calls = msg.get("tool_calls")
        if calls is not None and not (isinstance(calls, list) and all(_valid_tool_call(c) for c in calls)):
            return False
        return content is None or isinstance(content, str)
    if msg["role"] == "tool" and not isinstance(msg.get("tool_call_id"), str):
        return False
    return isinstance(content, str)


class Conversation(spaces.Space):
    """Observation space: a list of chat messages, at most ``max_messages`` long."""

    def __init__(self, max_messages: int = 10_000, seed: int | np.random.Generator | None = None) -> None:
        super().__init__(shape=None, dtype=None, seed=seed)
        self.max_messages = max_messages

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def contains(self, x: Any) -> bool:
        return isinstance(x, list) and len(x) <= self.max_messages and all(valid_message(m) for m in x)

    def sample(self, mask: Any = None, probability: Any = None) -> list[dict[str, Any]]:
        rng = self.np_random
        convo = [{"role": "system", "content": "You are a coding agent."},
                 {"role": "user", "content": str(rng.choice(_WORDS[1:]))}]
        if rng.random() < 0.5:
            cid = f"call_{int(rng.integers(1 << 30))}"
            convo.append({"role": "assistant", "content": None, "tool_calls": [
                {"id": cid, "type": "function", "function": {"name": "list_dir", "arguments": "{}"}}]})
            convo.append({"role": "tool", "tool_call_id": cid, "content": "README.md"})
        return convo

    def __repr__(self) -> str:
        return f"Conversation(max_messages={self.max_messages})"

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Conversation) and other.max_messages == self.max_messages


def sample_value(schema: dict[str, Any], rng: np.random.Generator, depth: int = 0) -> Any:
    """A value that satisfies ``schema`` (the subset ``rftgym.tools.schema.validate`` checks)."""
    if "enum" in schema:
        return schema["enum"][int(rng.integers(len(schema["enum"])))]
    if "anyOf" in schema:
        return sample_value(schema["anyOf"][int(rng.integers(len(schema["anyOf"])))], rng, depth)
    kind = schema.get("type", "string")
    if isinstance(kind, list):
        kind = kind[int(rng.integers(len(kind)))]
    if kind == "integer":
        lo, hi = int(schema.get("minimum", 0)), int(schema.get("maximum", 50))
        return int(rng.integers(lo, hi + 1))
    if kind == "number":
        lo, hi = float(schema.get("minimum", 0.0)), float(schema.get("maximum", 50.0))
        return float(rng.uniform(lo, hi))
    if kind == "boolean":
        return bool(rng.random() < 0.5)
    if kind == "array":
        n = int(rng.integers(schema.get("minItems", 0), min(schema.get("maxItems", 3), 3) + 1))
        return [sample_value(schema.get("items", {"type": "string"}), rng, depth + 1) for _ in range(n)]
    if kind == "object":
        return sample_object(schema, rng, depth + 1) if depth < 3 else {}
    if kind == "null":
        return None
    word = str(_WORDS[int(rng.integers(len(_WORDS)))])
    if "minLength" in schema and len(word) < schema["minLength"]:
        word = word.ljust(schema["minLength"], "a")
    return word[: schema.get("maxLength", len(word))]


def sample_object(schema: dict[str, Any], rng: np.random.Generator, depth: int = 0) -> dict[str, Any]:
    props = schema.get("properties", {})
    required = set(schema.get("required", []))
    return {name: sample_value(sub, rng, depth) for name, sub in props.items()
            if name in required or rng.random() < 0.5}


class AssistantTurn(spaces.Space):
    """Action space: an assistant message whose tool calls name the environment's tools.

    ``contains`` accepts a plain string (a text reply) or an assistant message dict whose tool calls
    are well formed and name known tools with JSON-object arguments. The environment itself accepts
    anything and turns what is invalid into an error observation; ``contains`` says what is valid.
    """

    def __init__(self, tools: list[dict[str, Any]], max_calls: int = 4,
                 seed: int | np.random.Generator | None = None) -> None:
        super().__init__(shape=None, dtype=None, seed=seed)
        self.tools = [t["function"] for t in tools]
        self.names = {t["name"] for t in self.tools}
        self.max_calls = max_calls

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def sample(self, mask: Any = None, probability: Any = None) -> dict[str, Any]:
        rng = self.np_random
        if not self.tools:
            return {"role": "assistant", "content": "done"}
        calls = []
        for _ in range(int(rng.integers(1, self.max_calls + 1))):
            fn = self.tools[int(rng.integers(len(self.tools)))]
            args = sample_object(fn.get("parameters", {}), rng)
            calls.append({"id": f"call_{int(rng.integers(1 << 40)):x}", "type": "function",
                          "function": {"name": fn["name"], "arguments": json.dumps(args)}})
        return {"role": "assistant", "content": None, "tool_calls": calls}

    def contains(self, x: Any) -> bool:
        if isinstance(x, str):
            return True
        if not isinstance(x, dict) or x.get("role", "assistant") != "assistant":
            return False
        calls = x.get("tool_calls") or []
        if not isinstance(calls, list) or not all(_valid_tool_call(c, self.names) for c in calls):
            return False
        for c in calls:
            try:
                if not isinstance(json.loads(c["function"]["arguments"] or "{}"), dict):
                    return False
            except json.JSONDecodeError:
                return False
        return True

    def __repr__(self) -> str:
        return f"AssistantTurn(tools={sorted(self.names)}, max_calls={self.max_calls})"

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, AssistantTurn) and other.tools == self.tools and other.max_calls == self.max_calls
