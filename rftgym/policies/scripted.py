"""Scripted policies: one fixed search plan, emitted one call per turn or one stage per turn.

The plan for file localization, in three stages where each depends only on the ones before it:

1. explore: ``list_dir``, ``search_code`` on the report and on its identifiers, ``find_symbol`` and
   ``grep`` for up to two identifiers the report names;
2. read: ``read_file`` on the four best candidates so far;
3. decide: ``submit`` the best file, plus the runner-up when it scores close.

``scripted:parallel`` sends each stage's independent calls in one turn; ``scripted:sequential``
sends the same calls one per turn. Both make the same decisions from the same observations, so the
difference between their runs is exactly what parallel tool calling buys (turns, simulated latency).
The policy is stateless: it derives where it is in the plan from the conversation, so it can resume,
replay, and run many episodes at once.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from typing import Any, Iterator

import numpy as np

from rftgym.policies import Message, Policy
from rftgym.tools.search import tokenize

Call = tuple[str, dict[str, Any]]

_IDENT = re.compile(r"`([^`]+)`|\b([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+|[A-Za-z_]*[a-z][A-Z][A-Za-z0-9_]*"
                    r"|[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_]*(?=\())")
_SEARCH_LINE = re.compile(r"^(\S+) \(score ([\d.]+)\)$")
_LOCATION = re.compile(r"^([^:\s]+):(\d+):")


def identifiers(prompt: str, limit: int = 2) -> list[str]:
    """Code names in a report: `backticked`, dotted.names, camelCase, snake_case, called()."""
    found: list[str] = []
    for m in _IDENT.finditer(prompt):
        name = (m.group(1) or m.group(2) or "").strip().rstrip("()")
        name = name.split("(")[0].rsplit(".", 1)[-1] if "." in name and not name.endswith(".py") else name
        if name and name.replace("_", "").isalnum() and len(name) > 2 and name not in found:
            found.append(name)
    return found[:limit]


def _is_test(path: str) -> bool:
    base = path.rsplit("/", 1)[-1]
    return path.startswith("tests/") or "/tests/" in path or base.startswith("test_") or base == "conftest.py"


def _key(call: Call) -> str:
    return call[0] + json.dumps(call[1], sort_keys=True)


class ScriptedPolicy(Policy):
    def __init__(self, batching: str = "parallel", max_read: int = 4) -> None:
        if batching not in ("parallel", "sequential"):
            raise ValueError(f"scripted batching must be 'parallel' or 'sequential', got {batching!r}")
        self.batching = batching
        self.max_read = max_read
        self.spec = f"scripted:{batching}"

    # -- the plan --------------------------------------------------------------------------------
    def stages(self, prompt: str, results: dict[str, str], names: set[str]) -> Iterator[list[Call]]:
        idents = identifiers(prompt)
        keywords = " ".join(dict.fromkeys(tokenize(" ".join(idents) + " " + prompt)))
        explore: list[Call] = [("list_dir", {"path": ".", "depth": 2}),
                               ("search_code", {"query": prompt[:600], "max_results": 10})]
        if keywords and keywords != prompt[:600]:
            explore.append(("search_code", {"query": keywords[:300], "max_results": 10}))
        for ident in idents:
            explore.append(("find_symbol", {"name": ident}))
            explore.append(("grep", {"pattern": re.escape(ident), "glob": "*.py", "max_results": 50}))
        yield [c for c in explore if c[0] in names]
        scores = self.score(prompt, results, idents)
        yield [("read_file", {"path": p}) for p in self.ranked(scores)[: self.max_read] if "read_file" in names]

    def score(self, prompt: str, results: dict[str, str], idents: list[str]) -> dict[str, float]:
        scores: dict[str, float] = defaultdict(float)
        terms = set(tokenize(prompt))
        for key, text in results.items():
            if key.startswith("search_code"):
                rows = [m.group(1) for m in map(_SEARCH_LINE.match, text.splitlines()) if m]
                for rank, path in enumerate(rows):
                    scores[path] += 1.0 / (rank + 1)
            elif key.startswith("find_symbol"):
                for path in {m.group(1) for m in map(_LOCATION.match, text.splitlines()) if m}:
                    scores[path] += 1.5
            elif key.startswith("grep"):
                counts: dict[str, int] = defaultdict(int)
                for m in map(_LOCATION.match, text.splitlines()):
                    if m:
                        counts[m.group(1)] += 1
                for path, n in counts.items():
                    scores[path] += min(0.2 * n, 0.6)
            elif key.startswith("read_file") and terms:
                path = json.loads(key[len("read_file"):])["path"]
                scores[path] += len(terms.intersection(tokenize(text))) / len(terms)
        return {p: s * (0.3 if _is_test(p) else 1.0) for p, s in scores.items()}

    @staticmethod
    def ranked(scores: dict[str, float]) -> list[str]:
        return [p for p, _ in sorted(scores.items(), key=lambda ps: (-ps[1], ps[0]))]

    def decide(self, prompt: str, results: dict[str, str]) -> list[str]:
        scores = self.score(prompt, results, identifiers(prompt))
        ranked = self.ranked(scores)
        if not ranked:
            return []
        top = scores[ranked[0]]
        return [ranked[0]] + [p for p in ranked[1:2] if scores[p] >= 0.8 * top]

    # -- the loop --------------------------------------------------------------------------------
    def act(self, conversation: list[Message], tools: list[dict[str, Any]], rng: np.random.Generator) -> Message:
        names = {t["function"]["name"] for t in tools}
        prompt = next((m.get("content") or "" for m in conversation if m.get("role") == "user"), "")
        results = self._results(conversation)
        for stage in self.stages(prompt, results, names):
            pending = [c for c in stage if _key(c) not in results]
            if pending:
                return self._message(pending if self.batching == "parallel" else pending[:1])
        return self._message([("submit", {"files": self.decide(prompt, results)})])

    @staticmethod
    def _results(conversation: list[Message]) -> dict[str, str]:
        """Call key -> tool output, pairing each call with its reply by id."""
        calls: dict[str, str] = {}
        out: dict[str, str] = {}
        for m in conversation:
            for c in m.get("tool_calls") or []:
                try:
                    args = json.loads(c["function"]["arguments"] or "{}")
                except (json.JSONDecodeError, KeyError, TypeError):
                    continue
                calls[c["id"]] = _key((c["function"]["name"], args))
            if m.get("role") == "tool" and m.get("tool_call_id") in calls:
                out[calls[m["tool_call_id"]]] = m.get("content") or ""
        return out

    @staticmethod
    def _message(calls: list[Call]) -> Message:
        tool_calls = [{"id": "call_" + hashlib.sha1(_key(c).encode()).hexdigest()[:12], "type": "function",
                       "function": {"name": c[0], "arguments": json.dumps(c[1], sort_keys=True)}} for c in calls]
        return {"role": "assistant", "content": None, "tool_calls": tool_calls}
