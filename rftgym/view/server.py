"""The viewer's HTTP server: stdlib ``ThreadingHTTPServer`` serving one static page and a JSON API.

Routes (``R`` is the run's position: 0 for RUN, 1 for ``--vs``):

- ``GET /`` the front end (``rftgym/view/static/index.html``, no build step, no CDN);
- ``GET /api/runs`` each run's header (``RunIndex.info``), refreshed, plus its error codes;
- ``GET /api/runs/R/episodes?offset=&limit=&sort=&desc=&min_reward=&max_reward=&error_code=&task=
  &truncated=&exploit=&text=`` one page of list rows (``RunIndex.query``);
- ``GET /api/runs/R/groups`` per-task groups of samples with their reward spread;
- ``GET /api/runs/R/episodes/I[?gold=1]`` the full episode I; its task's gold data only with ``gold=1``;
- ``GET /api/runs/R/find?task=&sample=`` ``{"index": I or null}``: the same task and sample in run R;
- ``GET /api/runs/R/metrics`` the rows of ``metrics.jsonl`` (training curves);
- ``GET /runs/R/report.html`` the run's ``rftgym report`` output when present.

Bad requests answer 400/404 with ``{"error": message}``; the server never dies on a request.
It binds 127.0.0.1 unless told otherwise: trajectories hold code and prompts.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from rftgym.view.index import RunIndex

STATIC = Path(__file__).resolve().parent / "static"


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _bool(v: str | None) -> bool | None:
    if v in (None, "", "any"):
        return None
    if v.lower() in ("1", "true", "yes"):
        return True
    if v.lower() in ("0", "false", "no"):
        return False
    raise ApiError(400, f"expected true or false, not {v!r}")


def _num(v: str | None, kind=float) -> Any:
    if v in (None, ""):
        return None
    try:
        return kind(v)
    except ValueError:
        raise ApiError(400, f"expected a number, not {v!r}") from None


class ViewServer(ThreadingHTTPServer):
    """Serves ``runs`` (RunIndex objects); ``url`` is where a browser should go."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, runs: list[RunIndex], host: str = "127.0.0.1", port: int = 8765) -> None:
        self.runs = runs
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> threading.Thread:
        """Serve in a daemon thread (tests, benchmarks); stop with ``shutdown()`` + ``server_close()``."""
        t = threading.Thread(target=self.serve_forever, name="rftgym-view", daemon=True)
        t.start()
        return t


def make_server(run: str | Path, vs: str | Path | None = None, host: str = "127.0.0.1",
                port: int = 8765) -> ViewServer:
    """Index the run folder(s) and bind. RunFolderError for a bad folder, OSError when the port is taken."""
    runs = [RunIndex(run)] + ([RunIndex(vs)] if vs is not None else [])
    return ViewServer(runs, host, port)


class _Handler(BaseHTTPRequestHandler):
    server: ViewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: a browser polls every few seconds
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        url = urlparse(self.path)
        q = {k: v[-1] for k, v in parse_qs(url.query).items()}
        parts = [p for p in url.path.split("/") if p]
        try:
            if not parts or parts == ["index.html"]:
                return self._file(STATIC / "index.html", "text/html; charset=utf-8")
            if parts[0] == "runs" and len(parts) == 3 and parts[2] == "report.html":
                run = self._run(parts[1])
                if not (run.dir / "report.html").is_file():
                    raise ApiError(404, f"{run.dir} has no report.html; write one with `rftgym report {run.dir}`")
                return self._file(run.dir / "report.html", "text/html; charset=utf-8")
            if parts[0] != "api":
                raise ApiError(404, f"no page {url.path}")
            self._json(self._api(parts[1:], q))
        except ApiError as exc:
            self._json({"error": str(exc)}, exc.status)
        except Exception as exc:  # a bug must not take the viewer down; say what happened
            self._json({"error": f"{type(exc).__name__}: {exc}"}, 500)

    def _run(self, key: str) -> RunIndex:
        try:
            return self.server.runs[int(key)]
        except (ValueError, IndexError):
            raise ApiError(404, f"no run {key!r}; runs are 0..{len(self.server.runs) - 1}") from None

    def _api(self, parts: list[str], q: dict[str, str]) -> Any:
        if parts == ["runs"]:
            out = []
            for r in self.server.runs:
                r.refresh()
                out.append({**r.info(), "error_codes": r.error_codes()})
            return out
        if len(parts) < 3 or parts[0] != "runs":
            raise ApiError(404, "no such API route")
        run, what = self._run(parts[1]), parts[2]
        if what == "episodes" and len(parts) == 3:
            run.refresh()
            try:
                return run.query(offset=_num(q.get("offset"), int) or 0, limit=_num(q.get("limit"), int) or 50,
                                 sort=q.get("sort") or "index", desc=bool(_bool(q.get("desc"))),
                                 min_reward=_num(q.get("min_reward")), max_reward=_num(q.get("max_reward")),
                                 error_code=q.get("error_code") or None, task=q.get("task") or None,
                                 truncated=_bool(q.get("truncated")), exploit=_bool(q.get("exploit")),
                                 text=q.get("text") or None)
            except ValueError as exc:
                raise ApiError(400, str(exc)) from None
        if what == "episodes" and len(parts) == 4:
            try:
                ep = run.episode(int(parts[3]))
            except (ValueError, IndexError) as exc:
                raise ApiError(404, str(exc)) from None
            if _bool(q.get("gold")):
                ep["gold"] = run.gold(ep.get("task_id", ""))
            return ep
        if what == "groups":
            run.refresh()
            return run.groups()
        if what == "find":
            return {"index": run.find(q.get("task", ""), _num(q.get("sample"), int) or 0)}
        if what == "metrics":
            return run.metrics()
        raise ApiError(404, "no such API route")

    def _json(self, data: Any, status: int = 200) -> None:
        body = json.dumps(data, default=str).encode()
        self._send(body, "application/json", status)

    def _file(self, path: Path, ctype: str) -> None:
        self._send(path.read_bytes(), ctype, 200)

    def _send(self, body: bytes, ctype: str, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)
