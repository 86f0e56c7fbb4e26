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
``random``, ``openai:<model>``, ``replay:<run dir>``, ``hf:<path>``.
"""

from __future__ import annotations

import abc
import asyncio
from typing import Any

import numpy as np

Message = dict[str, Any]


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

    def close(self) -> None:
        """Release clients or models."""


def make_policy(spec: str | Policy, **options: Any) -> Policy:
    """A policy from its spec string; see the module docstring for the forms."""
    if isinstance(spec, Policy):
        return spec
    kind, _, arg = spec.partition(":")
    if kind == "scripted":
        from rftgym.policies.scripted import ScriptedPolicy

        return ScriptedPolicy(batching=arg or "parallel")
    if kind == "random":
        from rftgym.policies.random import RandomPolicy

        return RandomPolicy(**options)
    known = "scripted:sequential, scripted:parallel, random"
    raise ValueError(f"unknown policy spec {spec!r}; use one of: {known}")
