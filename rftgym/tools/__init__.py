"""Tools: typed Python functions an agent calls through OpenAI-format tool calls.

A ``Tool`` is a function plus metadata:

- ``name`` and ``description``: what the agent sees; ``parameters``: the JSON schema derived from the
  function's type hints and the ``Args:`` section of its docstring.
- ``parallel_safe``: the tool only reads, so calls of one turn may run concurrently. Tools that write
  or execute are barriers: they run alone, in call order.
- ``timeout`` (seconds), ``max_output`` (characters kept of the result), ``ends_episode`` (``submit``).

A tool function may take the episode's ``Workspace`` as a parameter named ``ws``; it is injected and
never appears in the schema. It returns text (anything else is JSON-encoded). It signals an error the
agent caused by raising ``ToolError(code, message)``: the message becomes the tool's observation, so
it should say what was wrong and what to do instead. Any other exception is reported to the agent as
``EXECUTION_ERROR``; nothing a tool raises ever escapes ``ToolEnv.step``.

Define a tool with the decorator and pick an environment's tool set by name or object::

    @rftgym.tool(parallel_safe=True)
    def count_lines(ws, path: str) -> str:
        '''Count the lines of a file.

        Args:
            path: file path relative to the repository root
        '''
        return str(len((ws.resolve(path)).read_text().splitlines()))

    env = gymnasium.make("rftgym/FileLocalization-v0", tools=["grep", "read_file", count_lines])
"""

from __future__ import annotations

import json
import marshal
from dataclasses import dataclass, field
from typing import Any, Callable

from rftgym.tools.schema import schema_from_function


class ToolError(Exception):
    """An error the agent caused; ``code`` is one of the ``ToolResult`` error codes."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]
    fn: Callable[..., Any]
    parallel_safe: bool = False
    timeout: float = 30.0
    max_output: int = 20_000
    ends_episode: bool = False
    wants_workspace: bool = True
    meta: dict[str, Any] = field(default_factory=dict)
    _schema_json: tuple[tuple[str, str, int], bytes] | None = field(default=None, init=False, repr=False, compare=False)

    def schema(self) -> dict[str, Any]:
        """The OpenAI tool schema; a fresh copy each call, so callers may keep or change it.

        The copy is decoded from a ``marshal`` image of the schema's JSON form, made once
        (~2.5x cheaper than ``json.loads``, ~15x than ``copy.deepcopy``; ``ToolEnv.reset`` hands
        every episode its own copies)."""
        key = (self.name, self.description, id(self.parameters))
        if self._schema_json is None or self._schema_json[0] != key:
            plain = json.loads(json.dumps({"type": "function", "function": {
                "name": self.name, "description": self.description, "parameters": self.parameters}}))
            self._schema_json = (key, marshal.dumps(plain))
        return marshal.loads(self._schema_json[1])

    def run(self, ws: Any, arguments: dict[str, Any]) -> str:
        result = self.fn(ws, **arguments) if self.wants_workspace else self.fn(**arguments)
        if isinstance(result, str):
            return result
        return json.dumps(result, ensure_ascii=False, sort_keys=True, default=str)


REGISTRY: dict[str, Tool] = {}


def tool(fn: Callable | None = None, *, name: str | None = None, description: str | None = None,
         parallel_safe: bool = False, timeout: float = 30.0, max_output: int = 20_000,
         ends_episode: bool = False, register: bool = True) -> Any:
    """Decorator: turn a typed function into a ``Tool`` (and register it under its name)."""

    def wrap(f: Callable) -> Tool:
        import inspect

        params = list(inspect.signature(f).parameters)
        wants_ws = bool(params) and params[0] in ("ws", "workspace")
        desc, schema = schema_from_function(f, skip={params[0]} if wants_ws else set())
        t = Tool(name=name or f.__name__, description=description or desc or f.__name__, parameters=schema, fn=f,
                 parallel_safe=parallel_safe, timeout=timeout, max_output=max_output, ends_episode=ends_episode,
                 wants_workspace=wants_ws)
        if register:
            REGISTRY[t.name] = t
        return t

    return wrap(fn) if fn is not None else wrap


def get_tool(name: str) -> Tool:
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"no tool named {name!r}; registered tools: {', '.join(sorted(REGISTRY))}") from None


def resolve_tools(items: list[str | Tool]) -> list[Tool]:
    """Names or ``Tool`` objects -> tools, refusing duplicates and unknown names with a clear error."""
    out: list[Tool] = []
    for item in items:
        t = item if isinstance(item, Tool) else get_tool(item)
        if any(o.name == t.name for o in out):
            raise ValueError(f"tool {t.name!r} is listed twice")
        out.append(t)
    return out


# The built-in tools register themselves on import.
from rftgym.tools import fs, search, symbols, git, submit, edit, shell  # noqa: E402,F401

READ_TOOLS = ["list_dir", "read_file", "find_files", "grep", "search_code", "find_symbol", "git_log", "git_show"]
EDIT_TOOLS = ["write_file", "str_replace", "insert_lines", "apply_patch", "git_diff"]
SHELL_TOOLS = ["run_shell", "run_python", "run_tests"]

# Tools that only read the workspace, in process: an episode whose tools all are (and whose grader
# only reads) can share its snapshot's workspace with every other such episode (``ToolEnv``).
for _read in [*(REGISTRY[n] for n in READ_TOOLS), submit.submit_files, submit.submit_answer]:
    _read.meta["read_only"] = True
# Calls that are bounded and cheap (capped listings and reads of cached texts, the submit tools):
# the executor runs them in the calling thread instead of handing each to a worker thread.
for _cheap in [REGISTRY["list_dir"], REGISTRY["read_file"], REGISTRY["find_files"], submit.submit_files,
               submit.submit_answer, submit.submit_patch]:
    _cheap.meta["inline"] = True
