"""Graders written in the JSON the OpenAI RFT API takes, usable as an rftgym environment's grader.

``load_grader(path_or_config, **options) -> OpenAIGrader`` parses and validates a config; errors are
``GraderConfigError`` naming the field (``grader.graders.price.operation``) and what to write.
``OpenAIGrader.grade(task, trajectory, workspace)`` builds the two namespaces the OpenAI formats
read, then runs the config:

- ``item``: ``task.item()``, the task row with its gold data (``{{item.answer}}``, ``{{item.gold_files}}``).
- ``sample`` (``build_sample``): ``output_text`` is the submission's ``answer`` when it is a string,
  else the last assistant text; ``output_json`` is the submission (the arguments of the call that
  ended the episode, ``{}`` without one); ``output_tools`` lists every tool call of the episode in
  the Chat Completions shape; ``choices`` holds the final assistant message.

Types (one module each): ``string_check``, ``text_similarity``, ``python``, ``score_model``,
``multi``, ``endpoint`` (rftgym's shape for agent RFT's grader endpoints) and ``rftgym``, which
runs a built-in grader from ``rftgym.graders.GRADERS`` by name::

    {"type": "rftgym", "name": "file_set_f1", "options": {"key": "files"}, "pass_threshold": 0.8}

Templates: ``{{ item.X }}``, ``{{ sample.output_json.a.b[0] }}`` (dotted keys, ``[n]`` indices);
strings render as themselves, other values as JSON. A path that does not exist is an error at
grading time: the grade is 0 with the error kept. Every type accepts ``pass_threshold``; the score
of a grader is its raw value (a ``score_model`` with ``range: [0, 10]`` scores up to 10), as in the
OpenAI formats, and ``Grade.components`` holds each sub-grader's score plus ``passed`` when a
threshold is set.
"""

from __future__ import annotations

import abc
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from rftgym.graders import Grader
from rftgym.types import Grade, InfraError, Task, Trajectory

_TEMPLATE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_STEP = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_\-]*)|\[(\d+)\]")


class GraderConfigError(ValueError):
    """A grader config is malformed. The message names the field and says what to write."""


class GraderRuntimeError(RuntimeError):
    """Grading one sample failed (a missing template path, a judge that answered nonsense...)."""


@dataclass
class LoadOptions:
    """Settings that are not part of the OpenAI JSON: where the judge lives, sandbox limits."""

    judge_base_url: str | None = None
    judge_api_key: str | None = None
    python_timeout: float = 10.0
    python_memory_mb: int = 512
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class GradeContext:
    """What the ``rftgym`` type and efficiency components need beyond ``sample`` and ``item``."""

    task: Task | None = None
    trajectory: Trajectory | None = None
    workspace: Any = None


# -- templates ------------------------------------------------------------------------------------
def lookup(path: str, sample: dict[str, Any], item: dict[str, Any]) -> Any:
    """The value at ``namespace.a.b[0]``; ``GraderRuntimeError`` when it does not exist."""
    namespace, _, rest = path.partition(".")
    if namespace not in ("item", "sample"):
        raise GraderRuntimeError(f"template {{{{{path}}}}}: the namespace must be item or sample")
    value: Any = item if namespace == "item" else sample
    pos = 0
    while pos < len(rest):
        m = _STEP.match(rest, pos)
        if not m or m.end() == pos:
            raise GraderRuntimeError(f"template {{{{{path}}}}}: cannot parse {rest[pos:]!r}")
        pos = m.end()
        key, index = m.group(1), m.group(2)
        if key is not None:
            if not isinstance(value, dict) or key not in value:
                raise GraderRuntimeError(f"template {{{{{path}}}}}: {namespace} has no {key!r} there")
            value = value[key]
        else:
            if not isinstance(value, list) or int(index) >= len(value):
                raise GraderRuntimeError(f"template {{{{{path}}}}}: index [{index}] is out of range")
            value = value[int(index)]
    return value


def render(text: str, sample: dict[str, Any], item: dict[str, Any]) -> str:
    """Substitute every ``{{ namespace.path }}`` of ``text``."""

    def one(m: re.Match) -> str:
        value = lookup(m.group(1), sample, item)
        if isinstance(value, str):
            return value
        return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    return _TEMPLATE.sub(one, text)


def check_template(text: Any, where: str) -> None:
    if not isinstance(text, str):
        raise GraderConfigError(f"{where} must be a string (templates allowed), got {type(text).__name__}")
    for m in _TEMPLATE.finditer(text):
        ns = m.group(1).split(".", 1)[0]
        if ns not in ("item", "sample") or "." not in m.group(1):
            raise GraderConfigError(f"{where}: template {m.group(0)!r} must read {{{{item.<key>}}}} or "
                                    "{{sample.<key>}} (output_text, output_json, output_tools, choices)")


# -- the sample namespace -------------------------------------------------------------------------
def build_sample(trajectory: Trajectory | None) -> dict[str, Any]:
    """The OpenAI ``sample`` of an episode (see the module docstring)."""
    if trajectory is None:
        return {"output_text": "", "output_json": {}, "output_tools": [], "choices": []}
    submission = trajectory.submission if isinstance(trajectory.submission, dict) else None
    tools, last_text, last_msg = [], "", None
    for m in trajectory.messages:
        if m.get("role") != "assistant":
            continue
        last_msg = m
        for c in m.get("tool_calls") or []:
            tools.append({"id": c.get("id"), "type": "function", "function": dict(c.get("function") or {})})
        if isinstance(m.get("content"), str) and m["content"].strip():
            last_text = m["content"]
    answer = submission.get("answer") if submission else None
    text = answer if isinstance(answer, str) else last_text
    choices = [{"index": 0, "message": last_msg, "finish_reason": "stop"}] if last_msg else []
    return {"output_text": text, "output_json": dict(submission or {}), "output_tools": tools, "choices": choices}


# -- one grader of a config -----------------------------------------------------------------------
class SampleGrader(abc.ABC):
    """One node of an OpenAI-format config: ``run(sample, item, ctx) -> Grade`` (never raises)."""

    type: ClassVar[str]
    required: ClassVar[tuple[str, ...]] = ()
    optional: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: dict[str, Any], where: str, options: LoadOptions) -> None:
        allowed = {"type", "name", "pass_threshold", *self.required, *self.optional}
        missing = [k for k in ("name", *self.required) if k not in config]
        if missing:
            raise GraderConfigError(f"{where}: a {self.type} grader needs {', '.join(missing)}; "
                                    f"its fields are {', '.join(sorted(allowed))}")
        unknown = sorted(set(config) - allowed)
        if unknown:
            raise GraderConfigError(f"{where}: unknown field(s) {', '.join(unknown)} for a {self.type} grader; "
                                    f"its fields are {', '.join(sorted(allowed))}")
        if not isinstance(config["name"], str) or not config["name"]:
            raise GraderConfigError(f"{where}.name must be a non-empty string")
        self.config, self.where, self.options = config, where, options
        self.name: str = config["name"]
        self.pass_threshold: float | None = number(config, "pass_threshold", where, required=False)

    replays_exactly: bool = True  # False for graders that ask a model or a remote service

    @abc.abstractmethod
    def score(self, sample: dict[str, Any], item: dict[str, Any], ctx: GradeContext) -> Grade:
        """The raw grade; may raise, ``run`` turns errors into a 0."""

    def run(self, sample: dict[str, Any], item: dict[str, Any], ctx: GradeContext | None = None) -> Grade:
        try:
            grade = self.score(sample, item, ctx or GradeContext())
        except InfraError as exc:  # the machinery failed (a sandbox, a server): not a score
            grade = Grade(0.0, {}, f"{self.name} ({self.type}): {type(exc).__name__}: {exc}", infra=True)
        except Exception as exc:  # a grader failure scores 0 and keeps its reason
            grade = Grade(0.0, {}, f"{self.name} ({self.type}): {type(exc).__name__}: {exc}")
        if not math.isfinite(grade.score):
            grade = Grade(0.0, grade.components, f"{self.name}: the score is not a finite number")
        grade.components[self.name] = grade.score
        if self.pass_threshold is not None:
            grade.components["passed"] = float(grade.score >= self.pass_threshold and grade.error is None)
        return grade


def number(config: dict[str, Any], key: str, where: str, *, required: bool = True) -> float | None:
    value = config.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise GraderConfigError(f"{where}.{key} must be a number, got {value!r}")
    return float(value)


def _families() -> dict[str, type[SampleGrader]]:
    from rftgym.graders.builtin_ref import BuiltinRef
    from rftgym.graders.endpoint import EndpointGrader
    from rftgym.graders.model import ScoreModel
    from rftgym.graders.multi import Multi
    from rftgym.graders.python_grader import PythonGrader
    from rftgym.graders.similarity import TextSimilarity
    from rftgym.graders.string_check import StringCheck

    return {c.type: c for c in (StringCheck, TextSimilarity, PythonGrader, ScoreModel, Multi, EndpointGrader,
                                BuiltinRef)}


def parse_grader(config: Any, where: str = "grader", options: LoadOptions | None = None) -> SampleGrader:
    """A config dict -> its ``SampleGrader``; ``GraderConfigError`` says what is wrong and where."""
    if not isinstance(config, dict):
        raise GraderConfigError(f"{where} must be a JSON object with a \"type\", got {type(config).__name__}")
    families = _families()
    kind = config.get("type")
    if kind == "label_model":
        raise GraderConfigError(f"{where}: label_model graders are not supported; use a score_model grader "
                                "whose prompt asks for 1 (pass) or 0 (fail)")
    if kind not in families:
        raise GraderConfigError(f"{where}.type is {kind!r}; use one of {', '.join(sorted(families))}")
    return families[kind](config, where, options or LoadOptions())


class OpenAIGrader(Grader):
    """An OpenAI-format config as an rftgym ``Grader`` (see the module docstring)."""

    def __init__(self, config: dict[str, Any], **options: Any) -> None:
        known = {k: options.pop(k) for k in list(options) if k in LoadOptions.__dataclass_fields__}
        self.options = LoadOptions(**known, extra=options)
        self.root = parse_grader(config, "grader", self.options)
        self._config = config
        self.name = self.root.name
        self.pass_threshold = self.root.pass_threshold
        self.replays_exactly = self.root.replays_exactly

    def config(self) -> dict[str, Any]:
        return json.loads(json.dumps(self._config))

    def run(self, sample: dict[str, Any], item: dict[str, Any], ctx: GradeContext | None = None) -> Grade:
        """Grade an explicit ``sample`` and ``item`` (``rftgym graders run``)."""
        return self.root.run(sample, item, ctx or context_from_sample(sample, item))

    def grade(self, task: Task, trajectory: Trajectory, workspace: Any) -> Grade:
        ctx = GradeContext(task, trajectory, workspace)
        return self.root.run(build_sample(trajectory), task.item(), ctx)


def context_from_sample(sample: dict[str, Any], item: dict[str, Any]) -> GradeContext:
    """A context for grading a bare sample: the item as a task, the sample as a one-turn episode."""
    try:
        task = Task.from_dict({"id": "item", "prompt": "", "repo": ".", "commit": "HEAD", **item})
    except ValueError:
        task = None
    calls = [c for c in sample.get("output_tools") or [] if isinstance(c, dict)]
    messages = [{"role": "assistant", "content": sample.get("output_text") or None, "tool_calls": calls}]
    traj = Trajectory(task_id=task.id if task else "item", env_id="", seed=0, messages=messages,
                      submission=sample.get("output_json") if isinstance(sample.get("output_json"), dict) else None)
    from rftgym.types import TurnRecord

    traj.turns = [TurnRecord(calls=len(calls))]
    return GradeContext(task, traj, None)


def read_config(source: str | Path | dict[str, Any]) -> dict[str, Any]:
    """A config from a dict or a ``.json`` file (errors name the file)."""
    if isinstance(source, dict):
        return source
    path = Path(source)
    if not path.is_file():
        raise GraderConfigError(f"grader file {path} does not exist; pass a JSON file in the OpenAI grader format")
    try:
        config = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise GraderConfigError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}); a grader file is one "
                                "JSON object such as {\"type\": \"string_check\", ...}") from None
    if isinstance(config, dict) and isinstance(config.get("grader"), dict) and "type" not in config:
        config = config["grader"]  # a fine-tuning job's {"grader": {...}} block
    return config


def load_grader(source: str | Path | dict[str, Any], **options: Any) -> Grader:
    """A ``Grader`` from an OpenAI-format JSON file or dict, or from a ``.py`` file that defines
    ``grader`` (a ``Grader``) or ``make_grader()``. ``options`` are ``LoadOptions`` fields."""
    if isinstance(source, (str, Path)) and str(source).endswith(".py"):
        return _load_python_file(Path(source))
    return OpenAIGrader(read_config(source), **options)


def _load_python_file(path: Path) -> Grader:
    import importlib.util

    if not path.is_file():
        raise GraderConfigError(f"grader file {path} does not exist")
    spec = importlib.util.spec_from_file_location(f"rftgym_user_grader_{abs(hash(str(path.resolve())))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    grader = getattr(module, "grader", None)
    if grader is None and callable(getattr(module, "make_grader", None)):
        grader = module.make_grader()
    if not isinstance(grader, Grader):
        raise GraderConfigError(f"{path} must define `grader` (an rftgym.graders.Grader) or make_grader()")
    return grader
