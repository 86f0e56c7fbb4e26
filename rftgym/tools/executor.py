"""ToolExecutor: runs one assistant turn's tool calls, the parallel-safe ones concurrently.

Contract of ``ToolExecutor.run(calls, ws) -> list[ToolResult]``:

- results come back in call order, each with its ``tool_call_id``, latency and error code;
- consecutive parallel-safe calls run concurrently on a thread pool; a call to a tool that is not
  parallel-safe is a barrier: everything before it finishes, it runs alone, then the rest continue;
- arguments are decoded and validated against the tool's schema before anything runs;
- each call has a timeout (the tool's own, capped by the executor's) and an output cap;
- nothing raises: unknown tools, malformed JSON, bad arguments, timeouts and tool exceptions all
  become results with an error code and a message that tells the agent what to do.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import threading
import time
from typing import Any

from rftgym.tools import Tool, ToolError
from rftgym.tools.schema import validate
from rftgym.types import ToolCall, ToolResult

MAX_ARGUMENT_CHARS = 100_000


def truncate(text: str, limit: int) -> tuple[str, bool]:
    if len(text) <= limit:
        return text, False
    return text[:limit] + f"\n[output truncated: {len(text) - limit} more characters; narrow the request]", True


class ToolExecutor:
    def __init__(self, tools: list[Tool], *, max_workers: int = 16, timeout: float | None = None,
                 max_output: int | None = None) -> None:
        self.tools = {t.name: t for t in tools}
        self.timeout = timeout
        self.max_output = max_output
        self._max_workers = max_workers
        self._pool: cf.ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def _executor(self) -> cf.ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = cf.ThreadPoolExecutor(self._max_workers, thread_name_prefix="rftgym-tool")
            return self._pool

    def prepare(self, call: ToolCall) -> tuple[Tool, dict[str, Any]] | ToolResult:
        """Decode and validate a call: the tool and its arguments, or an error result."""
        tool = self.tools.get(call.name)
        if tool is None:
            known = ", ".join(sorted(self.tools))
            return ToolResult(call.id, call.name, f"error: no tool named {call.name!r}. Available tools: {known}",
                              "TOOL_NOT_FOUND")
        raw = call.arguments
        if isinstance(raw, str) and len(raw) > MAX_ARGUMENT_CHARS:
            return ToolResult(call.id, call.name, f"error: arguments are {len(raw)} characters; the limit is "
                              f"{MAX_ARGUMENT_CHARS}", "INVALID_ARGS")
        try:
            args = json.loads(raw) if isinstance(raw, str) and raw.strip() else (raw or {})
        except json.JSONDecodeError as exc:
            return ToolResult(call.id, call.name, f"error: arguments are not valid JSON ({exc.msg} at "
                              f"position {exc.pos}); send a JSON object such as {{\"path\": \".\"}}", "INVALID_ARGS")
        if not isinstance(args, dict):
            return ToolResult(call.id, call.name, f"error: arguments must be a JSON object, got "
                              f"{type(args).__name__}", "INVALID_ARGS")
        problems = validate(args, tool.parameters)
        if problems:
            return ToolResult(call.id, call.name, "error: invalid arguments for " + call.name + ": "
                              + "; ".join(problems[:5]), "INVALID_ARGS")
        return tool, args

    def _invoke(self, tool: Tool, args: dict[str, Any], call: ToolCall, ws: Any) -> ToolResult:
        start = time.perf_counter()
        error = None
        try:
            content = tool.run(ws, args)
        except ToolError as exc:
            content, error = f"error: {exc.message}", exc.code
        except Exception as exc:  # a tool bug or an unexpected state: the agent sees it, the run goes on
            content, error = f"error: {call.name} failed: {type(exc).__name__}: {exc}", "EXECUTION_ERROR"
        limit = min(tool.max_output, self.max_output) if self.max_output else tool.max_output
        content, cut = truncate(content, limit)
        return ToolResult(call.id, call.name, content, error, time.perf_counter() - start, cut)

    def _timeout_for(self, tool: Tool) -> float:
        return min(tool.timeout, self.timeout) if self.timeout else tool.timeout

    def run(self, calls: list[ToolCall], ws: Any) -> list[ToolResult]:
        results: list[ToolResult | None] = [None] * len(calls)
        batch: list[tuple[int, Tool, dict[str, Any]]] = []
        for i, call in enumerate(calls):
            prepared = self.prepare(call)
            if isinstance(prepared, ToolResult):
                results[i] = prepared
                continue
            tool, args = prepared
            if tool.parallel_safe:
                batch.append((i, tool, args))
                continue
            self._run_batch(batch, calls, ws, results)
            batch = []
            self._run_batch([(i, tool, args)], calls, ws, results)
        self._run_batch(batch, calls, ws, results)
        return results  # type: ignore[return-value]

    def _run_batch(self, batch, calls, ws, results) -> None:
        if not batch:
            return
        if len(batch) == 1 and batch[0][1].meta.get("inline"):
            i, tool, args = batch[0]
            results[i] = self._invoke(tool, args, calls[i], ws)
            return
        pool = self._executor()
        futures = [(i, tool, pool.submit(self._invoke, tool, args, calls[i], ws)) for i, tool, args in batch]
        start = time.perf_counter()
        for i, tool, fut in futures:
            remaining = self._timeout_for(tool) - (time.perf_counter() - start)
            try:
                results[i] = fut.result(timeout=max(0.0, remaining))
            except cf.TimeoutError:
                results[i] = ToolResult(calls[i].id, tool.name, f"error: {tool.name} timed out after "
                                        f"{self._timeout_for(tool):.0f}s; narrow the request", "TIMEOUT",
                                        self._timeout_for(tool))

    def close(self) -> None:
        with self._pool_lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
