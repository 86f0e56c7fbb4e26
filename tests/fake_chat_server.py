"""A chat-completions endpoint on 127.0.0.1 that plays the model, for driving the ``openai:`` policy
through the real OpenAI SDK over real HTTP.

The server answers ``POST /v1/chat/completions`` by calling a *responder* with the decoded request;
the responder returns a ``Reply`` (a completion, an error status with headers, a raw body, a delay).
Every request is recorded with its arrival time (``time.monotonic()``), so tests can measure rates
at the server. ``ExplorerModel`` is a responder that solves file-localization tasks the way a
model would: search and list in parallel, then submit the best search hit, with native tool calls
or with calls written as text in a given format.

Also runnable for trying the CLI by hand: ``python -m tests.fake_chat_server`` prints its URL.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable


@dataclass
class Reply:
    status: int = 200
    body: Any = None          # JSON-encoded unless it is a str (then sent as is)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0        # seconds to wait before answering


_ids = itertools.count()


def completion(message: dict[str, Any], model: str = "fake-model", prompt_tokens: int = 100,
               completion_tokens: int = 10, with_usage: bool = True) -> Reply:
    body: dict[str, Any] = {
        "id": f"chatcmpl-{next(_ids)}", "object": "chat.completion", "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "finish_reason": "tool_calls" if message.get("tool_calls") else "stop",
                     "message": {"role": "assistant", "content": None, **message}}],
    }
    if with_usage:
        body["usage"] = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                         "total_tokens": prompt_tokens + completion_tokens}
    return Reply(200, body)


def calls_message(*calls: tuple[str, dict[str, Any]], prefix: str = "call") -> dict[str, Any]:
    return {"content": None, "tool_calls": [
        {"id": f"{prefix}_{next(_ids)}", "type": "function",
         "function": {"name": name, "arguments": json.dumps(args)}} for name, args in calls]}


def error(status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, {"error": {"message": message, "type": "invalid_request_error", "code": code}},
                 headers or {})


class FakeChatServer:
    """``with FakeChatServer(responder) as server: server.url`` -> ``http://127.0.0.1:<port>/v1``."""

    def __init__(self, responder: Callable[[dict[str, Any], FakeChatServer], Reply], api_key: str | None = None,
                 models: set[str] | None = None) -> None:
        self.responder = responder
        self.api_key = api_key
        self.models = models
        self.requests: list[dict[str, Any]] = []  # {"t": arrival, "body": request, "status": answered}
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                arrived = time.monotonic()
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.loads(raw or b"{}")
                reply = outer._answer(self.path, self.headers.get("Authorization", ""), body)
                with outer.lock:
                    outer.requests.append({"t": arrived, "body": body, "status": reply.status})
                if reply.delay:
                    time.sleep(reply.delay)
                data = (reply.body if isinstance(reply.body, str) else json.dumps(reply.body)).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="fake-chat-server", daemon=True)

    def _answer(self, path: str, auth: str, body: dict[str, Any]) -> Reply:
        if path.rstrip("/") != "/v1/chat/completions":
            return error(404, f"no route {path}")
        if self.api_key is not None and auth != f"Bearer {self.api_key}":
            return error(401, "Incorrect API key provided", "invalid_api_key")
        if self.models is not None and body.get("model") not in self.models:
            return error(404, f"The model `{body.get('model')}` does not exist", "model_not_found")
        return self.responder(body, self)

    def start(self) -> FakeChatServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> FakeChatServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def times(self, status: int | None = None) -> list[float]:
        with self.lock:
            return [r["t"] for r in self.requests if status is None or r["status"] == status]


_SEARCH_HIT = re.compile(r"^(\S+\.py) \(score", re.MULTILINE)


class ExplorerModel:
    """Plays a model on file localization: turn 1 calls ``search_code`` (the report) and ``list_dir``
    in one turn; turn 2 submits the top search hit. ``text_format`` writes the calls as text
    (``hermes`` or ``json``) instead of native ``tool_calls``; ``usage`` is reported per answer."""

    def __init__(self, text_format: str | None = None, prompt_tokens: int = 100, completion_tokens: int = 10,
                 delay: float = 0.0) -> None:
        self.text_format = text_format
        self.prompt_tokens, self.completion_tokens, self.delay = prompt_tokens, completion_tokens, delay

    def calls(self, messages: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
        report = next(m["content"] for m in messages if m["role"] == "user")
        if not any(m["role"] == "assistant" for m in messages):
            return [("search_code", {"query": report, "max_results": 5}), ("list_dir", {"path": ".", "depth": 2})]
        seen = "\n".join(m.get("content") or "" for m in messages if m["role"] in ("tool", "user"))
        hits = _SEARCH_HIT.findall(seen)
        return [("submit", {"files": hits[:1]})]

    def __call__(self, body: dict[str, Any], server: FakeChatServer) -> Reply:
        calls = self.calls(body["messages"])
        if self.text_format == "hermes":
            message = {"content": "Let me look.\n" + "\n".join(
                "<tool_call>\n" + json.dumps({"name": n, "arguments": a}) + "\n</tool_call>" for n, a in calls)}
        elif self.text_format == "json":
            message = {"content": json.dumps([{"name": n, "arguments": a} for n, a in calls])}
        else:
            message = calls_message(*calls)
        reply = completion(message, body.get("model", "fake"), self.prompt_tokens, self.completion_tokens)
        reply.delay = self.delay
        return reply


if __name__ == "__main__":
    with FakeChatServer(ExplorerModel()) as srv:
        print(f"fake chat endpoint at {srv.url} (model: any); Ctrl-C to stop", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
