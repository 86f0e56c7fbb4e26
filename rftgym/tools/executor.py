"""ToolExecutor: runs one assistant turn's tool calls, the parallel-safe ones concurrently.

Contract of ``ToolExecutor.run(calls, ws) -> list[ToolResult]``:

- results come back in call order, each with its ``tool_call_id``, latency and error code;
- consecutive parallel-safe calls run concurrently; a call to a tool that is not parallel-safe is a
  barrier: everything before it finishes, it runs alone, then the rest continue; a batch of calls
  that are all cheap and bounded (``Tool.meta["inline"]``: list_dir, read_file, find_files, the
  submit tools) runs in the calling thread in call order, since on threads they would only share
  the GIL and pay for the handoffs;
- arguments are decoded and validated against the tool's schema before anything runs;
- each call has a timeout (the tool's own, capped by the executor's) and an output cap;
- nothing raises on agent input: unknown tools, malformed JSON, bad arguments, timeouts and tool
  exceptions all become results with an error code and a message that tells the agent what to do.
  The one exception is ``InfraError`` (the machinery failed, e.g. a tool server that kept answering
  5xx): the call's result gets code ``INFRA_ERROR``, the rest of the turn still runs to the end, then
  the first ``InfraError`` is re-raised with the turn's results attached as ``exc.results``, so the
  runner can mark the rollout ``infra_error`` instead of grading it.

Timeouts. Python cannot kill a thread, so a call that times out is *isolated*, not stopped:

- calls run on daemon worker threads, one pool per process shared by every executor, that grow on
  demand (an idle worker, else a new one), so hung
  calls never starve later ones (there is no fixed-size pool to fill) and never keep the
  interpreter from exiting;
- shell-like tools learn their deadline through ``call_deadline()`` and clip their command's own
  timeout to it, so the process group is killed before the executor gives up on the call;
- a timed-out call that is still running keeps its claim on the workspace: a later non-parallel-safe
  call waits for *every* lingering call on that workspace, a later parallel-safe call waits for
  lingering non-parallel-safe ones, each for at most its own timeout; if the claim is still held then,
  the call is not run and gets ``WORKSPACE_BUSY``. So no writer ever overlaps another call, even
  across turns. ``settle(ws, timeout)`` waits for lingering calls (before a reset or a grade).
- CPU-bound reads of a big workspace that run in worker processes (``_read_lane``, ``procpool``) are
  stopped: the worker is killed a moment before the call's deadline and the call is a ``TIMEOUT``.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextvars
import json
import os
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

from rftgym.tools import Tool, ToolError
from rftgym.tools.schema import validate
from rftgym.types import InfraError, ToolCall, ToolResult

MAX_ARGUMENT_CHARS = 100_000

_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("rftgym_call_deadline", default=None)


def call_deadline() -> float | None:
    """Seconds left before the executor gives up on the call running in this thread (None: no executor
    deadline). Tools that start processes clip their own timeout to it so the process is killed first."""
    deadline = _DEADLINE.get()
    return None if deadline is None else max(0.0, deadline - time.monotonic())


def truncate(text: str, limit: int) -> tuple[str, bool]:
    if len(text) <= limit:
        return text, False
    return text[:limit] + f"\n[output truncated: {len(text) - limit} more characters; narrow the request]", True


def _infra_result(call: ToolCall, tool: Tool, exc: InfraError, infra: list[InfraError]) -> ToolResult:
    """The ``INFRA_ERROR`` result of a call the machinery could not run; ``exc`` is kept in ``infra``
    (re-raised after the turn)."""
    infra.append(exc)
    return ToolResult(call.id, tool.name, f"error: {tool.name} could not run: {exc}", "INFRA_ERROR")


@dataclass
class _Lingering:
    """A call that timed out and is still running on a workspace."""

    name: str
    writes: bool
    future: cf.Future
    workspace: Any  # held so that id(workspace) is not reused while the claim lasts


class _Workers:
    """Daemon worker threads that grow on demand: a task goes to an idle worker, or to a new one when
    none is idle, so calls that never return cannot starve later ones. Idle workers exit after
    ``idle_s`` seconds."""

    def __init__(self, idle_s: float = 30.0) -> None:
        self._tasks: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0
        self._idle_s = idle_s

    def start(self, fn, *args) -> cf.Future:
        """Run ``fn(*args)`` on a worker; its outcome lands in the returned future."""
        fut: cf.Future = cf.Future()
        task = (fut, fn, args)
        with self._lock:
            if self._idle:
                self._idle -= 1
                self._tasks.put(task)  # under the lock: a worker that sees an empty queue may retire
                return fut
        threading.Thread(target=self._work, args=(task,), name="rftgym-tool", daemon=True).start()
        return fut

    def _work(self, task) -> None:
        while True:
            fut, fn, args = task
            fut.set_running_or_notify_cancel()
            try:
                fut.set_result(fn(*args))
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting side
                fut.set_exception(exc)
            del fut, fn, args, task
            with self._lock:
                self._idle += 1
            while True:
                try:
                    task = self._tasks.get(timeout=self._idle_s)
                    break
                except queue.Empty:
                    with self._lock:
                        if self._tasks.empty():  # nothing was handed to an idle worker: retire
                            self._idle -= 1
                            return


# One pool of tool threads for the process: a run of a thousand envs reuses a few dozen threads
# instead of each env's executor starting (and keeping for idle_s) threads of its own.
_WORKERS = _Workers()


def _forget_workers_in_child() -> None:
    """A forked child has none of its parent's threads: its pool starts empty (else a call would be
    queued for an idle worker that does not exist there, and wait forever)."""
    _WORKERS.__init__()


os.register_at_fork(after_in_child=_forget_workers_in_child)


class ToolExecutor:
    def __init__(self, tools: list[Tool], *, max_workers: int = 16, timeout: float | None = None,
                 max_output: int | None = None) -> None:
        """``max_workers`` is kept for compatibility and ignored: the workers grow on demand, so hung
        calls cannot exhaust them."""
        self.tools = {t.name: t for t in tools}
        self.timeout = timeout
        self.max_output = max_output
        self._lock = threading.Lock()
        self._lingering: dict[int, list[_Lingering]] = {}  # id(workspace) -> calls still running
        self._workers = _WORKERS  # shared: hung calls hold one thread each, the pool grows past them

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

    def _invoke(self, tool: Tool, args: dict[str, Any], call: ToolCall, ws: Any,
                deadline: float | None = None, lane: Any = None) -> ToolResult:
        """Run one call to completion: a result; the only exception that escapes is ``InfraError``.
        ``lane`` (see ``_read_lane``): ``(pool, view)`` runs the call in a worker process of a
        ``procpool.ReadPool`` on the batch's ``view``, killed at ``deadline``; a lock runs it in this
        process holding that lock (one CPU-bound read at a time); None runs it here as is."""
        from rftgym.tools.procpool import PoolUnavailable, WorkerFailed

        token = _DEADLINE.set(deadline)
        start = time.perf_counter()
        error = None
        try:
            if isinstance(lane, tuple):
                pool, view = lane
                # Give up a little before the executor does, so the worker's kill is this call's result.
                early = None if deadline is None else deadline - min(0.25, 0.05 * self._timeout_for(tool))
                try:
                    content = pool.run(tool.name, args, ws, early, view)
                except PoolUnavailable:
                    content = tool.run(ws, args)
            elif lane is not None:
                with lane:
                    content = tool.run(ws, args)
            else:
                content = tool.run(ws, args)
        except WorkerFailed as exc:
            content, error = f"error: {call.name} failed: {exc.kind}: {exc}", "EXECUTION_ERROR"
        except ToolError as exc:
            content, error = f"error: {exc.message}", exc.code
        except InfraError:
            raise
        except Exception as exc:  # a tool bug or an unexpected state: the agent sees it, the run goes on
            content, error = f"error: {call.name} failed: {type(exc).__name__}: {exc}", "EXECUTION_ERROR"
        finally:
            _DEADLINE.reset(token)
        limit = min(tool.max_output, self.max_output) if self.max_output else tool.max_output
        content, cut = truncate(content, limit)
        return ToolResult(call.id, call.name, content, error, time.perf_counter() - start, cut)

    def _collect(self, fut: cf.Future, call: ToolCall, tool: Tool, infra: list[InfraError], timeout: float | None):
        """The result of a started call (a future) waited for up to ``timeout``; an ``InfraError``
        becomes an ``INFRA_ERROR`` result and is remembered in ``infra``. cf.TimeoutError passes."""
        try:
            return fut.result(timeout=timeout)
        except InfraError as exc:
            return _infra_result(call, tool, exc, infra)

    def _timeout_for(self, tool: Tool) -> float:
        return min(tool.timeout, self.timeout) if self.timeout else tool.timeout

    def run(self, calls: list[ToolCall], ws: Any) -> list[ToolResult]:
        results: list[ToolResult | None] = [None] * len(calls)
        infra: list[InfraError] = []
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
            self._run_batch(batch, calls, ws, results, infra)
            batch = []
            self._run_batch([(i, tool, args)], calls, ws, results, infra)
        self._run_batch(batch, calls, ws, results, infra)
        if infra:
            infra[0].results = results  # type: ignore[attr-defined]
            raise infra[0]
        return results  # type: ignore[return-value]

    # -- workspace claims of timed-out calls -------------------------------------------------------

    def _holders(self, ws: Any, writes: bool) -> list[_Lingering]:
        """Lingering calls on ``ws`` that a new call must wait for: all of them for a writer, the
        writers for a reader. Finished ones are dropped."""
        with self._lock:
            alive = [c for c in self._lingering.get(id(ws), []) if not c.future.done()]
            if alive:
                self._lingering[id(ws)] = alive
            else:
                self._lingering.pop(id(ws), None)
            return [c for c in alive if writes or c.writes]

    def _wait_for_workspace(self, ws: Any, writes: bool, timeout: float) -> _Lingering | None:
        """Wait up to ``timeout`` seconds for the lingering calls a new call conflicts with; the one
        still holding the workspace after that, or None when it is free."""
        deadline = time.monotonic() + timeout
        for holder in self._holders(ws, writes):
            try:
                holder.future.exception(timeout=max(0.0, deadline - time.monotonic()))
            except cf.TimeoutError:
                return holder
        return None

    def settle(self, ws: Any, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for every timed-out call still running on ``ws``; True when
        none is left (the workspace may be reset or graded)."""
        return self._wait_for_workspace(ws, True, timeout) is None

    def busy(self, ws: Any) -> bool:
        """Whether a timed-out call is still running on ``ws``."""
        return bool(self._holders(ws, True))

    def _run_batch(self, batch, calls, ws, results, infra) -> None:
        if not batch:
            return
        writes = any(not tool.parallel_safe for _, tool, _ in batch)
        holder = self._wait_for_workspace(ws, writes, max(self._timeout_for(t) for _, t, _ in batch))
        if holder is not None:
            for i, tool, _ in batch:
                results[i] = ToolResult(calls[i].id, tool.name, f"error: the workspace is still held by an "
                                        f"earlier {holder.name} call that timed out and has not stopped; "
                                        "this call was not run. Try again later, with smaller requests",
                                        "WORKSPACE_BUSY")
            return
        if all(tool.meta.get("inline") for _, tool, _ in batch):
            # Cheap bounded in-process calls (list_dir, read_file, find_files, submit) run here, one
            # after another: on threads they would share the GIL and pay only for the handoffs (a
            # thousand episodes in flight spent more on those than on the calls).
            start = time.monotonic()
            for i, tool, args in batch:
                try:
                    results[i] = self._invoke(tool, args, calls[i], ws, start + self._timeout_for(tool))
                except InfraError as exc:
                    results[i] = _infra_result(calls[i], tool, exc, infra)
            return
        lane, laned, warm = self._read_lane(batch, ws)
        if isinstance(lane, tuple):  # longest calls first: they take the workers, the short ones fill in
            batch = sorted(batch, key=lambda b: -lane[0].cost(b[1].name) if b[0] in laned else 0.0)
        start = time.monotonic()
        futures = [(i, tool, self._workers.start(self._invoke, tool, args, calls[i], ws,
                                                 start + self._timeout_for(tool), lane if i in laned else None))
                   for i, tool, args in batch]
        for i, tool, fut in futures:
            remaining = self._timeout_for(tool) - (time.monotonic() - start)
            try:
                results[i] = self._collect(fut, calls[i], tool, infra, max(0.0, remaining))
            except cf.TimeoutError:
                with self._lock:
                    self._lingering.setdefault(id(ws), []).append(
                        _Lingering(tool.name, not tool.parallel_safe, fut, ws))
                results[i] = ToolResult(calls[i].id, tool.name, f"error: {tool.name} timed out after "
                                        f"{self._timeout_for(tool):.0f}s; narrow the request", "TIMEOUT",
                                        self._timeout_for(tool))
        if warm is not None:  # the workers load the snapshot for the next turns, not during this one
            warm.warm_in_background(ws)

    def _read_lane(self, batch, ws) -> tuple[Any, set[int], Any]:
        """How this batch's CPU-bound read calls run: ``(lane, indices of the calls it runs, pool to
        warm for ws once the batch is over, or None)``.

        Two or more built-in ``search_code``/``grep``/``find_symbol`` calls on a big local workspace
        (``procpool.eligible``) are CPU-bound: on threads they share the GIL and run slower together
        than one after the other (a regex releasing and retaking the GIL at every match waits for the
        others each time). So they go to the worker processes (lane ``(pool, view)``) once those
        have loaded the workspace's snapshot; until then (the first such turn on a snapshot; the
        workers load it after that turn, see ``ReadPool.ready``) or with the pool off, they run here
        one at a time (lane: a lock). Other calls of the batch, and small workspaces, run on threads
        as before.
        """
        from rftgym.tools import REGISTRY
        from rftgym.tools.procpool import POOLED_TOOLS, eligible, shared_pool

        laned = {i for i, tool, _ in batch if tool.name in POOLED_TOOLS and REGISTRY.get(tool.name) is tool}
        if len(laned) < 2 or not eligible(ws):
            return None, set(), None
        pool = shared_pool()
        if pool is not None and pool.ready(ws):
            return (pool, pool.view(ws)), laned, None
        return threading.Lock(), laned, pool

    def close(self) -> None:
        """Forget lingering calls (their daemon threads end on their own or with the process)."""
        with self._lock:
            self._lingering.clear()
