"""Training curves for ``rftgym report`` on folders written by ``rftgym train``.

A training folder holds ``metrics.jsonl``: one row per train step (``split: "train"``) and per
evaluation (``split: "valid"``), each with ``step`` and the numbers of that step. ``training_html``
turns one or two such folders into an HTML section: a table (steps, wall time, reward before and
after, best validation reward) and one plot per curve (``CURVES``), train as a line and validation
as dashed markers, both folders in the report's colours. Rows that are not JSON objects (a torn
last line of a run still writing) are skipped; a folder without usable rows gives a clear error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

# (img id, title, y label, the metrics.jsonl keys to try in order: the first one present is drawn)
CURVES = [("plot-train-reward", "Reward", "reward", ("reward",)),
          ("plot-train-turns", "Turns per rollout", "turns", ("turns_per_rollout",)),
          ("plot-train-calls-per-turn", "Tool calls per turn", "calls / turn", ("calls_per_turn",)),
          ("plot-train-tool-calls", "Tool calls per rollout", "calls", ("tool_calls_per_rollout",)),
          ("plot-train-tool-errors", "Tool errors per rollout", "errors", ("tool_errors_per_rollout",)),
          ("plot-train-tool-latency", "Tool latency per call", "ms", ("tool_latency_ms",)),
          ("plot-train-grader-errors", "Grader errors per rollout", "errors", ("grader_errors_per_rollout",)),
          ("plot-train-tokens", "Completion tokens (mean)", "tokens", ("completions/mean_length",)),
          ("plot-train-tokens-per-call", "Completion tokens per tool call", "tokens / call", ("tokens_per_call",)),
          ("plot-train-kl", "KL to the reference model", "KL", ("kl",))]


class TrainingFolderError(ValueError):
    """A folder given as a training run holds no readable metrics."""


@dataclass
class TrainingRun:
    label: str
    path: Path
    rows: list[dict[str, Any]]

    def split(self, name: str) -> list[dict[str, Any]]:
        return [r for r in self.rows if r.get("split") == name]


def is_training_folder(path: str | Path) -> bool:
    return (Path(path) / "metrics.jsonl").is_file()


def load_training(path: str | Path, label: str | None = None) -> TrainingRun:
    """Read ``path/metrics.jsonl`` (rows sorted by step, train rows before valid rows of one step)."""
    d = Path(path)
    rows = []
    for line in (d / "metrics.jsonl").read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue  # a torn last line of a run that is still writing
        if isinstance(row, dict) and isinstance(row.get("step"), (int, float)):
            rows.append(row)
    if not rows:
        raise TrainingFolderError(f"{d / 'metrics.jsonl'} has no metric rows yet; wait for the first "
                                  f"training step or pass a finished `rftgym train --out` folder")
    rows.sort(key=lambda r: (r["step"], r.get("split") != "train"))
    return TrainingRun(label or _label(d), d, rows)


def _label(d: Path) -> str:
    try:
        config = json.loads((d / "config.json").read_text(encoding="utf-8"))
        model = (config.get("config") or {}).get("model")
        return f"{Path(model).name} ({d.name})" if model else d.name
    except (OSError, ValueError):
        return d.name


def training_html(runs: list[TrainingRun], colours: list[str], png: Callable[[Any], str],
                  escape: Callable[[Any], str]) -> str:
    """The "Training" section: the table, then one figure per curve any run has data for."""
    parts = ["<h2>Training</h2>", _table(runs, colours, escape), "<div class='grid'>"]
    for pid, title, ylabel, keys in CURVES:
        if not any(_series(r.rows, keys) for r in runs):
            continue
        parts.append(f"<figure><img id='{pid}' alt='{escape(title)}' src='data:image/png;base64,"
                     f"{png(_figure(runs, colours, title, ylabel, keys))}'><figcaption>{escape(title)} over "
                     f"training steps (line: train, dashed: validation)</figcaption></figure>")
    parts.append("</div>")
    return "\n".join(parts)


def _series(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> list[tuple[float, float]]:
    """(step, value) of the first key in ``keys`` that any row holds as a number."""
    for key in keys:
        points = [(float(r["step"]), float(r[key])) for r in rows
                  if isinstance(r.get(key), (int, float)) and not isinstance(r.get(key), bool)]
        if points:
            return points
    return []


def _figure(runs: list[TrainingRun], colours: list[str], title: str, ylabel: str, keys: tuple[str, ...]):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.8), dpi=100)
    ax.set_title(title, fontsize=12, fontweight="bold", loc="left")
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    for run, colour in zip(runs, colours):
        train, valid = _series(run.split("train"), keys), _series(run.split("valid"), keys)
        if train:
            ax.plot(*zip(*train), color=colour, linewidth=1.6, label=f"{run.label} train")
        if valid:
            ax.plot(*zip(*valid), color=colour, linestyle="--", marker="o", markersize=4,
                    label=f"{run.label} valid")
    ax.legend(frameon=False, fontsize=8, loc="best")
    return fig


def _table(runs: list[TrainingRun], colours: list[str], escape: Callable[[Any], str]) -> str:
    def fmt(value: Any, spec: str = "{:.3f}") -> str:
        return "–" if value is None else spec.format(value)

    def reward(rows: list[dict[str, Any]], pick: int) -> Any:
        points = _series(rows, ("reward",))
        return points[pick][1] if points else None

    fields = [("train steps", lambda r: fmt(max((x["step"] for x in r.split("train")), default=None), "{:.0f}")),
              ("evaluations", lambda r: str(len(r.split("valid")))),
              ("valid reward, first evaluation", lambda r: fmt(reward(r.split("valid"), 0))),
              ("valid reward, last evaluation", lambda r: fmt(reward(r.split("valid"), -1))),
              ("valid reward, best", lambda r: fmt(max((v for _, v in _series(r.split("valid"), ("reward",))),
                                                       default=None))),
              ("train reward, first step", lambda r: fmt(reward(r.split("train"), 0))),
              ("train reward, last step", lambda r: fmt(reward(r.split("train"), -1))),
              ("wall time (s)", lambda r: fmt(max((x.get("wall_s") or 0 for x in r.rows), default=None), "{:.0f}"))]
    head = "".join(f"<th style='color:{c}'>{escape(r.label)}</th>" for r, c in zip(runs, colours))
    body = "".join(f"<tr><th>{escape(name)}</th>" + "".join(f"<td>{escape(get(r))}</td>" for r in runs) + "</tr>"
                   for name, get in fields)
    return f"<table><thead><tr><th>training</th>{head}</tr></thead><tbody>{body}</tbody></table>"
