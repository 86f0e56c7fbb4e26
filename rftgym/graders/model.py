"""``score_model``: a judge model, behind any OpenAI-compatible chat endpoint, scores the sample.

``input`` is a list of messages (``role`` in system, developer, user, assistant; ``content`` a
template string or a list of ``input_text`` / ``output_text`` parts) rendered with the sample and
item. ``developer`` messages are sent as ``system`` so that any compatible server accepts them.
``sampling_params`` (``temperature``, ``top_p``, ``seed``, ``max_completions_tokens``,
``reasoning_effort``) are passed on. ``range`` (default ``[0, 1]``) bounds the score.

The endpoint: ``LoadOptions.judge_base_url`` / ``judge_api_key``, else ``RFTGYM_JUDGE_BASE_URL`` /
``RFTGYM_JUDGE_API_KEY``, else the OpenAI SDK's own ``OPENAI_BASE_URL`` / ``OPENAI_API_KEY``.

The reply must be a number: a bare number, a JSON object with ``result`` or ``score``, or a last
line ``score: <number>``. Anything else (prose, a refusal, several numbers) and any number outside
``range`` score 0 with the reply kept in the error: a judge that can be talked into a free-form
answer must not turn it into reward.
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
from typing import Any

from rftgym.graders.openai_format import (GradeContext, GraderConfigError, GraderRuntimeError, SampleGrader,
                                          check_template, render)
from rftgym.types import Grade

_ROLES = ("system", "developer", "user", "assistant")
_SAMPLING = ("temperature", "top_p", "seed", "max_completions_tokens", "reasoning_effort")
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_BARE = re.compile(rf"^\s*{_NUMBER}\s*$")
_LAST_LINE = re.compile(rf"^\s*(?:final\s+)?(?:score|result|grade)\s*[:=]\s*({_NUMBER})\s*$", re.I)
_clients: dict[tuple[str | None, str | None], Any] = {}
_clients_lock = threading.Lock()


def parse_score(reply: str) -> float:
    """The judge's number (see the module docstring); ``GraderRuntimeError`` when there is none."""
    text = (reply or "").strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    if _BARE.match(text):
        return float(text)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError:
        obj = None
    if isinstance(obj, dict):
        for key in ("result", "score"):
            value = obj.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return float(value)
    lines = [line for line in text.splitlines() if line.strip()]
    if lines:
        m = _LAST_LINE.match(lines[-1])
        if m:
            return float(m.group(1))
    raise GraderRuntimeError(f"the judge's reply is not a score: {text[:200]!r}")


def _client(base_url: str | None, api_key: str | None):
    try:
        from openai import OpenAI
    except ImportError:
        raise GraderRuntimeError("score_model graders need the openai package: pip install 'rftgym[openai]'") from None
    with _clients_lock:
        key = (base_url, api_key)
        if key not in _clients:
            _clients[key] = OpenAI(base_url=base_url, api_key=api_key, timeout=120.0, max_retries=2)
        return _clients[key]


class ScoreModel(SampleGrader):
    type = "score_model"
    replays_exactly = False  # a model's answer, not a function of the episode
    required = ("input", "model")
    optional = ("range", "sampling_params")

    def __init__(self, config: dict[str, Any], where: str, options) -> None:
        super().__init__(config, where, options)
        messages = config["input"]
        if not isinstance(messages, list) or not messages:
            raise GraderConfigError(f"{where}.input must be a non-empty list of messages {{role, content}}")
        for i, m in enumerate(messages):
            w = f"{where}.input[{i}]"
            if not isinstance(m, dict) or m.get("role") not in _ROLES:
                raise GraderConfigError(f"{w} must be {{\"role\": one of {', '.join(_ROLES)}, \"content\": ...}}")
            for j, text in enumerate(self._texts(m.get("content"), w)):
                check_template(text, f"{w}.content" + (f"[{j}]" if isinstance(m.get("content"), list) else ""))
        if not isinstance(config["model"], str) or not config["model"]:
            raise GraderConfigError(f"{where}.model must name the judge model")
        rng = config.get("range", [0, 1])
        if (not isinstance(rng, list) or len(rng) != 2 or not all(isinstance(x, (int, float)) for x in rng)
                or not rng[0] < rng[1]):
            raise GraderConfigError(f"{where}.range must be two increasing numbers such as [0, 1], got {rng!r}")
        self.range = (float(rng[0]), float(rng[1]))
        params = config.get("sampling_params") or {}
        if not isinstance(params, dict) or set(params) - set(_SAMPLING):
            raise GraderConfigError(f"{where}.sampling_params takes {', '.join(_SAMPLING)}")
        self.params = params

    @staticmethod
    def _texts(content: Any, where: str) -> list[str]:
        if isinstance(content, str):
            return [content]
        if isinstance(content, list):
            out = []
            for part in content:
                if isinstance(part, str):
                    out.append(part)
                elif isinstance(part, dict) and part.get("type") in ("input_text", "output_text"):
                    out.append(part.get("text", ""))
                else:
                    raise GraderConfigError(f"{where}.content parts must be strings or input_text/output_text parts")
            return out
        raise GraderConfigError(f"{where}.content must be a string or a list of text parts")

    def messages(self, sample: dict[str, Any], item: dict[str, Any]) -> list[dict[str, str]]:
        out = []
        for m in self.config["input"]:
            text = "".join(render(t, sample, item) for t in self._texts(m["content"], self.where))
            out.append({"role": "system" if m["role"] == "developer" else m["role"], "content": text})
        return out

    def score(self, sample: dict[str, Any], item: dict[str, Any], ctx: GradeContext) -> Grade:
        opts = self.options
        base_url = opts.judge_base_url or os.environ.get("RFTGYM_JUDGE_BASE_URL") or os.environ.get("OPENAI_BASE_URL")
        api_key = opts.judge_api_key or os.environ.get("RFTGYM_JUDGE_API_KEY") or os.environ.get("OPENAI_API_KEY")
        if not base_url and not api_key:
            raise GraderRuntimeError("no judge endpoint: set OPENAI_API_KEY, or RFTGYM_JUDGE_BASE_URL for an "
                                     "OpenAI-compatible server (vLLM, Ollama, llama.cpp)")
        kwargs: dict[str, Any] = {k: v for k, v in self.params.items() if k != "max_completions_tokens"}
        if "max_completions_tokens" in self.params:
            kwargs["max_completion_tokens"] = self.params["max_completions_tokens"]
        reply = _client(base_url, api_key or "none").chat.completions.create(
            model=self.config["model"], messages=self.messages(sample, item), **kwargs)
        text = reply.choices[0].message.content or "" if reply.choices else ""
        value = parse_score(text)
        lo, hi = self.range
        if not (math.isfinite(value) and lo <= value <= hi):
            raise GraderRuntimeError(f"the judge's score {value:g} is outside its range [{lo:g}, {hi:g}]")
        return Grade(value)
