"""``openai:<model>``: a policy behind any OpenAI-compatible chat-completions endpoint.

OpenAI itself, or a vLLM, SGLang, Ollama or llama.cpp server: only the base URL differs. Built on
the official SDK's ``AsyncOpenAI`` client.

- **Endpoint.** ``base_url`` / ``api_key`` arguments, else ``OPENAI_BASE_URL`` / ``OPENAI_API_KEY``.
  A local endpoint (any base URL) needs no real key; OpenAI's own does.
- **Tool calls.** ``tool_format="native"`` sends the tool schemas as ``tools`` and reads the
  message's ``tool_calls``, with ``parallel_tool_calls`` and ``tool_choice`` passed through when set.
  ``"hermes"`` or ``"json"`` are for models served without tool calling: the schemas go into the
  system prompt and the calls are parsed out of the text (``rftgym.policies.formats``).
- **Sampling.** ``temperature``, ``top_p``, ``max_tokens``, ``seed`` when set (``None`` leaves the
  endpoint's default). ``seed="episode"`` sends a seed drawn from the episode's generator, so a
  run is repeatable on endpoints that honour seeds while the samples of a task still differ.
- **Retries.** 429, 408, 409, 5xx, timeouts, dropped connections and unreadable responses are
  retried ``max_retries`` times with exponential backoff from ``backoff`` seconds (capped at
  ``max_backoff``, with jitter), or after exactly the ``Retry-After`` the endpoint asked for; a 429's
  ``Retry-After`` holds every episode of the run, not only the one that was told.
- **Rate limits.** ``rpm`` / ``tpm``: one ``RateLimiter`` for all the episodes this object serves.
- **Hard errors.** 401, 403, 404, an exhausted quota, or an endpoint still unreachable after the
  retries raise ``PolicyFatalError``: the run stops with a message that says what to fix. Every
  later call of any episode of this policy raises it too, so concurrent episodes stop at once.
  Other 4xx (a conversation over the context length, say) fail only their episode.
- **Usage.** ``bind(task_id, sample)`` returns the episode's view (shared client and limiter, its
  own counters); its ``usage()`` is that episode's ``prompt_tokens`` and ``completion_tokens``.

Concurrency: the thread runner calls ``act`` from several worker threads; an async runner awaits
``aact`` from its event loop(s). Both hand the request to one private event loop in a background
thread, owned by the policy object, where one ``AsyncOpenAI`` client does all the HTTP: one
connection pool for the whole run, whatever the mix of threads and loops (the SDK's connections
belong to the loop that opened them, so a client cannot be shared across loops), and the caller's
thread or loop is free while it waits. Cancelling an ``aact`` cancels its request.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import copy
import email.utils
import json
import os
import random
import threading
import time
from typing import Any

import numpy as np

from rftgym.policies import Message, Policy, PolicyFatalError
from rftgym.policies.formats import assistant_message, get_format, render_text_conversation
from rftgym.policies.ratelimit import RateLimiter

_RETRY_STATUS = {408, 409, 429}


class _Garbled(Exception):
    """The endpoint answered 200 with something that is not a usable chat completion."""


class _Shared:
    """What every episode view of one policy shares: client, limiter, event loop, the fatal error."""

    def __init__(self, rpm: float | None, tpm: float | None) -> None:
        self.limiter = RateLimiter(rpm, tpm)
        self.client: Any = None  # made on the private loop, used only there
        self.lock = threading.Lock()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread: threading.Thread | None = None
        self.fatal: PolicyFatalError | None = None
        self.jitter = random.Random(0)  # backoff jitter only; never touches global random state

    def submit(self, coro) -> concurrent.futures.Future:
        """Schedule ``coro`` on the private loop (started on first use)."""
        with self.lock:
            if self.loop is None:
                self.loop = asyncio.new_event_loop()
                self.thread = threading.Thread(target=self.loop.run_forever, name="rftgym-openai-loop", daemon=True)
                self.thread.start()
            return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def close(self) -> None:
        with self.lock:
            loop, thread, client = self.loop, self.thread, self.client
            self.loop = self.thread = self.client = None
        if loop is None:
            return
        if client is not None:
            asyncio.run_coroutine_threadsafe(client.close(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


class OpenAIPolicy(Policy):
    """See the module docstring. ``model`` is the endpoint's model name."""

    def __init__(self, model: str, *, base_url: str | None = None, api_key: str | None = None,
                 tool_format: str = "native", temperature: float | None = None, top_p: float | None = None,
                 seed: int | str | None = None, max_tokens: int | None = None,
                 parallel_tool_calls: bool | None = None, tool_choice: str | dict | None = None,
                 rpm: float | None = None, tpm: float | None = None, timeout: float = 120.0,
                 max_retries: int = 6, backoff: float = 1.0, max_backoff: float = 60.0,
                 extra_body: dict[str, Any] | None = None) -> None:
        if not model:
            raise ValueError("openai: needs a model name, e.g. openai:gpt-4.1-mini")
        if seed is not None and seed != "episode" and not isinstance(seed, int):
            try:
                seed = int(seed)
            except (TypeError, ValueError):
                raise ValueError(f"seed must be an integer or 'episode', got {seed!r}") from None
        self.model = model
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
        self.api_key = api_key or os.environ.get("OPENAI_API_KEY") or None
        if self.api_key is None:
            if self.base_url is None:
                raise ValueError(f"openai:{model} needs an API key: set OPENAI_API_KEY or pass --api-key "
                                 "(a local endpoint given with --base-url needs none)")
            self.api_key = "no-key"  # local servers ignore it, but the SDK insists on one
        self.format = None if tool_format == "native" else get_format(tool_format)
        self.tool_format = tool_format
        self.sampling = {"temperature": temperature, "top_p": top_p}
        self.seed = seed
        self.max_tokens = max_tokens
        self.parallel_tool_calls, self.tool_choice = parallel_tool_calls, tool_choice
        self.timeout, self.max_retries = timeout, max_retries
        self.backoff, self.max_backoff = backoff, max_backoff
        self.extra_body = extra_body
        self.spec = f"openai:{model}"
        self._shared = _Shared(rpm, tpm)
        self._usage = {"prompt_tokens": 0, "completion_tokens": 0}

    # -- the Policy contract ---------------------------------------------------------------------
    def bind(self, task_id: str, sample: int) -> OpenAIPolicy:
        view = copy.copy(self)
        view._usage = {"prompt_tokens": 0, "completion_tokens": 0}
        return view

    def usage(self) -> dict[str, int]:
        return dict(self._usage)

    def rate_limits(self) -> tuple[float | None, float | None]:
        return self._shared.limiter.rpm, self._shared.limiter.tpm

    def use_rate_limiter(self, limiter: Any) -> None:
        self._shared.limiter = limiter  # every bound view shares ``_shared``

    def act(self, conversation: list[Message], tools: list[dict[str, Any]], rng: np.random.Generator) -> Message:
        if self._shared.fatal:
            raise self._shared.fatal
        return self._shared.submit(self._turn(conversation, tools, rng)).result()

    async def aact(self, conversation: list[Message], tools: list[dict[str, Any]], rng: np.random.Generator) -> Message:
        if self._shared.fatal:
            raise self._shared.fatal
        return await asyncio.wrap_future(self._shared.submit(self._turn(conversation, tools, rng)))

    def close(self) -> None:
        self._shared.close()

    async def _turn(self, conversation: list[Message], tools: list[dict[str, Any]],
                    rng: np.random.Generator) -> Message:
        request = self.request(conversation, tools, rng)
        response = await self._complete(request)
        return self.message(response, conversation)

    # -- requests and responses ------------------------------------------------------------------
    def request(self, conversation: list[Message], tools: list[dict[str, Any]], rng: np.random.Generator) -> dict:
        """The keyword arguments of ``chat.completions.create`` for this turn."""
        req: dict[str, Any] = {"model": self.model}
        if self.format is None:
            req["messages"] = [_native(m) for m in conversation]
            if tools:
                req["tools"] = tools
                if self.parallel_tool_calls is not None:
                    req["parallel_tool_calls"] = self.parallel_tool_calls
                if self.tool_choice is not None:
                    req["tool_choice"] = self.tool_choice
        else:
            req["messages"] = render_text_conversation(conversation, tools, self.format)
        req.update({k: v for k, v in self.sampling.items() if v is not None})
        if self.max_tokens is not None:
            # OpenAI's own API wants max_completion_tokens (reasoning models refuse max_tokens);
            # the compatible servers all read max_tokens
            req["max_completion_tokens" if self.base_url is None else "max_tokens"] = self.max_tokens
        if self.seed is not None:
            req["seed"] = int(rng.integers(1 << 31)) if self.seed == "episode" else self.seed
        if self.extra_body:
            req["extra_body"] = self.extra_body
        return req

    def message(self, response: Any, conversation: list[Message]) -> Message:
        """The assistant message of a chat completion; records its token usage on this episode."""
        if response.usage is not None:
            self._usage["prompt_tokens"] += int(response.usage.prompt_tokens or 0)
            self._usage["completion_tokens"] += int(response.usage.completion_tokens or 0)
        msg = response.choices[0].message
        if self.format is not None:
            return assistant_message(msg.content or "", self.format, conversation)
        turn = sum(1 for m in conversation if m.get("role") == "assistant")
        calls = [{"id": c.id or f"call_{turn}_{k}", "type": "function",  # some servers send no ids
                  "function": {"name": c.function.name, "arguments": c.function.arguments or "{}"}}
                 for k, c in enumerate(msg.tool_calls or []) if getattr(c, "function", None) is not None]
        out: Message = {"role": "assistant", "content": msg.content}
        if calls:
            out["tool_calls"] = calls
        return out

    def _client(self):
        """The run's client; called on the private loop only, so no lock is needed."""
        from openai import AsyncOpenAI

        if self._shared.client is None:
            # max_retries=0: our own retries wait in the shared limiter and honour Retry-After for everyone
            self._shared.client = AsyncOpenAI(api_key=self.api_key, base_url=self.base_url, timeout=self.timeout,
                                              max_retries=0)
        return self._shared.client

    async def _complete(self, request: dict[str, Any]) -> Any:
        import openai
        import pydantic

        shared, where = self._shared, self.base_url or "https://api.openai.com/v1"
        booked = (len(json.dumps(request.get("messages"))) + len(json.dumps(request.get("tools") or []))) // 4 \
            + (self.max_tokens or 0)
        client = self._client()  # made before the limiter's slot, so the slot is spent on sending
        for attempt in range(self.max_retries + 1):
            if shared.fatal:
                raise shared.fatal
            await shared.limiter.aacquire(booked)
            wait: float | None = None
            try:
                response = await client.chat.completions.create(**request)
                _check(response)
                shared.limiter.settle(booked, int(getattr(response.usage, "total_tokens", 0) or booked))
                return response
            except openai.APIStatusError as exc:
                fatal = _fatal_status(exc, self.model, where)
                if fatal:
                    shared.fatal = PolicyFatalError(fatal)
                    raise shared.fatal from None
                if exc.status_code not in _RETRY_STATUS and exc.status_code < 500:
                    hint = "; if it serves no tool calling, use --tool-format hermes" \
                        if self.format is None and "tool" in _said(exc).lower() else ""
                    raise RuntimeError(f"{where} refused the request ({exc.status_code}: {_said(exc)}){hint}") from None
                wait, last = _retry_after(exc.response.headers), exc
                if exc.status_code == 429 and wait is not None:
                    shared.limiter.defer(wait)
            except openai.APITimeoutError as exc:
                last = exc
            except openai.APIConnectionError as exc:
                last = exc
                if attempt == self.max_retries:
                    shared.fatal = PolicyFatalError(
                        f"could not connect to {where} after {attempt + 1} attempts ({exc.__cause__ or exc}); start "
                        "the server or fix --base-url. Finished episodes are kept: continue with --resume")
                    raise shared.fatal from None
            except (_Garbled, openai.APIResponseValidationError, json.JSONDecodeError, pydantic.ValidationError) as exc:
                last = exc  # a garbled answer: ask again
            if attempt < self.max_retries:
                if wait is None:
                    wait = min(self.max_backoff, self.backoff * 2 ** attempt) * (0.5 + 0.5 * shared.jitter.random())
                await asyncio.sleep(min(wait, 600.0))
        raise RuntimeError(f"{where} failed {self.max_retries + 1} times for model {self.model!r}; last error: "
                           f"{type(last).__name__}: {last}")


def _check(response: Any) -> None:
    """Raise ``_Garbled`` unless ``response`` holds a first choice with a message (the SDK does not
    validate responses, so a broken server's JSON would fail later, far from its cause)."""
    try:
        msg = response.choices[0].message
        ok = isinstance(msg.content, (str, type(None))) and isinstance(msg.tool_calls or [], list)
    except (AttributeError, IndexError, KeyError, TypeError):
        ok = False
    if not ok:
        raise _Garbled(f"not a chat completion: {str(response)[:200]}")


def _native(m: Message) -> Message:
    """A conversation message as chat completions accept it."""
    out = {k: m[k] for k in ("role", "content", "tool_calls", "tool_call_id", "name") if k in m}
    if out.get("role") == "assistant" and out.get("content") is None and not out.get("tool_calls"):
        out["content"] = ""  # an empty turn; OpenAI refuses a null content without tool calls
    return out


def _fatal_status(exc: Any, model: str, where: str) -> str | None:
    """The message to stop the run with, for errors that every episode would hit alike."""
    detail = f"{exc.status_code}: {_said(exc)}"
    if exc.status_code == 401:
        return f"{where} refused the API key ({detail}); set OPENAI_API_KEY or pass --api-key"
    if exc.status_code == 403:
        return f"{where} denied access to model {model!r} ({detail}); check the key's permissions"
    if exc.status_code == 404:
        return (f"model {model!r} or its chat completions route was not found at {where} ({detail}); check the "
                "name after 'openai:' and --base-url (it usually ends in /v1)")
    if exc.status_code == 429 and getattr(exc, "code", None) == "insufficient_quota":
        return f"{where}: the account's quota is used up ({detail}); add credit or use another key"
    return None


def _said(exc: Any) -> str:
    """The endpoint's own error message (``{"error": {"message": ...}}`` or ``{"message": ...}``)."""
    body = exc.body if isinstance(exc.body, dict) else {}
    inner = body.get("error") if isinstance(body.get("error"), dict) else body
    return str(inner.get("message") or exc.message)


def _retry_after(headers: Any) -> float | None:
    """Seconds the endpoint asked us to wait (``retry-after-ms``, or ``retry-after`` in seconds or
    as an HTTP date), or ``None``."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name) if headers is not None else None
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            pass
        try:
            return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None
    return None
