"""Remote tools: a tool behind an HTTP endpoint, declared as an agent-RFT job declares it.

``RemoteTool.from_config(config) -> Tool`` takes ``{"name", "server_url", "headers", "description",
"parameters"}`` (or the OpenAI ``{"type": "function", "function": {...}}`` shape plus ``server_url``)
and gives a ``Tool`` that any env takes: ``gymnasium.make(env_id, tools=[..., remote])``.

Each call POSTs the agent-RFT wire format (see ``rftgym.integrations.serve``)::

    {"type": "function_call", "name", "arguments": "<JSON>", "call_id", "id", "item", "trace_id"}

with ``trace_id`` one id per episode (so the server keeps one state per rollout) and ``item`` the
episode's task row, both read from the workspace's ``episode`` context that ``ToolEnv.reset`` sets.
The reply's ``output`` is the observation. Edges:

- arguments or an output over 1 MB are refused with an error the agent sees (agent RFT's limit);
- a 5xx reply, a timeout or a dropped connection is retried ``retries`` times with backoff, then
  reported as ``EXECUTION_ERROR``; a 4xx reply is the agent's fault and comes back at once with the
  server's message (``INVALID_ARGS`` for 400/422);
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

MAX_PAYLOAD = 1 << 20
_FIELDS = {"name", "server_url", "headers", "description", "parameters", "type", "function", "parallel_safe",
           "timeout", "retries", "strict"}


class RemoteTool:
    """Calls one endpoint; ``from_config`` wraps it in a ``Tool``."""

    def __init__(self, name: str, server_url: str, headers: dict[str, str] | None = None, *, timeout: float = 30.0,
                 retries: int = 2, backoff: float = 0.2) -> None:
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
        retries = retries if retries is not None else int(config.get("retries", 2))
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
            raise ToolError("EXECUTION_ERROR", f"{self.name} answered {len(output.encode())} bytes, over the 1 MB "
                                               "limit; ask for less (a narrower path or pattern)")
        if reply.get("error"):
            raise ToolError(str(reply["error"]), output.removeprefix("error: "))
        return output

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        import httpx

        problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                r = self._client.post(self.server_url, json=body)
            except httpx.HTTPError as exc:  # timeouts and dropped connections: worth another try
                problem = f"{type(exc).__name__}: {exc}"
                continue
            if r.status_code >= 500:
                problem = f"HTTP {r.status_code}: {r.text[:300]}"
                continue
            if len(r.content) > MAX_PAYLOAD + 4096:
                raise ToolError("EXECUTION_ERROR", f"{self.name} answered {len(r.content)} bytes, over the 1 MB limit")
            try:
                data = r.json()
            except ValueError:
                data = None
            if r.status_code >= 400:
                message = (data or {}).get("output") or (data or {}).get("detail") or r.text[:500]
                message = message if isinstance(message, str) else json.dumps(message)
                code = "INVALID_ARGS" if r.status_code in (400, 413, 422) else "EXECUTION_ERROR"
                raise ToolError(code, f"{message.removeprefix('error: ')} (HTTP {r.status_code})")
            if not isinstance(data, dict):
                raise ToolError("EXECUTION_ERROR", f"{self.name} answered something that is not a JSON object")
            return data
        raise ToolError("EXECUTION_ERROR", f"{self.name} failed after {self.retries + 1} attempts ({problem}); "
                                           "try again later or another way")

    def close(self) -> None:
        self._client.close()
