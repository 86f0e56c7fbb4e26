"""Policies: what chooses the next assistant message.

Contract: ``Policy.act(conversation, tools, rng) -> assistant message`` where ``conversation`` is the
observation (OpenAI chat messages), ``tools`` the OpenAI tool schemas from ``info["tools"]`` and
``rng`` a ``numpy.random.Generator`` owned by the episode. The result is an assistant message dict
(``{"role": "assistant", "content": ..., "tool_calls": [...]}``) or a string. ``aact`` is the same
as a coroutine, for I/O-bound backends that run many episodes concurrently; the default runs ``act``
in a thread. ``bind(task_id, sample)`` gives the object that plays one episode (see its docstring).

Policies see only messages and tool schemas, never the environment, sandbox or graders, so a policy
that works here works against any OpenAI-compatible tool loop.

Policies are named by spec strings (``make_policy``): ``scripted:sequential``, ``scripted:parallel``,
``random``, ``openai:<model>``, ``replay:<run dir>``, ``hf:<path>``, ``oracle:gold`` (submits each
task's gold; needs ``tasks=``, see ``rftgym.policies.oracle``).

Errors: an exception from ``act`` fails its episode only (the runner records it on the trajectory),
except ``PolicyFatalError``, raised for what every episode would hit alike (a rejected key, an
unknown model): runners stop the run on it and show its message.
"""

from __future__ import annotations

import abc
import asyncio
import inspect
from typing import Any

import numpy as np

Message = dict[str, Any]


class PolicyFatalError(RuntimeError):
    """A policy cannot go on for any episode (a rejected API key, an unknown model, an unreachable
    endpoint, a replay that lacks the episode). Runners let it end the run with its message instead
    of recording it on every episode; the message says what to fix."""


class Policy(abc.ABC):
    spec: str = "policy"

    @abc.abstractmethod
    def act(self, conversation: list[Message], tools: list[dict[str, Any]], rng: np.random.Generator) -> Message | str:
        """The next assistant message for ``conversation``. See the module docstring."""

    async def aact(self, conversation: list[Message], tools: list[dict[str, Any]], rng: np.random.Generator) -> Message | str:
        return await asyncio.to_thread(self.act, conversation, tools, rng)

    def bind(self, task_id: str, sample: int) -> Policy:
        """The policy for one episode. Stateless policies return ``self``; a policy with per-episode
        state (token counts, a replayed action list) returns a new object that shares the parent's
        clients and rate limiters. One policy object serves every concurrent episode of a run."""
        return self

    def usage(self) -> dict[str, int]:
        """Tokens used by this (bound) episode policy; empty for policies that use none."""
        return {}

    def rate_limits(self) -> tuple[float | None, float | None]:
        """``(rpm, tpm)`` this policy keeps to; ``(None, None)`` for a policy without limits."""
        return None, None

    def use_rate_limiter(self, limiter: Any) -> None:
        """Keep to ``limiter`` (shared with other processes of the run) instead of a limiter of its own.
        Called before the first episode; policies without limits ignore it."""

    def close(self) -> None:
        """Release clients or models."""


def _construct(cls: type[Policy], kind: str, *args: Any, **options: Any) -> Policy:
    """``cls(*args, **options)``, refusing options the backend does not take with a message."""
    params = inspect.signature(cls.__init__).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        unknown = sorted(set(options) - set(params))
        if unknown:
            takes = ", ".join(list(params)[1 + len(args):]) or "none"
            raise ValueError(f"{kind} policies do not take {', '.join(unknown)}; "
                             f"the options they take: {takes}")
    return cls(*args, **options)


def make_policy(spec: str | Policy, **options: Any) -> Policy:
    """A policy from its spec string; see the module docstring for the forms. ``options`` go to the
    backend's constructor (``base_url``, ``tool_format``, ``temperature``, ``rpm`` ...); one that the
    backend does not take is a ``ValueError`` that names what it does take."""
    if isinstance(spec, Policy):
        return spec
    kind, _, arg = spec.partition(":")
    if kind == "scripted":
        from rftgym.policies.scripted import ScriptedPolicy

        return _construct(ScriptedPolicy, kind, batching=arg or "parallel", **options)
    if kind == "random":
        from rftgym.policies.random import RandomPolicy

        return _construct(RandomPolicy, kind, **options)
    if kind == "openai" and arg:
        from rftgym.policies.openai import OpenAIPolicy

        return _construct(OpenAIPolicy, kind, arg, **options)
    if kind == "hf" and arg:
        try:
            from rftgym.policies.hf import HFPolicy
        except ImportError as exc:
            raise ValueError(f"hf: policies need transformers and torch ({exc.msg}); install them with "
                             "pip install 'rftgym[hf]' torch==2.13.0") from None
        return _construct(HFPolicy, kind, arg, **options)
    if kind == "replay" and arg:
        from rftgym.policies.replay import ReplayPolicy

        return _construct(ReplayPolicy, kind, arg, **options)
    if kind == "oracle" and arg == "gold":
        from rftgym.policies.oracle import GoldOracle

        return _construct(GoldOracle, kind, **options)
    if kind == "oracle" and arg == "null":
        from rftgym.policies.oracle import NullOracle

        return NullOracle()
    known = ("scripted:sequential, scripted:parallel, random, openai:<model>, hf:<model path>, "
             "replay:<run folder>, oracle:gold, oracle:null")
    raise ValueError(f"unknown policy spec {spec!r}; use one of: {known}")
