"""``rftgym serve``: an environment's tools and grader as HTTP endpoints in the agent-RFT wire format.

A hosted agent-RFT job declares each tool as ``{"name", "server_url", "headers", "description",
"parameters"}`` and, for every call its model makes during a rollout, POSTs to ``server_url``::

    {"type": "function_call", "name": "grep", "arguments": "{\\"pattern\\": \\"tax\\"}",
     "call_id": "call_1", "id": "fc_1", "item": {<the task row>}, "trace_id": "trace_123"}

and reads back ``{"type": "function_call_output", "call_id": "call_1", "id": "fc_1", "output": "..."}``.

Contract of the app ``create_app(env_id, ...)`` builds:

- ``POST /tools/<name>`` per tool of the env (the submit tool included). ``GET /tools`` lists the
  declarations to paste into a job (``server_url`` filled from the request's base URL).
- One workspace per ``trace_id``, opened from ``item`` (``repo``, ``commit``; or ``id`` of a task the
  server was given) on first use and kept for the later calls of that trace. Calls of one trace may
  arrive in parallel: parallel-safe (read-only) tools run concurrently, the others alone (a
  readers-writer lock per trace). A trace idle for ``ttl`` seconds is released by a background task;
  ``DELETE /traces/<trace_id>`` releases it at once.
- Status codes: 200 for every call that ran, including tool errors the agent caused (a missing
  file): those are observations, as in ``ToolEnv``. 4xx when the request itself is wrong, with the
  message in ``output`` (and ``detail``) so that the model can see it: 400 bad arguments
  (``ToolExecutor.prepare`` validation) or a bad ``item``, 401 a missing or wrong bearer token, 413 a
  body over 1 MB, 422 a body that is not a ``function_call``. 5xx only for faults of the server.
- ``POST /grade`` ``{"sample", "item", "trace_id"}`` -> ``{"score", "components", "error"}``: the
  env's grader on the sample (the submission is ``sample.output_json``, else the arguments of the last
  submit call in ``sample.output_tools``), against the trace's workspace when it has one.
- ``/openapi.json`` and ``/docs`` describe it all (FastAPI's own).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from rftgym.sandbox import Sandbox, SandboxError, Workspace, make_sandbox
from rftgym.tools import Tool, resolve_tools
from rftgym.tools.executor import ToolExecutor
from rftgym.types import Task, TaskError, ToolCall

try:
    from fastapi import Depends, FastAPI, HTTPException, Request
    from fastapi.responses import JSONResponse
    from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
    from pydantic import BaseModel, Field
except ImportError as exc:  # pragma: no cover - depends on the install
    raise ImportError(f"rftgym serve needs FastAPI and uvicorn ({exc}); install them with pip install 'rftgym[serve]'") \
        from None

MAX_PAYLOAD = 1 << 20  # agent RFT's limit on a tool request or response body
# Output codes that mean the request was wrong rather than the tool's answer (-> 4xx, not an observation).
CLIENT_ERRORS = {"INVALID_ARGS": 400, "TOOL_NOT_FOUND": 404, "MALFORMED_CALL": 400}


class FunctionCall(BaseModel):
    """One tool call of a hosted rollout, as agent RFT sends it."""

    type: Literal["function_call"] = "function_call"
    name: str = Field(description="the tool's name; must match the endpoint")
    arguments: str = Field("{}", description="the arguments as a JSON-encoded object")
    call_id: str = Field(description="the model's id for this call; echoed back")
    id: str | None = Field(None, description="the output item's id; echoed back")
    item: dict[str, Any] = Field(default_factory=dict, description="the dataset row of the rollout (the task)")
    trace_id: str = Field(description="one id per rollout: the calls of a trace share a workspace")


class FunctionCallOutput(BaseModel):
    type: Literal["function_call_output"] = "function_call_output"
    call_id: str
    id: str | None = None
    output: str
    error: str | None = Field(None, description="rftgym's error code when the tool reported one")


class GradeRequest(BaseModel):
    sample: dict[str, Any] = Field(default_factory=dict, description="output_text, output_json, output_tools")
    item: dict[str, Any] = Field(default_factory=dict, description="the dataset row (with its gold data)")
    trace_id: str | None = None


class GradeResponse(BaseModel):
    score: float
    components: dict[str, float] = Field(default_factory=dict)
    error: str | None = None


class RequestError(Exception):
    """A request the client got wrong; ``status`` and a message the model can act on."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class TraceLock:
    """Readers-writer lock on one event loop: reads share the workspace, a write has it alone."""

    def __init__(self) -> None:
        self._cond = asyncio.Condition()
        self._readers = 0
        self._writing = False

    @contextlib.asynccontextmanager
    async def hold(self, write: bool):
        async with self._cond:
            await self._cond.wait_for(lambda: not self._writing and (not write or self._readers == 0))
            if write:
                self._writing = True
            else:
                self._readers += 1
        try:
            yield
        finally:
            async with self._cond:
                if write:
                    self._writing = False
                else:
                    self._readers -= 1
                self._cond.notify_all()


@dataclass
class Trace:
    task: Task
    workspace: Workspace | None = None
    lock: TraceLock = field(default_factory=TraceLock)
    opening: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_used: float = field(default_factory=time.monotonic)
    in_flight: int = 0
    calls: int = 0


class ToolServer:
    """The state behind the app: tools, the sandbox, and the live traces."""

    def __init__(self, env_id: str, *, tools: list[str | Tool] | None = None, tasks: Any = None,
                 sandbox: str | Sandbox = "local", ttl: float = 600.0, reap_every: float | None = None) -> None:
        import rftgym.envs as registry
        from rftgym.tasks import load_tasks

        self.spec = registry.get_spec(env_id)
        chosen = resolve_tools([t for t in (tools if tools is not None else self.spec.tools) if t != "submit"])
        if not any(t.name == self.spec.submit.name for t in chosen):
            chosen.append(self.spec.submit)
        self.tools = {t.name: t for t in chosen}
        self.executor = ToolExecutor(chosen)
        self.grader = self.spec.grader()
        self.tasks = {t.id: t for t in load_tasks(tasks, kind=self.spec.task_kind, split="all")} if tasks is not None \
            else {}
        self.sandbox = make_sandbox(sandbox)
        self.ttl = float(ttl)
        self.reap_every = reap_every if reap_every is not None else max(0.05, min(30.0, self.ttl / 4))
        self.traces: dict[str, Trace] = {}
        self.reaped = 0

    # -- traces ----------------------------------------------------------------------------------
    def task_from_item(self, item: dict[str, Any], trace_id: str) -> Task:
        if "repo" not in item and item.get("id") in self.tasks:
            return self.tasks[item["id"]]
        row = {"id": trace_id, "prompt": "(served)", **item}
        try:
            return Task.from_dict(row, where="item")
        except TaskError as exc:
            raise RequestError(400, f"{exc}. The item must carry the task row (repo and commit) of the rollout; "
                                    "it is the dataset row the job sends with every call") from None

    async def trace(self, trace_id: str, item: dict[str, Any], *, open_workspace: bool = True) -> Trace:
        tr = self.traces.get(trace_id)
        if tr is None:
            tr = self.traces.setdefault(trace_id, Trace(self.task_from_item(item, trace_id)))
        tr.last_used = time.monotonic()
        if open_workspace and tr.workspace is None:
            async with tr.opening:  # the parallel first calls of a trace open one workspace, not several
                if tr.workspace is None:
                    try:
                        tr.workspace = await asyncio.to_thread(self.sandbox.open, tr.task.repo, tr.task.commit,
                                                               image=tr.task.image)
                    except SandboxError as exc:
                        self.traces.pop(trace_id, None)
                        raise RequestError(400, f"cannot open the item's repository: {exc}") from None
        return tr

    async def release(self, trace_id: str) -> bool:
        tr = self.traces.pop(trace_id, None)
        if tr is None:
            return False
        if tr.workspace is not None:
            async with tr.lock.hold(write=True):  # calls still running finish first
                await asyncio.to_thread(self.sandbox.release, tr.workspace)
        return True

    async def reap(self) -> int:
        """Release the traces idle for longer than ``ttl``; returns how many."""
        now = time.monotonic()
        idle = [tid for tid, tr in list(self.traces.items()) if tr.in_flight == 0 and now - tr.last_used > self.ttl]
        for tid in idle:
            await self.release(tid)
        self.reaped += len(idle)
        return len(idle)

    async def reaper(self) -> None:
        while True:
            await asyncio.sleep(self.reap_every)
            with contextlib.suppress(Exception):  # a failed release must not stop later reaping
                await self.reap()

    # -- calls -----------------------------------------------------------------------------------
    async def call(self, tool: Tool, req: FunctionCall) -> tuple[int, FunctionCallOutput]:
        if req.name != tool.name:
            raise RequestError(400, f"this endpoint serves {tool.name!r} but the call names {req.name!r}; "
                                    f"POST it to /tools/{req.name}")
        if len(req.arguments.encode()) > MAX_PAYLOAD:
            raise RequestError(413, f"arguments are over the {MAX_PAYLOAD} byte limit; send less")
        call = ToolCall(req.call_id, req.name, req.arguments)
        prepared = self.executor.prepare(call)
        if not isinstance(prepared, tuple):  # validation failed before anything ran
            return CLIENT_ERRORS.get(prepared.error or "", 400), self._output(req, prepared.content, prepared.error)
        tr = await self.trace(req.trace_id, req.item)
        tr.in_flight += 1
        try:
            async with tr.lock.hold(write=not tool.parallel_safe):
                [result] = await asyncio.to_thread(self.executor.run, [call], tr.workspace)
            tr.calls += 1
        finally:
            tr.in_flight -= 1
            tr.last_used = time.monotonic()
        output = result.content
        if len(output.encode()) > MAX_PAYLOAD:  # tools cap their output far below this; a custom one may not
            output = output.encode()[:MAX_PAYLOAD - 200].decode(errors="ignore") + "\n[output cut at the 1 MB limit]"
        return 200, self._output(req, output, result.error)

    @staticmethod
    def _output(req: FunctionCall, output: str, error: str | None) -> FunctionCallOutput:
        return FunctionCallOutput(call_id=req.call_id, id=req.id, output=output, error=error)

    async def grade(self, req: GradeRequest) -> GradeResponse:
        from rftgym.graders import safe_grade
        from rftgym.graders.openai_format import context_from_sample

        trace = self.traces.get(req.trace_id) if req.trace_id else None
        if trace is not None:  # the item may repeat the row or carry only its gold data
            try:
                task = Task.from_dict({**trace.task.to_dict(), **req.item}, where="item") if req.item else trace.task
            except TaskError as exc:
                raise RequestError(400, str(exc)) from None
        else:
            task = self.task_from_item(req.item, req.trace_id or "item")
        traj = context_from_sample(req.sample, task.item()).trajectory
        traj.task_id = task.id
        traj.submission = submission_of(req.sample, self.spec.submit.name)
        if trace is not None and trace.workspace is not None:
            trace.last_used = time.monotonic()
            async with trace.lock.hold(write=True):
                grade = await asyncio.to_thread(safe_grade, self.grader, task, traj, trace.workspace)
        else:
            grade = await asyncio.to_thread(safe_grade, self.grader, task, traj, None)
        return GradeResponse(score=grade.score, components=grade.components, error=grade.error)

    async def close(self) -> None:
        for tid in list(self.traces):
            with contextlib.suppress(Exception):
                await self.release(tid)
        self.sandbox.close()
        self.executor.close()


def submission_of(sample: dict[str, Any], submit_name: str = "submit") -> dict[str, Any] | None:
    """The episode's submission from an OpenAI ``sample``: ``output_json`` when it is a non-empty
    object, else the arguments of the last ``submit_name`` call in ``output_tools``."""
    out = sample.get("output_json")
    if isinstance(out, dict) and out:
        return out
    for call in reversed(sample.get("output_tools") or []):
        fn = call.get("function") if isinstance(call, dict) else None
        fn = fn if isinstance(fn, dict) else call
        if isinstance(fn, dict) and fn.get("name") == submit_name:
            args = fn.get("arguments")
            try:
                args = json.loads(args) if isinstance(args, str) else args
            except json.JSONDecodeError:
                return None
            return args if isinstance(args, dict) else None
    return None


def tool_declaration(tool: Tool, base_url: str, token: str | None = None) -> dict[str, Any]:
    """A tool as an agent-RFT job declares it (and ``RemoteTool.from_config`` reads it)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return {"name": tool.name, "server_url": f"{base_url.rstrip('/')}/tools/{tool.name}", "headers": headers,
            "description": tool.description, "parameters": tool.schema()["function"]["parameters"]}


def create_app(env_id: str, *, token: str | None = None, tools: list[str | Tool] | None = None, tasks: Any = None,
               sandbox: str | Sandbox = "local", ttl: float = 600.0, reap_every: float | None = None) -> FastAPI:
    """The FastAPI app serving ``env_id``'s tools and grader. ``token=None`` means no auth (tests, loopback)."""
    server = ToolServer(env_id, tools=tools, tasks=tasks, sandbox=sandbox, ttl=ttl, reap_every=reap_every)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        reaper = asyncio.create_task(server.reaper())
        try:
            yield
        finally:
            reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reaper
            await server.close()

    app = FastAPI(title=f"rftgym tools: {server.spec.env_id}", lifespan=lifespan,
                  description=f"{server.spec.description} Tools in the agent-RFT function_call wire format.")
    app.state.server = server
    bearer = HTTPBearer(auto_error=False)

    def authorize(creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
        if token is None:
            return
        if creds is None or not secrets.compare_digest(creds.credentials.encode(), token.encode()):
            raise HTTPException(401, "missing or wrong bearer token; send the header Authorization: Bearer <token>",
                                headers={"WWW-Authenticate": "Bearer"})

    @app.middleware("http")
    async def limit_body(request: Request, call_next):
        size = request.headers.get("content-length")
        if size is not None and size.isdigit() and int(size) > MAX_PAYLOAD:
            return JSONResponse({"detail": f"the request body is {size} bytes; the limit is {MAX_PAYLOAD}"}, 413)
        return await call_next(request)

    @app.exception_handler(RequestError)
    async def request_error(request: Request, exc: RequestError):
        return JSONResponse({"detail": exc.message, "output": f"error: {exc.message}"}, exc.status)

    def endpoint(tool: Tool):
        async def run_tool(req: FunctionCall, _: None = Depends(authorize)):
            status, out = await server.call(tool, req)
            return JSONResponse(out.model_dump(), status) if status != 200 else out
        return run_tool

    for t in server.tools.values():
        app.post(f"/tools/{t.name}", response_model=FunctionCallOutput, summary=t.name, name=f"tool_{t.name}",
                 description=t.description + ("" if t.parallel_safe else "\n\nWrites or executes: runs alone "
                                              "within its trace."))(endpoint(t))

    @app.get("/tools", summary="the tool declarations for an agent-RFT job")
    async def list_tools(request: Request, _: None = Depends(authorize)) -> list[dict[str, Any]]:
        return [tool_declaration(t, str(request.base_url)) for t in server.tools.values()]

    @app.post("/grade", response_model=GradeResponse, summary="grade a sample with the env's grader")
    async def grade(req: GradeRequest, _: None = Depends(authorize)) -> GradeResponse:
        return await server.grade(req)

    @app.delete("/traces/{trace_id}", summary="release a trace's workspace now")
    async def release(trace_id: str, _: None = Depends(authorize)) -> dict[str, bool]:
        return {"released": await server.release(trace_id)}

    @app.get("/health", summary="liveness and the number of live traces")
    async def health() -> dict[str, Any]:
        return {"ok": True, "env_id": server.spec.env_id, "traces": len(server.traces), "reaped": server.reaped}

    return app


def serve(env_id: str, *, host: str = "127.0.0.1", port: int = 8080, token: str | None = None, **options: Any) -> None:
    """Run the app with uvicorn until interrupted. ``token`` falls back to ``$RFTGYM_SERVE_TOKEN``."""
    import uvicorn

    token = token or os.environ.get("RFTGYM_SERVE_TOKEN") or None
    uvicorn.run(create_app(env_id, token=token, **options), host=host, port=port, log_level="info")


class BackgroundServer:
    """An app served by uvicorn on a thread of this process (notebooks, tests, ``RemoteTool`` demos).

    ``with BackgroundServer(app) as url:`` binds a free port on 127.0.0.1 unless ``port`` is given,
    waits until the server answers, and stops it (running the app's shutdown) on exit."""

    def __init__(self, app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> None:
        import socket

        import uvicorn

        if port == 0:
            with socket.socket() as s:
                s.bind((host, 0))
                port = s.getsockname()[1]
        self.url = f"http://{host}:{port}"
        self._server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
        self._thread = None

    def __enter__(self) -> str:
        import threading

        self._thread = threading.Thread(target=self._server.run, name="rftgym-serve", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server on {self.url} did not start (port taken?)")
            time.sleep(0.01)
        return self.url

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=30)
