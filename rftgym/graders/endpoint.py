"""``endpoint``: POST the episode to a grading service and take the ``score`` it returns.

rftgym's shape for agent RFT's grader endpoints::

    {"type": "endpoint", "name": "tests", "url": "https://grader.example/grade",
     "headers": {"Authorization": "Bearer ..."}, "timeout": 30, "max_retries": 3, "rate_limit": 600,
     "pass_threshold": 1.0}

The request body is ``{"sample": ..., "item": ..., "trace_id": ...}`` (``trace_id`` names the
episode: task id, sample index and seed); the reply must be JSON with a numeric ``score``.
Connection errors, timeouts, 429 and 5xx replies are retried ``max_retries`` times (default 2) with
exponential backoff; other 4xx replies and malformed bodies fail at once. ``rate_limit`` caps the
requests per minute to one URL across every grader of the process. Header values may name an
environment variable as ``${VAR}`` so that secrets stay out of the file.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from rftgym.graders.openai_format import GradeContext, GraderConfigError, GraderRuntimeError, SampleGrader, number
from rftgym.types import Grade

_ENV_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _RateLimiter:
    """At most ``per_minute`` starts per URL, spaced evenly; shared by every grader of the process."""

    _next: dict[str, float] = {}
    _lock = threading.Lock()

    @classmethod
    def wait(cls, url: str, per_minute: float) -> None:
        gap = 60.0 / per_minute
        with cls._lock:
            now = time.monotonic()
            start = max(now, cls._next.get(url, now))
            cls._next[url] = start + gap
        if start > now:
            time.sleep(start - now)


def trace_id(ctx: GradeContext) -> str:
    traj = ctx.trajectory
    if traj is None:
        return "sample"
    return f"{traj.task_id}#{traj.sample}-{traj.seed}"


class EndpointGrader(SampleGrader):
    type = "endpoint"
    replays_exactly = False  # a remote service's answer
    required = ("url",)
    optional = ("headers", "timeout", "max_retries", "rate_limit")

    def __init__(self, config: dict[str, Any], where: str, options) -> None:
        super().__init__(config, where, options)
        if not isinstance(config["url"], str) or not re.match(r"^https?://", config["url"]):
            raise GraderConfigError(f"{where}.url must be an http(s) URL, got {config['url']!r}")
        headers = config.get("headers") or {}
        if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            raise GraderConfigError(f"{where}.headers must map header names to strings")
        self.timeout = number(config, "timeout", where, required=False) or 30.0
        retries = config.get("max_retries", 2)
        if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
            raise GraderConfigError(f"{where}.max_retries must be a non-negative integer")
        self.retries = retries
        self.rate_limit = number(config, "rate_limit", where, required=False)
        if self.rate_limit is not None and self.rate_limit <= 0:
            raise GraderConfigError(f"{where}.rate_limit is requests per minute and must be positive")

    def _headers(self) -> dict[str, str]:
        out = {"Content-Type": "application/json", "Accept": "application/json"}
        for k, v in (self.config.get("headers") or {}).items():
            out[k] = _ENV_VAR.sub(lambda m: os.environ.get(m.group(1), ""), v)
        return out

    def score(self, sample: dict[str, Any], item: dict[str, Any], ctx: GradeContext) -> Grade:
        body = json.dumps({"sample": sample, "item": item, "trace_id": trace_id(ctx)}).encode()
        last = "no attempt"
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(min(0.2 * 2 ** (attempt - 1), 5.0))
            if self.rate_limit:
                _RateLimiter.wait(self.config["url"], self.rate_limit)
            request = urllib.request.Request(self.config["url"], data=body, headers=self._headers(), method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as resp:
                    raw = resp.read(1 << 20)
            except urllib.error.HTTPError as exc:
                last = f"HTTP {exc.code} {exc.reason}"
                if exc.code == 429 or exc.code >= 500:
                    continue
                raise GraderRuntimeError(f"the endpoint answered {last}") from None
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                last = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
                continue
            try:
                reply = json.loads(raw)
            except json.JSONDecodeError:
                raise GraderRuntimeError(f"the endpoint's reply is not JSON: {raw[:200]!r}") from None
            value = reply.get("score") if isinstance(reply, dict) else None
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise GraderRuntimeError(f"the endpoint's reply has no numeric \"score\": {str(reply)[:200]}")
            components = {k: float(v) for k, v in (reply.get("components") or {}).items()
                          if isinstance(v, (int, float)) and not isinstance(v, bool)} \
                if isinstance(reply.get("components"), dict) else {}
            return Grade(float(value), components)
        raise GraderRuntimeError(f"the endpoint failed {self.retries + 1} time(s); last: {last}")
