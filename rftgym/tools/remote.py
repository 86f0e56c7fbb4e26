"""Remote tools: a tool behind an HTTP endpoint, declared as an agent-RFT job declares it.

``RemoteTool.from_config(config) -> Tool`` takes ``{"name", "server_url", "headers", "description",
"parameters"}`` (or the OpenAI ``{"type": "function", "function": {...}}`` shape plus ``server_url``)
and gives a ``Tool`` that any env takes: ``gymnasium.make(env_id, tools=[..., remote])``.

Each call POSTs the agent-RFT wire format (see ``rftgym.integrations.serve``)::

    {"type": "function_call", "name", "arguments": "<JSON>", "call_id", "id", "item", "trace_id"}

with ``trace_id`` one id per episode (so the server keeps one state per rollout) and ``item`` the
episode's task row, both read from the workspace's ``episode`` context that ``ToolEnv.reset`` sets.
The reply's ``output`` is the observation. Edges:

This follows the hosted agent-RFT tool contract:

- arguments over 1 MB are refused before sending; a reply over 1 MB (counted as it is read) reaches
  the agent as a 413 error message (``EXECUTION_ERROR``), not as a truncated answer;
- a 4xx reply comes back at once as an observation: its ``output`` when the body has one, else the
  body itself (``INVALID_ARGS`` for 400/413/422, ``EXECUTION_ERROR`` for the others);
- a 5xx reply, a timeout or a dropped connection is retried up to ``retries`` (default 3) times with
  backoff; after that the machinery, not the agent, has failed: ``InfraError`` is raised, the
  executor records ``INFRA_ERROR`` and re-raises it after the turn, and the rollout is discarded
  (marked ``infra_error``) instead of graded 0;
- several declarations may share one ``server_url``: the body's ``name`` says which tool is meant
  (``rftgym serve`` answers such calls on ``POST /tools``);
- a 200 reply with an ``error`` code (as ``rftgym serve`` sends for a missing file) keeps that code;
- ``parallel_safe`` (default true: most remote tools are lookups) lets the calls of a turn run
  concurrently; set it false for a tool with side effects. One HTTP client per tool is shared by all
  threads and episodes.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from rftgym.tools import Tool, ToolError
from rftgym.types import InfraError

MAX_PAYLOAD = 1 << 20
_FIELDS = {"name", "server_url", "headers", "description", "parameters", "type", "function", "parallel_safe",
           "timeout", "retries", "strict"}


class RemoteTool:
    """Calls one endpoint; ``from_config`` wraps it in a ``Tool``."""

    def __init__(self, name: str, server_url: str, headers: dict[str, str] | None = None, *, timeout: float = 30.0,
                 retries: int = 3, backoff: float = 0.2) -> None:
        try:
            import httpx
        except ImportError as exc:
            raise ImportError(f"remote tools need httpx ({exc}); install it with pip install 'rftgym[serve]'") from None
        self.name, self.server_url = name, server_url
        self.timeout, self.retries, self.backoff = timeout, retries, backoff
        self._client = httpx.Client(headers=dict(headers or {}), timeout=timeout,
                                    limits=httpx.Limits(max_connections=64, max_keepalive_connections=16))

    @classmethod
    def from_config(cls, config: dict[str, Any], *, parallel_safe: bool | None = None, timeout: float | None = None,
                    retries: int | None = None) -> Tool:
        """A ``Tool`` from an agent-RFT tool declaration. Keyword arguments override the config's."""
        if not isinstance(config, dict):
            raise ValueError(f"a remote tool config must be a JSON object, got {type(config).__name__}")
        fn = config.get("function") if isinstance(config.get("function"), dict) else {}
        name = config.get("name") or fn.get("name")
        url = config.get("server_url")
        unknown = sorted(set(config) - _FIELDS)
        if unknown:
            raise ValueError(f"remote tool {name!r}: unknown field(s) {', '.join(unknown)}; a declaration has "
                             "name, server_url, headers, description, parameters")
        if not isinstance(name, str) or not name:
            raise ValueError("a remote tool config needs a \"name\"")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ValueError(f"remote tool {name!r} needs a \"server_url\" (http:// or https://), got {url!r}")
        headers = config.get("headers") or {}
        if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            raise ValueError(f"remote tool {name!r}: \"headers\" must map header names to strings")
        params = config.get("parameters") or fn.get("parameters") or {"type": "object", "properties": {}}
        if not isinstance(params, dict) or params.get("type") != "object":
            raise ValueError(f"remote tool {name!r}: \"parameters\" must be a JSON schema of type object")
        timeout = timeout if timeout is not None else float(config.get("timeout", 30.0))
        retries = retries if retries is not None else int(config.get("retries", 3))
        safe = parallel_safe if parallel_safe is not None else bool(config.get("parallel_safe", True))
        remote = cls(name, url, headers, timeout=timeout, retries=retries)
        description = config.get("description") or fn.get("description") or f"remote tool at {url}"
        return Tool(name=name, description=description, parameters=params, fn=remote, parallel_safe=safe,
                    timeout=timeout * (retries + 1) + remote.backoff * 2 ** retries + 1.0,
                    meta={"remote": url})

    def __call__(self, ws: Any, **arguments: Any) -> str:
        args = json.dumps(arguments, ensure_ascii=False)
        if len(args.encode()) > MAX_PAYLOAD:
            raise ToolError("INVALID_ARGS", f"the arguments are {len(args.encode())} bytes; remote tools take at "
                                            f"most {MAX_PAYLOAD} (1 MB). Send less")
        episode = getattr(ws, "episode", None) or {}
        call_id = f"call_{uuid.uuid4().hex[:16]}"
        body = {"type": "function_call", "name": self.name, "arguments": args, "call_id": call_id,
                "id": f"fc_{call_id[5:]}", "item": episode.get("item") or {},
                "trace_id": episode.get("trace_id") or f"adhoc-{uuid.uuid4().hex}"}
        reply = self._post(body)
        output = reply.get("output")
        if not isinstance(output, str):
            output = json.dumps(output, ensure_ascii=False) if output is not None else ""
        if len(output.encode()) > MAX_PAYLOAD:
            raise self._too_large(len(output.encode()))
        if reply.get("error"):
            raise ToolError(str(reply["error"]), output.removeprefix("error: "))
        return output

    def _too_large(self, size: int | None) -> ToolError:
        """The 413 the agent sees for a reply over the limit."""
        got = f"{size} bytes" if size is not None else "more"
        return ToolError("EXECUTION_ERROR", f"413 Payload Too Large: {self.name} answered {got}, over the 1 MB "
                                             "limit on a tool response; ask for less (a narrower path or pattern)")

    def _read(self, body: dict[str, Any]) -> tuple[int, bytes | None]:
        """POST ``body``; the status and the reply's bytes, None when the reply is over the limit (read
        no further than that, whatever ``Content-Length`` says)."""
        with self._client.stream("POST", self.server_url, json=body) as r:
            data = bytearray()
            for chunk in r.iter_bytes():
                data += chunk
                if len(data) > MAX_PAYLOAD + 4096:  # the JSON envelope around a 1 MB output
                    return r.status_code, None
            return r.status_code, bytes(data)

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        import httpx

        problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                status, content = self._read(body)
            except httpx.HTTPError as exc:  # timeouts and dropped connections: worth another try
                problem = f"{type(exc).__name__}: {exc}"
                continue
            if status >= 500:
                problem = f"HTTP {status}: {(content or b'').decode(errors='replace')[:300]}"
                continue
            if content is None:
                raise self._too_large(None)
            try:
                data = json.loads(content)
            except ValueError:
                data = None
            if status >= 400:
                raise self._client_error(status, data, content)
            if not isinstance(data, dict):
                raise ToolError("EXECUTION_ERROR", f"{self.name} answered something that is not a JSON object")
            return data
        raise InfraError(f"{self.name} at {self.server_url} failed {self.retries + 1} times ({problem}); the "
                         "rollout is discarded, not graded")

    @staticmethod
    def _client_error(status: int, data: Any, content: bytes) -> ToolError:
        """A 4xx reply as the observation the agent sees: its ``output``, else the body as sent."""
        output = data.get("output") if isinstance(data, dict) else None
        if isinstance(output, str) and output:
            message = output.removeprefix("error: ")
        else:
            message = content.decode(errors="replace").strip()[:2000] or "(empty body)"
        code = "INVALID_ARGS" if status in (400, 413, 422) else "EXECUTION_ERROR"
        return ToolError(code, f"HTTP {status}: {message}")

    def close(self) -> None:
        self._client.close()
