"""Plain data that crosses every boundary in rftgym: tasks, messages, tool calls, grades, trajectories.

Everything here is a dataclass or a dict that round-trips through JSON (``to_dict`` / ``from_dict``),
so it can be written to a run folder, sent to a Ray worker or served over HTTP unchanged.

Messages follow the OpenAI chat format::

    {"role": "system" | "user" | "assistant" | "tool",
     "content": str | None,
     "tool_calls": [{"id": str, "type": "function", "function": {"name": str, "arguments": str}}],
     "tool_call_id": str}          # tool messages only

The contracts of the things that use these types live with them: ``rftgym.env.ToolEnv``,
``rftgym.tools.Tool``, ``rftgym.graders.Grader``, ``rftgym.policies.Policy``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

Message = dict[str, Any]

# Task fields with a meaning of their own; any other key of a task row is kept in ``Task.extra``
# and reachable from graders as ``item.<key>``.
_TASK_FIELDS = (
    "id", "prompt", "repo", "commit", "split", "gold_files", "fail_to_pass", "pass_to_pass",
    "test_patch", "answer", "image",
)


class TaskError(ValueError):
    """A task row is malformed. The message names the row and the field, and says what to write."""


class InfraError(RuntimeError):
    """The machinery failed, not the agent: a sandbox that would not start, a grader that crashed,
    a tool server that kept answering 5xx. An episode that meets one is marked ``infra_error`` and
    kept out of reward means and group advantages (it is retried where the runner can), instead of
    being scored 0 as if the agent had failed.
    """


@dataclass
class Task:
    """One unit of work: a prompt about a repository at a commit, plus the gold data graders use.

    Required: ``id``, ``prompt``, ``repo`` (a built-in repo name, a local path or a git URL) and
    ``commit``. Gold data (``gold_files``, ``fail_to_pass``, ``pass_to_pass``, ``test_patch``,
    ``answer``) never enters the sandbox.
    """

    id: str
    prompt: str
    repo: str
    commit: str
    split: str = "train"
    gold_files: list[str] = field(default_factory=list)
    fail_to_pass: list[str] = field(default_factory=list)
    pass_to_pass: list[str] = field(default_factory=list)
    test_patch: str = ""
    answer: str | None = None
    image: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, row: Any, where: str = "task") -> Task:
        """Validate one task row. ``where`` names the row in errors (e.g. ``tasks.jsonl:12``)."""
        if not isinstance(row, dict):
            raise TaskError(f"{where}: a task must be a JSON object, got {type(row).__name__}")
        missing = [k for k in ("id", "prompt", "repo", "commit") if not row.get(k)]
        if missing:
            raise TaskError(
                f"{where}: missing required field(s) {', '.join(missing)}; every task needs "
                "id, prompt, repo (built-in name, local path or git URL) and commit"
            )
        for key in ("id", "prompt", "repo", "commit"):
            if not isinstance(row[key], str):
                raise TaskError(f"{where}: field {key!r} must be a string, got {row[key]!r}")
        for key in ("gold_files", "fail_to_pass", "pass_to_pass"):
            value = row.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise TaskError(f"{where}: field {key!r} must be a list of strings, got {value!r}")
        known = {k: row[k] for k in _TASK_FIELDS if k in row}
        extra = {k: v for k, v in row.items() if k not in _TASK_FIELDS and k != "extra"}
        if isinstance(row.get("extra"), dict):
            extra.update(row["extra"])
        return cls(**known, extra=extra)

    def to_dict(self) -> dict[str, Any]:
        row = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        row.update(self.extra)
        return row

    def item(self) -> dict[str, Any]:
        """The task as the OpenAI RFT formats see it: ``{{item.<key>}}`` reads from here."""
        return self.to_dict()


@dataclass
class ToolCall:
    """A call parsed from an assistant message. ``arguments`` is the raw JSON string as sent."""

    id: str
    name: str
    arguments: str

    def to_message(self) -> dict[str, Any]:
        return {"id": self.id, "type": "function", "function": {"name": self.name, "arguments": self.arguments}}


@dataclass
class ToolResult:
    """The outcome of one tool call, in call order. ``error`` is an error code or ``None``.

    Error codes: ``TOOL_NOT_FOUND``, ``INVALID_ARGS``, ``TIMEOUT``, ``NOT_FOUND``,
    ``PATH_OUTSIDE_WORKSPACE``, ``EXECUTION_ERROR``, ``MALFORMED_CALL``, ``BUDGET_EXHAUSTED``,
    ``WORKSPACE_BUSY`` (an earlier call that timed out still holds the workspace), ``INFRA_ERROR``
    (the tool's server or sandbox failed, not the call).
    """

    call_id: str
    name: str
    content: str
    error: str | None = None
    latency_s: float = 0.0
    truncated: bool = False

    def to_message(self) -> Message:
        return {"role": "tool", "tool_call_id": self.call_id, "content": self.content}


@dataclass
class Grade:
    """A grader's verdict. ``score`` is in [0, 1] unless a grader documents otherwise.

    ``components`` holds the named parts (``precision``, ``recall``, ``f1``, ...); ``error`` is set
    when grading itself failed, in which case ``score`` is 0 and the run goes on. ``infra`` marks
    a failure of the machinery (sandbox, grader crash) rather than of the agent: such a grade is
    not a reward and stays out of means and group advantages.
    """

    score: float
    components: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    infra: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Grade:
        return cls(score=float(d["score"]), components=dict(d.get("components") or {}),
                   error=d.get("error"), infra=bool(d.get("infra", False)))


@dataclass
class TurnRecord:
    """What one assistant turn did: how many calls, how many failed, and how long the tools took.

    ``tool_seconds`` is the wall time of the whole turn's tool execution (concurrent calls overlap),
    ``call_latencies`` the per-call latencies. Timings are measurements, not part of any observation.
    """

    calls: int = 0
    errors: int = 0
    tool_seconds: float = 0.0
    call_latencies: list[float] = field(default_factory=list)
    error_codes: list[str] = field(default_factory=list)


@dataclass
class Trajectory:
    """One episode, complete enough to replay: the conversation, what each turn did, the grade.

    ``sample`` is the index of this episode among the samples of its task; ``seed`` the episode's
    own seed (derived from the run seed, task id and sample, see ``rftgym.rollout.episode_seed``).
    ``infra_error`` is set when the machinery failed (see ``InfraError``): its ``reward`` is not a
    reward and is left out of means and group advantages.
    """

    task_id: str
    env_id: str
    seed: int
    sample: int = 0
    policy: str = ""
    messages: list[Message] = field(default_factory=list)
    turns: list[TurnRecord] = field(default_factory=list)
    submission: dict[str, Any] | None = None
    grade: Grade | None = None
    reward: float = 0.0
    terminated: bool = False
    truncated: bool = False
    truncation_reason: str | None = None
    wall_s: float = 0.0
    usage: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    repo_commit: str = ""
    infra_error: str | None = None
    node: str | None = None  # the Ray node that ran the episode (None on the thread backend)

    @property
    def tool_calls(self) -> int:
        return sum(t.calls for t in self.turns)

    @property
    def tool_errors(self) -> int:
        return sum(t.errors for t in self.turns)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["grade"] = self.grade.to_dict() if self.grade else None
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Trajectory:
        d = dict(d)
        d["turns"] = [TurnRecord(**t) for t in d.get("turns") or []]
        d["grade"] = Grade.from_dict(d["grade"]) if d.get("grade") else None
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})

    def to_json(self) -> str:
        """The JSON line of this trajectory: the same text as ``json.dumps(to_dict())``, without
        ``asdict``'s deep copy of the conversation (two thirds of the cost; measured 1.0 -> 0.35 ms
        for a FileLocalization episode, paid once per episode by the run folder)."""
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["turns"] = [vars(t) for t in self.turns]
        d["grade"] = vars(self.grade) if self.grade else None  # the fields of Grade.to_dict, not copied
        return json.dumps(d, sort_keys=True, ensure_ascii=False)
