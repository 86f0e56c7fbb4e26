"""Hosted agent-RFT job specs, read for a local run: ``parse_job(path_or_dict) -> JobSpec``.

The body accepted is the hosted fine-tuning job's, for ``method.type = "reinforcement"``::

    {"model": "...", "training_file": "train.jsonl", "validation_file": "valid.jsonl", "seed": 0,
     "method": {"type": "reinforcement",
                "reinforcement": {"grader": {...}, "hyperparameters": {...},
                                  "tools": [...], "max_episode_steps": 10}},
     "suffix": "...", "metadata": {"rftgym_env": "rftgym/FileLocalization-v0"}}

- ``training_file`` / ``validation_file`` are local JSONL paths (relative to the spec's folder); a
  hosted file id (``file-...``) cannot be read here and is an error that says so. Each row is
  ``{"messages": [...], <task fields>}`` as ``rftgym export --format openai-rft`` writes them.
- ``grader`` is any OpenAI grader JSON that ``rftgym.graders.openai_format.load_grader`` loads (a
  string is a path to one).
- ``tools`` (in ``reinforcement`` or at the top level): agent-RFT declarations, ``name``,
  ``server_url``, ``headers`` plus the function schema; a tool with a ``server_url`` becomes a
  ``RemoteTool``, one without is an rftgym built-in tool of that name.
- ``max_episode_steps`` (in ``reinforcement`` or top level): the env's turn budget.
- ``hyperparameters`` (in ``reinforcement``; the deprecated top-level one is read too): ``n_epochs``,
  ``batch_size`` (prompts per step), ``learning_rate_multiplier`` (times ``BASE_LEARNING_RATE``),
  ``compute_multiplier`` (rollouts per prompt: the GRPO group size), ``eval_interval`` (steps),
  ``eval_samples`` (rollouts per validation prompt), ``reasoning_effort`` (kept, and a warning: an
  open model without a reasoning switch ignores it). ``"auto"`` means rftgym's default.

Unknown fields are an error naming them (``JobSpecError``); fields rftgym reads but cannot honour
(``integrations``, ``response_format``, ``reasoning_effort``) are warnings in ``JobSpec.warnings``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BASE_LEARNING_RATE = 1e-5
DEFAULTS = {"n_epochs": 1, "batch_size": 2, "learning_rate_multiplier": 1.0, "compute_multiplier": 4,
            "eval_interval": 10, "eval_samples": 1, "reasoning_effort": "default"}
_TOP = {"model", "training_file", "validation_file", "method", "hyperparameters", "seed", "suffix", "metadata",
        "integrations", "tools", "max_episode_steps"}
_IGNORED_TOP = {"integrations": "hosted integrations (Weights & Biases) are not run locally; metrics.jsonl has the metrics"}
_REINFORCEMENT = {"grader", "hyperparameters", "response_format", "tools", "max_episode_steps"}
_POSITIVE_INT = ("n_epochs", "batch_size", "compute_multiplier", "eval_interval", "eval_samples")
_EFFORTS = ("low", "medium", "high", "default")


class JobSpecError(ValueError):
    """A job spec rftgym cannot run; the message names the field and says what to do."""


@dataclass
class JobSpec:
    """A parsed job: paths resolved, ``"auto"`` replaced by defaults, and what was not honoured."""

    model: str
    training_file: Path
    grader: dict[str, Any]
    validation_file: Path | None = None
    tools: list[dict[str, Any]] = field(default_factory=list)
    max_episode_steps: int | None = None
    n_epochs: int = DEFAULTS["n_epochs"]
    batch_size: int = DEFAULTS["batch_size"]
    learning_rate_multiplier: float = DEFAULTS["learning_rate_multiplier"]
    compute_multiplier: int = DEFAULTS["compute_multiplier"]
    eval_interval: int = DEFAULTS["eval_interval"]
    eval_samples: int = DEFAULTS["eval_samples"]
    reasoning_effort: str = DEFAULTS["reasoning_effort"]
    seed: int = 0
    suffix: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def learning_rate(self) -> float:
        return BASE_LEARNING_RATE * self.learning_rate_multiplier

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["training_file"] = str(self.training_file)
        d["validation_file"] = str(self.validation_file) if self.validation_file else None
        return d


def _unknown(obj: dict[str, Any], known: set[str], where: str) -> None:
    extra = sorted(set(obj) - known)
    if extra:
        raise JobSpecError(f"{where}: unknown field(s) {', '.join(extra)}; rftgym train reads {', '.join(sorted(known))}")


def _file(value: Any, key: str, base: Path, required: bool) -> Path | None:
    if value in (None, ""):
        if required:
            raise JobSpecError(f"{key} is required: a local JSONL file of {{\"messages\": [...], ...}} rows")
        return None
    if not isinstance(value, str):
        raise JobSpecError(f"{key} must be a path string, got {type(value).__name__}")
    path = Path(value).expanduser()
    path = path if path.is_absolute() else base / path
    if not path.exists():
        hint = (" (a hosted file id: download the file and give its path)" if value.startswith("file-") else "")
        raise JobSpecError(f"{key}: no such file {str(path)!r}{hint}")
    return path


def _hyper(raw: Any, spec: JobSpec, where: str) -> None:
    if raw is None:
        return
    if not isinstance(raw, dict):
        raise JobSpecError(f"{where} must be an object, got {type(raw).__name__}")
    _unknown(raw, set(DEFAULTS), where)
    for key, value in raw.items():
        if value == "auto" or value is None:
            continue
        if key in _POSITIVE_INT:
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise JobSpecError(f"{where}.{key} must be a positive integer or \"auto\", got {value!r}")
        elif key == "learning_rate_multiplier":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise JobSpecError(f"{where}.{key} must be a positive number or \"auto\", got {value!r}")
            value = float(value)
        elif key == "reasoning_effort":
            if value not in _EFFORTS:
                raise JobSpecError(f"{where}.{key} must be one of {', '.join(_EFFORTS)}, got {value!r}")
            if value != "default":
                spec.warnings.append(f"{where}.reasoning_effort={value!r} is ignored: the open model has no "
                                     "reasoning-effort switch")
        setattr(spec, key, value)
    if spec.compute_multiplier < 2:
        raise JobSpecError(f"{where}.compute_multiplier must be at least 2: GRPO compares the rollouts of one "
                           "prompt, and a group of one has no advantage")


def _tools(raw: Any, where: str) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        raise JobSpecError(f"{where} must be a list of tool objects")
    out = []
    for i, t in enumerate(raw):
        fn = t.get("function") if isinstance(t.get("function"), dict) else {}
        if not (t.get("name") or fn.get("name")):
            raise JobSpecError(f"{where}[{i}] has no name")
        url = t.get("server_url")
        if url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
            raise JobSpecError(f"{where}[{i}].server_url must be an http(s) URL, got {url!r}")
        out.append(t)
    return out


def read_job(source: str | Path | dict[str, Any]) -> tuple[dict[str, Any], Path]:
    """The job body and the folder its relative paths are resolved against."""
    if isinstance(source, dict):
        return source, Path.cwd()
    path = Path(source)
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise JobSpecError(f"no job spec at {str(path)!r}") from None
    except json.JSONDecodeError as exc:
        raise JobSpecError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(body, dict):
        raise JobSpecError(f"{path}: a job spec is a JSON object, got {type(body).__name__}")
    return body, path.resolve().parent


def parse_job(source: str | Path | dict[str, Any], *, base: str | Path | None = None) -> JobSpec:
    """Parse and check a job body (a path to its JSON, or the dict). ``base`` resolves relative file
    paths (default: the spec file's folder, or the working directory for a dict)."""
    from rftgym.graders.openai_format import load_grader, read_config

    body, folder = read_job(source)
    folder = Path(base) if base is not None else folder
    _unknown(body, _TOP, "job")
    method = body.get("method")
    if not isinstance(method, dict) or method.get("type") != "reinforcement":
        kind = method.get("type") if isinstance(method, dict) else None
        raise JobSpecError(f"method.type must be \"reinforcement\" (got {kind!r}); rftgym train runs RFT jobs only")
    _unknown(method, {"type", "reinforcement"}, "method")
    rl = method.get("reinforcement")
    if not isinstance(rl, dict):
        raise JobSpecError("method.reinforcement must be an object with a grader")
    _unknown(rl, _REINFORCEMENT, "method.reinforcement")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise JobSpecError("model is required (a hosted model name, or a local model path; --model overrides it)")
    grader = rl.get("grader")
    if grader is None:
        raise JobSpecError("method.reinforcement.grader is required")
    try:
        if isinstance(grader, str):
            gpath = Path(grader)
            grader = read_config(gpath if gpath.is_absolute() else folder / gpath)
        load_grader(grader)  # every check the loader makes, before any model is loaded
    except ValueError as exc:
        raise JobSpecError(f"method.reinforcement.grader: {exc}") from None
    spec = JobSpec(model=model, training_file=_file(body.get("training_file"), "training_file", folder, True),
                   validation_file=_file(body.get("validation_file"), "validation_file", folder, False),
                   grader=grader)
    for key in ("tools", "max_episode_steps"):
        if key in body and key in rl:
            raise JobSpecError(f"{key} is given both at the top level and in method.reinforcement; keep one")
    spec.tools = _tools(rl.get("tools", body.get("tools")), "tools")
    steps = rl.get("max_episode_steps", body.get("max_episode_steps"))
    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or steps < 1):
        raise JobSpecError(f"max_episode_steps must be a positive integer, got {steps!r}")
    spec.max_episode_steps = steps
    if body.get("hyperparameters") is not None:
        spec.warnings.append("top-level hyperparameters are deprecated; put them in method.reinforcement.hyperparameters")
    _hyper(body.get("hyperparameters"), spec, "hyperparameters")
    _hyper(rl.get("hyperparameters"), spec, "method.reinforcement.hyperparameters")
    seed = body.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise JobSpecError(f"seed must be an integer, got {seed!r}")
    spec.seed, spec.suffix = seed, body.get("suffix")
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise JobSpecError("metadata must be an object")
    spec.metadata = metadata
    for key, why in _IGNORED_TOP.items():
        if body.get(key):
            spec.warnings.append(f"{key}: {why}")
    if rl.get("response_format") is not None:
        spec.warnings.append("method.reinforcement.response_format is not enforced on the open model's output")
    return spec


def job_from_export(export_dir: str | Path, env_id: str | None, model: str, *, hyperparameters: dict[str, Any] | None = None,
                    max_episode_steps: int | None = None) -> dict[str, Any]:
    """The job body for the files ``rftgym export --format openai-rft`` wrote into ``export_dir``
    (paths relative to that folder, so the body is written next to them as ``job.json``)."""
    folder = Path(export_dir)
    grader = json.loads((folder / "grader.json").read_text(encoding="utf-8"))
    rl: dict[str, Any] = {"grader": grader, "hyperparameters": dict(hyperparameters or {})}
    if max_episode_steps is not None:
        rl["max_episode_steps"] = max_episode_steps
    body: dict[str, Any] = {"model": model, "training_file": "train.jsonl", "method": {"type": "reinforcement",
                                                                                      "reinforcement": rl},
                            "metadata": {"rftgym_env": env_id} if env_id else {}}
    if (folder / "valid.jsonl").exists() and (folder / "valid.jsonl").stat().st_size:
        body["validation_file"] = "valid.jsonl"
    return body
