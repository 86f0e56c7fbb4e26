"""Text tool-call formats, for models that write their tool calls as text instead of native calls.

A format is one small class (``ToolFormat``) with four jobs:

- ``render_tools(tools) -> str``: the tool schemas and the calling convention, for the system prompt;
- ``parse(text) -> (content, tool_calls, error)``: the model's text as prose plus OpenAI-format
  ``tool_calls``; ``error`` says what could not be read (``None`` when everything could);
- ``render_calls(tool_calls) -> str``: earlier assistant calls written back the way the model writes them;
- ``render_results(results) -> str``: tool results as the text of a user turn.

Built in: ``hermes`` (``<tool_call>{"name": ..., "arguments": {...}}</tool_call>``, any number per
message; the convention of Hermes, Qwen and most open tool-tuned models) and ``json`` (bare JSON
objects ``{"name": ..., "arguments": {...}}`` or an array of them anywhere in the text). Register
a new one in ``FORMATS``.

What the model sees when its calls cannot be read (decided here, once, for every text backend):
the calls that parsed run; an unreadable call block stays in the assistant message's ``content``
verbatim, and when the conversation is rendered for the next request the parse error is appended
to the next user-side turn ("[tool-call format error] ..."), next to the env's own answer. A turn
with no readable call at all reaches the env as plain text, so it counts as the env's
``NO_TOOL_CALL`` error, and the model is reminded how this format writes a call. The note is
derived from the conversation alone, so a replayed or resumed conversation renders identically.
"""

from __future__ import annotations

import abc
import json
import re
from typing import Any

Message = dict[str, Any]
ToolCallDict = dict[str, Any]


def _call(name: str, arguments: Any, call_id: str) -> ToolCallDict:
    args = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": args}}


def _read_call(obj: Any) -> tuple[str, Any] | str:
    """``(name, arguments)`` from a decoded call object, or a message saying what is wrong with it."""
    if not isinstance(obj, dict):
        return f"expected a JSON object, got {type(obj).__name__}"
    name = obj.get("name")
    if not isinstance(name, str) or not name:
        return 'the object has no "name" string'
    args = obj.get("arguments", obj.get("parameters", {}))
    if isinstance(args, str):  # some models double-encode the arguments
        try:
            args = json.loads(args) if args.strip() else {}
        except json.JSONDecodeError:
            return f'"arguments" of {name} is a string that is not JSON; write it as a JSON object'
    if not isinstance(args, dict):
        return f'"arguments" of {name} must be a JSON object, got {type(args).__name__}'
    return name, args


def _snippet(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _arguments(call: ToolCallDict) -> Any:
    raw = (call.get("function") or {}).get("arguments") or "{}"
    try:
        return json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError:
        return raw  # the model's own broken text; written back as it was sent


class ToolFormat(abc.ABC):
    """How tools, calls and results are written as text. See the module docstring."""

    name: str = "format"
    #: one sentence reminding the model how to write a call; shown after a turn without one
    hint: str = ""

    @abc.abstractmethod
    def render_tools(self, tools: list[dict[str, Any]]) -> str:
        """The system-prompt section that lists ``tools`` and says how to call them."""

    @abc.abstractmethod
    def parse(self, text: str) -> tuple[str | None, list[ToolCallDict], str | None]:
        """``(content, tool_calls, error)``: ``content`` is the text outside the calls (``None`` when
        empty) and keeps any unreadable call block verbatim; ``tool_calls`` are OpenAI-format calls
        with ids ``call_<k>`` (callers may renumber); ``error`` is ``None`` when all was readable."""

    @abc.abstractmethod
    def render_calls(self, tool_calls: list[ToolCallDict]) -> str:
        """Earlier calls as the model would have written them."""

    def render_results(self, results: list[tuple[str, str]]) -> str:
        """``(tool name, output)`` pairs, in call order, as one user turn."""
        return "\n".join(f"<tool_response>\n{content}\n</tool_response>" for _, content in results)

    def render_assistant(self, message: Message) -> str:
        """An assistant message as text: its prose, then its calls."""
        parts = [message.get("content") or ""]
        if message.get("tool_calls"):
            parts.append(self.render_calls(message["tool_calls"]))
        return "\n".join(p for p in parts if p).strip()

    @staticmethod
    def schemas_text(tools: list[dict[str, Any]]) -> str:
        return "\n".join(json.dumps(t.get("function", t), ensure_ascii=False, sort_keys=True) for t in tools)


class HermesFormat(ToolFormat):
    name = "hermes"
    hint = 'Write each tool call as <tool_call>{"name": "<tool>", "arguments": {...}}</tool_call>.'
    _BLOCK = re.compile(r"<tool_call>(.*?)(?:</tool_call>|\Z)", re.DOTALL)
    _FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")

    def render_tools(self, tools: list[dict[str, Any]]) -> str:
        return ("# Tools\n\nYou can call the functions whose JSON schemas are listed between <tools> and "
                f"</tools>:\n<tools>\n{self.schemas_text(tools)}\n</tools>\n\n"
                "To call a function, write a JSON object with its name and arguments between <tool_call> and "
                '</tool_call>:\n<tool_call>\n{"name": "<function name>", "arguments": {<arguments>}}\n</tool_call>\n'
                "Write several <tool_call> blocks in one reply to call several functions at once.")

    def parse(self, text: str) -> tuple[str | None, list[ToolCallDict], str | None]:
        calls: list[ToolCallDict] = []
        errors: list[str] = []
        kept: list[str] = []
        last = 0
        for k, m in enumerate(self._BLOCK.finditer(text or "")):
            kept.append(text[last:m.start()])
            last = m.end()
            body = self._FENCE.sub("", m.group(1).strip())
            try:
                read = _read_call(json.loads(body))
            except json.JSONDecodeError as exc:
                read = f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
            if not m.group(0).endswith("</tool_call>") and isinstance(read, str):
                read = "the block is not closed with </tool_call>; " + read
            if isinstance(read, str):
                errors.append(f"{_snippet(m.group(0))}: {read}")
                kept.append(m.group(0))
            else:
                calls.append(_call(read[0], read[1], f"call_{len(calls)}"))
        kept.append((text or "")[last:])
        content = "".join(kept).strip() or None
        return content, calls, "; ".join(errors) or None

    def render_calls(self, tool_calls: list[ToolCallDict]) -> str:
        return "\n".join("<tool_call>\n" + json.dumps({"name": c["function"]["name"], "arguments": _arguments(c)},
                                                      ensure_ascii=False) + "\n</tool_call>" for c in tool_calls)


class JsonFormat(ToolFormat):
    name = "json"
    hint = 'Write a tool call as a JSON object {"name": "<tool>", "arguments": {...}}, or a JSON array of them.'
    _START = re.compile(r"[\[{]")
    _CALL_START = re.compile(r'\{\s*"name"\s*:')
    _EMPTY_FENCE = re.compile(r"```(?:json)?\s*```")
    _CALL_KEYS = {"name", "arguments", "parameters", "id", "type"}

    def render_tools(self, tools: list[dict[str, Any]]) -> str:
        return ("# Tools\n\nThese functions are available (JSON schemas, one per line):\n"
                f"{self.schemas_text(tools)}\n\n"
                'To call a function, reply with a JSON object {"name": "<function name>", "arguments": {<arguments>}}. '
                "To call several at once, reply with a JSON array of such objects.")

    def parse(self, text: str) -> tuple[str | None, list[ToolCallDict], str | None]:
        text = text or ""
        decoder = json.JSONDecoder()
        calls: list[ToolCallDict] = []
        errors: list[str] = []
        kept: list[str] = []
        pos = last = 0
        while (m := self._START.search(text, pos)) is not None:
            start = m.start()
            try:
                obj, end = decoder.raw_decode(text, start)
            except json.JSONDecodeError as exc:
                if self._CALL_START.match(text, start):  # meant as a call: say why it failed, keep the text
                    errors.append(f"{_snippet(text[start:])}: not valid JSON ({exc.msg} at column "
                                  f"{exc.pos - start + 1} of the object)")
                pos = start + 1
                continue
            items = obj if isinstance(obj, list) else [obj]
            reads = [_read_call(o) for o in items]
            looks_like_calls = items and all(isinstance(o, dict) and "name" in o and set(o) <= self._CALL_KEYS
                                             for o in items)
            if not looks_like_calls:  # JSON that is not a call is prose
                pos = end
                continue
            for read in reads:
                if isinstance(read, str):
                    errors.append(f"{_snippet(json.dumps(obj))}: {read}")
                else:
                    calls.append(_call(read[0], read[1], f"call_{len(calls)}"))
            if not any(isinstance(r, str) for r in reads):
                kept.append(text[last:start])
                last = end
            pos = end
        kept.append(text[last:])
        content = self._EMPTY_FENCE.sub("", "".join(kept)).strip() or None
        return content, calls, "; ".join(errors) or None

    def render_calls(self, tool_calls: list[ToolCallDict]) -> str:
        objs = [{"name": c["function"]["name"], "arguments": _arguments(c)} for c in tool_calls]
        return json.dumps(objs[0] if len(objs) == 1 else objs, ensure_ascii=False)


FORMATS: dict[str, type[ToolFormat]] = {"hermes": HermesFormat, "json": JsonFormat}


def get_format(name: str | ToolFormat) -> ToolFormat:
    """A format by name (``hermes``, ``json``) or the instance given."""
    if isinstance(name, ToolFormat):
        return name
    if name not in FORMATS:
        raise ValueError(f"unknown tool format {name!r}; use one of: {', '.join(sorted(FORMATS))} "
                         "(or 'native' for endpoints with tool calling)")
    return FORMATS[name]()


# -- conversations -------------------------------------------------------------------------------
def feedback(conversation: list[Message], fmt: ToolFormat) -> dict[int, str]:
    """Index of a message -> the note to append to it: after an assistant turn with an unreadable
    call, the parse error; after a turn with no call at all, the format's hint. The note goes on
    the env's answer to that turn: the last of its tool results, or the user message after it."""
    notes: dict[int, str] = {}
    for i, m in enumerate(conversation):
        if m.get("role") != "assistant" or i + 1 >= len(conversation):
            continue
        _, _, error = fmt.parse(m.get("content") or "")
        if error:
            note = f"[tool-call format error] {error}. {fmt.hint}"
        elif not m.get("tool_calls"):
            note = f"[tool-call format] {fmt.hint}"
        else:
            continue
        j = i + 1
        while conversation[j].get("role") == "tool" and j + 1 < len(conversation) \
                and conversation[j + 1].get("role") == "tool":
            j += 1  # after a run of tool results, on the last one
        if conversation[j].get("role") in ("user", "tool"):
            notes[j] = note
    return notes


def render_text_conversation(conversation: list[Message], tools: list[dict[str, Any]],
                             fmt: ToolFormat) -> list[Message]:
    """``conversation`` for a model that reads tools and calls as text: the tools go into the
    system prompt, earlier calls into the assistant text, tool results into user turns. Only
    ``system``, ``user`` and ``assistant`` roles remain, each with string content."""
    notes = feedback(conversation, fmt)
    names = {c["id"]: c["function"]["name"] for m in conversation for c in m.get("tool_calls") or []
             if isinstance(c, dict) and isinstance(c.get("function"), dict)}
    out: list[Message] = []
    pending: list[tuple[str, str]] = []

    def flush(note: str | None = None) -> None:
        if pending or note:
            text = fmt.render_results(pending) if pending else ""
            out.append({"role": "user", "content": "\n".join(p for p in (text, note) if p)})
            pending.clear()

    tools_text = fmt.render_tools(tools) if tools else ""
    if not conversation or conversation[0].get("role") != "system":
        if tools_text:
            out.append({"role": "system", "content": tools_text})
    for i, m in enumerate(conversation):
        role = m.get("role")
        if role == "tool":
            pending.append((names.get(m.get("tool_call_id"), "tool"), m.get("content") or ""))
            if i in notes:
                flush(notes[i])
            continue
        flush()
        if role == "system":
            out.append({"role": "system", "content": "\n\n".join(p for p in (m.get("content") or "", tools_text) if p)})
        elif role == "assistant":
            out.append({"role": "assistant", "content": fmt.render_assistant(m)})
        else:
            text = m.get("content") or ""
            out.append({"role": role or "user", "content": "\n".join(p for p in (text, notes.get(i)) if p)})
    flush()
    return out


def assistant_message(text: str, fmt: ToolFormat, conversation: list[Message]) -> Message:
    """The assistant message for a model's ``text``: parsed calls with ids unique in the episode
    (``call_<turn>_<k>``), the rest as content. A turn with no readable call has no ``tool_calls``."""
    content, calls, _ = fmt.parse(text)
    turn = sum(1 for m in conversation if m.get("role") == "assistant")
    for k, c in enumerate(calls):
        c["id"] = f"call_{turn}_{k}"
    message: Message = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = calls
    return message
