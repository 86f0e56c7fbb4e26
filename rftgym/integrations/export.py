"""Exports: an environment as an OpenAI RFT dataset and grader, a run as SFT chat data.

``export_openai_rft(env_id, out)`` writes ``train.jsonl``, ``valid.jsonl`` and ``grader.json``:

- each row is ``{"messages": [system, user], "tools": [<the env's tool schemas>], <task fields>}``:
  the prompt the env would show, and every field of the task row (``id``, ``repo``, ``commit``,
  ``gold_files``, ...) at the top level, where an OpenAI grader reads it as ``{{item.<key>}}``;
- the grader is the OpenAI-format equivalent of the env's grader. For ``FileSetF1`` and
  ``AnswerMatch`` it is a ``python`` grader whose source is ``rftgym.graders.portable`` (the very
  rules the env's grader calls, standard library only) plus a ``grade(sample, item)`` that reads
  the submission from ``sample.output_json`` (or, when that is empty, the last submit call in
  ``sample.output_tools``). Graders that need the agent's workspace (tests, benchmarks) cannot run
  in a hosted sandbox: with ``grader_url`` (an ``rftgym serve`` address) the export is an
  ``endpoint`` grader calling its ``/grade``, with a bearer token when given; without, an ``rftgym``
  reference (``{"type": "rftgym", "name": ...}``) that only rftgym runs.
  ``rftgym.graders.openai_format.load_grader`` loads any of them and gives the env's scores.

Splits: rows whose ``split`` is ``train`` go to train; ``test``/``valid`` rows to valid; with no such
rows, a seeded ``valid_fraction`` of the train rows is held out.

``export_sft(run_dir, out, best_of=K, min_reward=r)`` keeps, per task, the ``K`` best episodes of a
run whose reward is above ``r`` (rejection sampling; ties go to fewer tool calls, then fewer turns)
and writes them as ``{"messages": [...], "tools": [...]}`` chat rows with their tool calls, ending
at the last assistant message: the data for a supervised "fine-tune before RFT" step.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

# What ``rftgym export`` adds after the source of ``rftgym.graders.portable`` in a python grader: the
# sample's submission (``output_json``, else the last submit call in ``output_tools``) and ``grade``.
_SUBMISSION = """

# -- added by rftgym export --------------------------------------------------------------------
import json


def _submission(sample):
    out = sample.get("output_json")
    if isinstance(out, dict) and out:
        return out
    for call in reversed(sample.get("output_tools") or []):
        fn = call.get("function") if isinstance(call.get("function"), dict) else call
        if fn.get("name") == SUBMIT:
            args = fn.get("arguments")
            try:
                args = json.loads(args) if isinstance(args, str) else args
            except ValueError:
                return {}
            return args if isinstance(args, dict) else {}
    return {}
"""

_GRADE = {
    "file_set_f1": """

def grade(sample, item):
    return file_set_f1(_submission(sample).get(KEY), item.get("gold_files") or [])[0]
""",
    "answer_match": """

def grade(sample, item):
    if item.get("answer") is None:
        return 0.0
    answer = _submission(sample).get(KEY)
    return match_answer(answer, item["answer"], item.get("answer_kind") or "text", item.get("aliases") or [])[0]
""",
}


def python_grader_source(grader_name: str, key: str, submit: str) -> str:
    """The source of a standalone ``python`` grader scoring like rftgym's ``grader_name``."""
    import inspect

    from rftgym.graders import portable

    return (inspect.getsource(portable) + _SUBMISSION + f"\nKEY = {key!r}\nSUBMIT = {submit!r}\n"
            + _GRADE[grader_name])


def grader_config(env_id: str, grader_url: str | None = None, grader_token: str | None = None) -> dict[str, Any]:
    """The OpenAI-format grader equivalent to ``env_id``'s grader (see the module docstring)."""
    import rftgym.envs as registry

    spec = registry.get_spec(env_id)
    grader = spec.grader()
    if grader.name in _GRADE:
        return {"type": "python", "name": grader.name,
                "source": python_grader_source(grader.name, grader.key, spec.submit.name)}
    if grader_url:
        from rftgym.graders.openai_format import load_grader

        url = grader_url.rstrip("/")
        url = url if url.endswith("/grade") else url + "/grade"
        config: dict[str, Any] = {"type": "endpoint", "name": grader.name, "url": url}
        if grader_token:
            config["headers"] = {"Authorization": f"Bearer {grader_token}"}
        load_grader(config)  # the endpoint grader's own checks (an http(s) URL): GraderConfigError, a ValueError
        return config
    options = {k: v for k, v in grader.config().items() if k != "type"}
    return {"type": "rftgym", "name": grader.name, "options": options}


def dataset_rows(env_id: str, tasks: Any = None) -> list[dict[str, Any]]:
    """One OpenAI RFT row per task of ``env_id`` (``tasks``: a file or rows; default the built-in ones)."""
    import rftgym.envs as registry
    from rftgym.tasks import load_tasks
    from rftgym.tools import resolve_tools

    spec = registry.get_spec(env_id)
    tools = resolve_tools([t for t in spec.tools if t != "submit"])
    schemas = [t.schema() for t in tools] + ([spec.submit.schema()] if spec.submit.name not in
                                              {t.name for t in tools} else [])
    rows = []
    for task in load_tasks(tasks, kind=spec.task_kind, split="all"):
        prompt = spec.user_template.format(prompt=task.prompt, task=task)
        fields = {k: v for k, v in task.to_dict().items() if k not in ("messages", "tools") and v is not None}
        rows.append({"messages": [{"role": "system", "content": spec.system_prompt},
                                  {"role": "user", "content": prompt}], "tools": schemas, **fields})
    return rows


def split_rows(rows: list[dict[str, Any]], valid_fraction: float, seed: int) -> tuple[list, list]:
    train = [r for r in rows if r.get("split", "train") == "train"]
    valid = [r for r in rows if r.get("split") in ("test", "valid", "validation")]
    if not valid and train:
        if not 0 < valid_fraction < 1:
            raise ValueError(f"valid_fraction must be between 0 and 1, got {valid_fraction}")
        order = list(range(len(train)))
        random.Random(seed).shuffle(order)
        held = set(order[:max(1, round(len(train) * valid_fraction))])
        valid = [r for i, r in enumerate(train) if i in held]
        train = [r for i, r in enumerate(train) if i not in held]
    return train, valid


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")


def export_openai_rft(env_id: str, out: str | Path, *, tasks: Any = None, valid_fraction: float = 0.2,
                      seed: int = 0, grader_url: str | None = None,
                      grader_token: str | None = None) -> dict[str, Path]:
    """Write ``train.jsonl``, ``valid.jsonl`` and ``grader.json`` for ``env_id`` into ``out``."""
    out = Path(out)
    grader = grader_config(env_id, grader_url, grader_token)  # a bad URL fails before anything is written
    train, valid = split_rows(dataset_rows(env_id, tasks), valid_fraction, seed)
    paths = {"train": out / "train.jsonl", "valid": out / "valid.jsonl", "grader": out / "grader.json"}
    _write_jsonl(paths["train"], train)
    _write_jsonl(paths["valid"], valid)
    paths["grader"].write_text(json.dumps(grader, indent=2) + "\n", encoding="utf-8")
    return paths


# -- SFT ------------------------------------------------------------------------------------------
def _tool_schemas(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    import rftgym.envs as registry
    from rftgym.tools import resolve_tools

    spec = registry.get_spec(manifest.get("env_id") or "")
    names = [n for n in (manifest.get("env_spec") or {}).get("tools") or spec.tools if n != spec.submit.name]
    try:
        tools = resolve_tools(names)
    except (KeyError, ValueError):  # a run with the user's own tool objects: fall back to the env's set
        tools = resolve_tools([t for t in spec.tools if t != "submit"])
    return [t.schema() for t in tools] + [spec.submit.schema()]


def sft_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A trajectory's messages as chat fine-tuning data: no ``None`` content, ending at the last assistant turn."""
    last = max((i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=-1)
    out = []
    for m in messages[:last + 1]:
        m = {k: v for k, v in m.items() if v is not None}
        if m.get("role") == "assistant" and "content" not in m and not m.get("tool_calls"):
            m["content"] = ""
        out.append(m)
    return out


def export_sft(run_dir: str | Path, out: str | Path, *, best_of: int = 1, min_reward: float = 0.0) -> dict[str, Any]:
    """Write the ``best_of`` best episodes per task of a run (reward above ``min_reward``) as chat JSONL."""
    from rftgym.rollout.store import load_run

    if best_of < 1:
        raise ValueError(f"--best-of must be at least 1, got {best_of}")
    manifest, trajs, _ = load_run(run_dir)
    tools = _tool_schemas(manifest)
    groups: dict[str, list] = defaultdict(list)
    for t in trajs:
        groups[t.task_id].append(t)
    rows, rewards = [], []
    for task_id in sorted(groups):
        kept = sorted((t for t in groups[task_id] if t.error is None and t.reward > min_reward),
                      key=lambda t: (-t.reward, t.tool_calls, len(t.turns), t.sample))[:best_of]
        for t in kept:
            rows.append({"messages": sft_messages(t.messages), "tools": tools})
            rewards.append(t.reward)
    out = Path(out)
    _write_jsonl(out, rows)
    return {"rows": len(rows), "tasks": len({r for r in groups if any(t.reward > min_reward and t.error is None
                                                                        for t in groups[r])}),
            "tasks_total": len(groups), "reward_mean": sum(rewards) / len(rewards) if rewards else 0.0}
