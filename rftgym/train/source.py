"""What ``rftgym train`` trains on: an env id or a job spec, turned into env keyword arguments.

``training_source(target, env=None) -> TrainSource``:

- ``target`` an env id (``rftgym/FileLocalization-v0``): the env's own tasks, train split for
  training and test split for validation, its tools and grader;
- ``target`` a folder ``rftgym export --format openai-rft`` wrote (``train.jsonl``, ``valid.jsonl``,
  ``grader.json``): the job ``job_from_export`` makes of it, default hyperparameters;
- ``target`` a job spec path (``*.json``): rows of ``training_file``/``validation_file`` become
  tasks (``messages`` and ``tools`` dropped; ``prompt`` from the last user message when the row has
  none), the grader is the spec's (``load_grader``), tools with a ``server_url`` are remote tools
  and the others rftgym tools of that name (with no ``tools`` in the spec, those of the first row).
  The env whose prompt and submit tool the run uses is ``env`` (``--env``), else the spec's
  ``metadata.rftgym_env``, else the registered env whose system prompt the rows carry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rftgym.train.spec import JobSpec, JobSpecError, job_from_export, parse_job


@dataclass
class TrainSource:
    env_id: str
    train: dict[str, Any]                       # gymnasium.make kwargs of the training env
    valid: dict[str, Any] | None                # ... of the validation env (None: no held-out split)
    job: JobSpec | None = None
    warnings: list[str] = field(default_factory=list)
    hyperparameters_from_job: bool = True       # False: an export folder, whose job has none of its own


def _rows(path: Path) -> list[dict[str, Any]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise JobSpecError(f"{path}:{n}: not valid JSON ({exc})") from None
        if not isinstance(row, dict):
            raise JobSpecError(f"{path}:{n}: a row must be a JSON object")
        rows.append(row)
    if not rows:
        raise JobSpecError(f"{path}: no rows")
    return rows


def task_rows(path: Path) -> list[dict[str, Any]]:
    """Task dicts from RFT dataset rows (see the module docstring)."""
    tasks = []
    for n, row in enumerate(_rows(path), 1):
        task = {k: v for k, v in row.items() if k not in ("messages", "tools")}
        if not task.get("prompt"):
            users = [m.get("content") for m in row.get("messages") or [] if isinstance(m, dict) and m.get("role") == "user"]
            if users and isinstance(users[-1], str):
                task["prompt"] = users[-1]
        task.setdefault("id", f"{path.stem}-{n}")
        missing = [k for k in ("repo", "commit") if not task.get(k)]
        if missing:
            raise JobSpecError(f"{path}:{n}: the row has no {' or '.join(missing)}; rftgym train runs every episode "
                               "in a repository at a commit, so each row needs repo and commit fields")
        tasks.append(task)
    return tasks


def _env_for(rows_path: Path, job: JobSpec, env: str | None) -> str:
    import rftgym.envs as registry

    chosen = env or job.metadata.get("rftgym_env")
    if chosen:
        try:
            return registry.get_spec(chosen).env_id
        except KeyError as exc:
            raise JobSpecError(str(exc.args[0])) from None
    first = _rows(rows_path)[0]
    system = next((m.get("content") for m in first.get("messages") or [] if m.get("role") == "system"), None)
    for env_id, spec in sorted(registry.SPECS.items()):
        if system and system.strip() == spec.system_prompt.strip():
            return env_id
    raise JobSpecError("cannot tell which rftgym env this job is for: set metadata.rftgym_env in the spec or pass "
                       f"--env (one of {', '.join(sorted(registry.SPECS))})")


def _tool_list(job: JobSpec, rows_path: Path) -> list[Any] | None:
    from rftgym.tools.remote import RemoteTool

    declared = job.tools
    if not declared:
        declared = [t for t in _rows(rows_path)[0].get("tools") or [] if isinstance(t, dict)]
    if not declared:
        return None  # the env's own tools
    out: list[Any] = []
    for t in declared:
        fn = t.get("function") if isinstance(t.get("function"), dict) else {}
        name = t.get("name") or fn.get("name")
        if name == "submit":
            continue  # the env adds its own submit tool
        out.append(RemoteTool.from_config(t) if t.get("server_url") else name)
    return out


def training_source(target: str, env: str | None = None) -> TrainSource:
    """See the module docstring. Raises ``JobSpecError`` (a ``ValueError``) with what to fix."""
    import rftgym.envs as registry

    folder = Path(target)
    if folder.is_dir():
        if not (folder / "grader.json").exists() or not (folder / "train.jsonl").exists():
            raise JobSpecError(f"{folder} is not an rftgym export (train.jsonl and grader.json); give an env id, a "
                               "job spec or such a folder")
        job = parse_job(job_from_export(folder, env, "none"), base=folder)
        source = _from_job(job, env)
        source.hyperparameters_from_job = False  # no spec gave any: the caller's settings apply
        return source
    if not target.endswith(".json"):
        try:
            env_id = registry.get_spec(target).env_id
        except KeyError as exc:
            raise JobSpecError(f"{exc.args[0]}; or give a job spec (a .json file)") from None
        return TrainSource(env_id, {"split": "train"}, {"split": "test"})
    return _from_job(parse_job(target), env)


def _from_job(job: JobSpec, env: str | None) -> TrainSource:
    from rftgym.graders.openai_format import load_grader

    env_id = _env_for(job.training_file, job, env)
    common: dict[str, Any] = {"split": "all"}  # the file is the split, whatever its rows say
    tools = _tool_list(job, job.training_file)
    if tools is not None:
        common["tools"] = tools
    if job.max_episode_steps:
        common["max_turns"] = job.max_episode_steps
    train = {**common, "tasks": task_rows(job.training_file), "grader": load_grader(job.grader)}
    valid = None
    if job.validation_file:
        valid = {**common, "tasks": task_rows(job.validation_file), "grader": load_grader(job.grader)}
    return TrainSource(env_id, train, valid, job, list(job.warnings))
