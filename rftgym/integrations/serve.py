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
  ``DELETE /traces/<trace_id>`` releases it: it waits for the trace's calls in flight, then detaches
  the workspace, and a call still queued on that trace gets 409 (it never runs on a workspace that
  may already serve another trace).
- ``POST /tools`` takes a call to any tool and dispatches on its ``name``, so several declarations
  may share one ``server_url``.
- ``item.repo`` may only name a repository the server allows: the built-in repos, the repos of the
  tasks it was given, and ``allow_repos``; any other gets 403 (a served model must not open any
  repository on the server's disk).
- A client (its address) may hold at most ``max_traces_per_client`` open traces; one more is 429.
- A trace may make at most ``max_episode_steps`` tool calls (default: the env's ``max_tool_calls``);
  later calls are not run and answer 200 with ``error: BUDGET_EXHAUSTED`` and the reason in ``output``.
- Status codes: 200 for every call that ran, including tool errors the agent caused (a missing
  file): those are observations, as in ``ToolEnv``. 4xx when the request itself is wrong, with the
  message in ``output`` (and ``detail``) so that the model can see it: 400 bad arguments
  (``ToolExecutor.prepare`` validation) or a bad ``item``, 401 a missing or wrong bearer token, 413 a
  body over 1 MB (counted as read, so chunked bodies are held to it too), 422 a body that is not a
  ``function_call``. 5xx only for faults of the server.
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
from rftgym.sandbox.repos import builtin_repo_names
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
    admitted: int = 0  # calls let in (counted before they run, so parallel calls cannot pass the cap)
    client: str = ""
    closed: bool = False  # released: a call still queued on it must not run


def repo_key(repo: str) -> str:
    """A repository reference in a comparable form: a URL or built-in name as written (no trailing
    slash or ``.git``), a local path made absolute with links resolved."""
    repo = repo.strip()
    if "://" in repo or repo.startswith("git@"):
        return repo.rstrip("/").removesuffix(".git")
    if "/" not in repo and not repo.startswith("."):
        return repo  # a built-in repo name
    return os.path.realpath(os.path.expanduser(repo))


class TraceReleased(Exception):
    """The trace was released while a call waited for it."""


class ToolServer:
    """The state behind the app: tools, the sandbox, and the live traces."""

    def __init__(self, env_id: str, *, tools: list[str | Tool] | None = None, tasks: Any = None,
                 sandbox: str | Sandbox = "local", ttl: float = 600.0, reap_every: float | None = None,
                 allow_repos: list[str] | None = None, max_traces_per_client: int = 256,
                 max_episode_steps: int | None = None) -> None:
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
        self.allowed_repos = {repo_key(r) for r in [*builtin_repo_names(), *(allow_repos or []),
                                                    *(t.repo for t in self.tasks.values())]}
        self.max_traces_per_client = int(max_traces_per_client)
        self.max_episode_steps = int(max_episode_steps or self.spec.max_tool_calls)

    # -- traces ----------------------------------------------------------------------------------
    def task_from_item(self, item: dict[str, Any], trace_id: str) -> Task:
        if "repo" not in item and item.get("id") in self.tasks:
            return self.tasks[item["id"]]
        row = {"id": trace_id, "prompt": "(served)", **item}
        try:
            task = Task.from_dict(row, where="item")
        except TaskError as exc:
            raise RequestError(400, f"{exc}. The item must carry the task row (repo and commit) of the rollout; "
                                    "it is the dataset row the job sends with every call") from None
        if repo_key(task.repo) not in self.allowed_repos:
            raise RequestError(403, f"this server does not serve the repository {task.repo!r}; it serves the "
                                    "built-in repos, the repos of its task file and those it was started with "
                                    "--allow-repo")
        return task

    async def trace(self, trace_id: str, item: dict[str, Any], *, open_workspace: bool = True,
                    client: str = "") -> Trace:
        """The live trace ``trace_id`` (created from ``item`` on first use, its workspace opened unless
        ``open_workspace`` is false). 429 when ``client`` already holds its cap of open traces."""
        tr = self.traces.get(trace_id)
        if tr is None:
            task = self.task_from_item(item, trace_id)
            tr = self.traces.get(trace_id)  # task_from_item does not await, but stay safe
            if tr is None:
                held = sum(1 for t in self.traces.values() if t.client == client)
                if held >= self.max_traces_per_client:
                    raise RequestError(429, f"this client already has {held} open traces, the server's limit; "
                                            "release finished ones (DELETE /traces/<trace_id>) or wait for them "
                                            "to expire")
                tr = self.traces[trace_id] = Trace(task, client=client)
        tr.last_used = time.monotonic()
        if open_workspace and tr.workspace is None:
            async with tr.opening:  # the parallel first calls of a trace open one workspace, not several
                if tr.workspace is None and not tr.closed:
                    try:
                        tr.workspace = await asyncio.to_thread(self.sandbox.open, tr.task.repo, tr.task.commit,
                                                               image=tr.task.image)
                    except SandboxError as exc:
                        if self.traces.get(trace_id) is tr:
                            self.traces.pop(trace_id, None)
                        raise RequestError(400, f"cannot open the item's repository: {exc}") from None
        if tr.closed:
            raise TraceReleased()
        return tr

    async def release(self, trace_id: str) -> bool:
        """Release a trace: later calls of it wait for nothing, calls in flight finish first, calls
        still queued are refused, then the workspace goes back to the sandbox. False if not live."""
        tr = self.traces.pop(trace_id, None)
        if tr is None:
            return False
        tr.closed = True
        async with tr.opening:  # a workspace being opened is opened (and then released here)
            pass
        async with tr.lock.hold(write=True):  # calls still running finish first
            ws, tr.workspace = tr.workspace, None
            if ws is not None:
                # a call that timed out may still run in a thread: the workspace is not reused before it stops
                await asyncio.to_thread(self.executor.settle, ws, 600.0)
                await asyncio.to_thread(self.sandbox.release, ws)
        return True

    async def reap(self) -> int:
        """Release the traces idle for longer than ``ttl``; returns how many."""
        now = time.monotonic()
        idle = [tid for tid, tr in list(self.traces.items()) if tr.in_flight == 0 and now - tr.last_used > self.ttl]
        for tid in idle:
            self.reaped += 1  # counted before the release awaits: /health never sees a trace gone but uncounted
            await self.release(tid)
        return len(idle)

    async def reaper(self) -> None:
        while True:
            await asyncio.sleep(self.reap_every)
            with contextlib.suppress(Exception):  # a failed release must not stop later reaping
                await self.reap()

    # -- calls -----------------------------------------------------------------------------------
    async def call(self, tool: Tool | None, req: FunctionCall, client: str = "") -> tuple[int, FunctionCallOutput]:
        """Run one call on its trace; ``tool=None`` dispatches on ``req.name``. Returns the status and
        the output item; raises ``RequestError`` for a wrong request."""
        if tool is None:
            tool = self.tools.get(req.name)
            if tool is None:
                known = ", ".join(sorted(self.tools))
                return 404, self._output(req, f"error: no tool named {req.name!r}. Available tools: {known}",
                                         "TOOL_NOT_FOUND")
        if req.name != tool.name:
            raise RequestError(400, f"this endpoint serves {tool.name!r} but the call names {req.name!r}; "
                                    f"POST it to /tools/{req.name}")
        if len(req.arguments.encode()) > MAX_PAYLOAD:
            raise RequestError(413, f"arguments are over the {MAX_PAYLOAD} byte limit; send less")
        call = ToolCall(req.call_id, req.name, req.arguments)
        prepared = self.executor.prepare(call)
        if not isinstance(prepared, tuple):  # validation failed before anything ran
            return CLIENT_ERRORS.get(prepared.error or "", 400), self._output(req, prepared.content, prepared.error)
        try:
            tr = await self.trace(req.trace_id, req.item, client=client)
        except TraceReleased:
            return self._released(req)
        if tr.admitted >= self.max_episode_steps:
            return 200, self._output(req, f"error: this rollout has made {tr.admitted} tool calls, the limit "
                                          f"(max_episode_steps = {self.max_episode_steps}); this call was not run. "
                                          "Submit your answer now", "BUDGET_EXHAUSTED")
        tr.admitted += 1
        tr.in_flight += 1
        try:
            async with tr.lock.hold(write=not tool.parallel_safe):
                if tr.closed or tr.workspace is None:  # released while this call waited
                    return self._released(req)
                [result] = await asyncio.to_thread(self.executor.run, [call], tr.workspace)
            tr.calls += 1
        finally:
            tr.in_flight -= 1
            tr.last_used = time.monotonic()
        output = result.content
        if len(output.encode()) > MAX_PAYLOAD:  # tools cap their output far below this; a custom one may not
            output = output.encode()[:MAX_PAYLOAD - 200].decode(errors="ignore") + "\n[output cut at the 1 MB limit]"
        return 200, self._output(req, output, result.error)

    def _released(self, req: FunctionCall) -> tuple[int, FunctionCallOutput]:
        return 409, self._output(req, f"error: the trace {req.trace_id!r} was released before this call ran; "
                                      "it was not run. Start a new trace for a new rollout", "TRACE_RELEASED")

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
                if trace.closed or trace.workspace is None:
                    raise RequestError(409, f"the trace {req.trace_id!r} was released while the grade waited")
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


class BodyLimit:
    """ASGI middleware: a request body over ``limit`` bytes gets 413, counted as the bytes arrive
    (``Content-Length`` may be absent or wrong: chunked transfer encoding). Bodies under the limit are
    buffered and handed to the app unchanged."""

    def __init__(self, app, limit: int = MAX_PAYLOAD) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            return await self._refuse(send, f"the request body is {int(declared)} bytes; the limit is {self.limit}")
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            more = message.get("more_body", False)
            if size > self.limit:
                while more and size < 16 * self.limit:  # drain a little so the client reads the answer
                    message = await receive()
                    size += len(message.get("body", b""))
                    more = message.get("more_body", False) and message["type"] != "http.disconnect"
                return await self._refuse(send, f"the request body is over the {self.limit} byte limit")
            chunks.append(body)
        buffered, delivered = b"".join(chunks), False

        async def replay():
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": buffered, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(send, message: str) -> None:
        data = json.dumps({"detail": message, "output": f"error: {message}"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": data})


def create_app(env_id: str, *, token: str | None = None, tools: list[str | Tool] | None = None, tasks: Any = None,
               sandbox: str | Sandbox = "local", ttl: float = 600.0, reap_every: float | None = None,
               allow_repos: list[str] | None = None, max_traces_per_client: int = 256,
               max_episode_steps: int | None = None) -> FastAPI:
    """The FastAPI app serving ``env_id``'s tools and grader. ``token=None`` means no auth (tests, loopback).
    ``allow_repos``: repositories (paths or URLs) items may name besides the built-in ones and those of
    ``tasks``; ``max_traces_per_client``: open traces one client address may hold (429 past it);
    ``max_episode_steps``: tool calls per trace (default: the env's ``max_tool_calls``)."""
    server = ToolServer(env_id, tools=tools, tasks=tasks, sandbox=sandbox, ttl=ttl, reap_every=reap_every,
                        allow_repos=allow_repos, max_traces_per_client=max_traces_per_client,
                        max_episode_steps=max_episode_steps)

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

    app.add_middleware(BodyLimit, limit=MAX_PAYLOAD)

    @app.exception_handler(RequestError)
    async def request_error(request: Request, exc: RequestError):
        return JSONResponse({"detail": exc.message, "output": f"error: {exc.message}"}, exc.status)

    def endpoint(tool: Tool | None):
        async def run_tool(req: FunctionCall, request: Request, _: None = Depends(authorize)):
            status, out = await server.call(tool, req, client=request.client.host if request.client else "")
            return JSONResponse(out.model_dump(), status) if status != 200 else out
        return run_tool

    app.post("/tools", response_model=FunctionCallOutput, summary="any tool, chosen by the call's name",
             name="tool_dispatch", description="One server_url for several tools: the call's name picks the "
             "tool.")(endpoint(None))

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
