"""The HTML report of a run, or of two runs side by side (``rftgym report RUN [--vs RUN2]``).

``write_report([run_a, run_b], out) -> Path`` writes one self-contained HTML file: a summary table,
then plots drawn with matplotlib (Agg backend, no display needed) and embedded as base64 PNG, then a
per-task table and each run's provenance. No scripts and no external assets, so the file can be
attached to a CI run or mailed. Every plot is an ``<img>`` with a stable id (``PLOTS``), in order:

- reward distribution; tool calls per rollout (the long tail); turns per rollout; calls per turn;
- simulated latency per rollout (``sim_latency_s``: model latency per turn plus tool time);
- per-grader components (mean of each named component);
- learnability: the spread of rewards within each task's group of samples (a group with zero
  variance gives a GRPO-style trainer no signal).

A folder written by ``rftgym train`` (``metrics.jsonl``) gets a Training section first: reward,
turns, calls per turn, tool calls, tool errors, completion tokens and KL over steps, train and
validation (``rftgym.report_training``).

With two runs, each plot overlays or groups both with a legend, in the same colours throughout.
"""

from __future__ import annotations

import base64
import html
import io
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rftgym.report_training import TrainingRun, is_training_folder, load_training, training_html
from rftgym.rollout.metrics import sim_latency, summarize
from rftgym.rollout.store import load_run
from rftgym.types import Trajectory

PLOTS = [("plot-reward", "Reward distribution"), ("plot-tool-calls", "Tool calls per rollout"),
         ("plot-turns", "Turns per rollout"), ("plot-calls-per-turn", "Tool calls per turn"),
         ("plot-latency", "Simulated latency per rollout"), ("plot-components", "Grader components"),
         ("plot-learnability", "Learnability: reward spread within each task's samples")]
COLOURS = ["#3b6fb6", "#e07b39"]

# Summary rows: (label, key path into summary.json, format).
_ROWS = [("episodes", ("episodes",), "{:d}"), ("failed episodes", ("episodes_failed",), "{:d}"),
         ("reward mean", ("reward_mean",), "{:.3f}"), ("reward std", ("reward_std",), "{:.3f}"),
         ("turns / rollout (mean)", ("turns_per_rollout", "mean"), "{:.2f}"),
         ("turns / rollout (p95)", ("turns_per_rollout", "p95"), "{:.1f}"),
         ("tool calls / rollout (mean)", ("tool_calls_per_rollout", "mean"), "{:.2f}"),
         ("tool calls / rollout (max)", ("tool_calls_per_rollout", "max"), "{:.0f}"),
         ("calls / turn", ("calls_per_turn_mean",), "{:.2f}"), ("tool errors", ("tool_errors_count",), "{:d}"),
         ("tool latency mean (s)", ("tool_execution_latency_mean",), "{:.4f}"),
         ("sim latency mean (s)", ("sim_latency_s_mean",), "{:.2f}"),
         ("submitted", ("submitted_rate",), "{:.0%}"), ("truncated", ("truncated_rate",), "{:.0%}"),
         ("zero-variance task groups", ("learnability", "zero_variance_share"), "{:.0%}")]


@dataclass
class _Run:
    label: str
    path: Path
    manifest: dict[str, Any]
    trajs: list[Trajectory]
    summary: dict[str, Any]

    @property
    def done(self) -> list[Trajectory]:
        return [t for t in self.trajs if t.error is None]


def load(path: str | Path) -> _Run:
    manifest, trajs, summary = load_run(path)
    latency = float(manifest.get("model_latency_s", summary.get("model_latency_s", 1.0)))
    fresh = summarize(trajs, latency)  # the file's summary may predate a resume; recompute from the episodes
    fresh.update({k: v for k, v in summary.items() if k not in fresh})
    label = manifest.get("policy") or summary.get("policy") or Path(path).name
    return _Run(label, Path(path), manifest, trajs, fresh)


def write_report(runs: list[str | Path], out: str | Path) -> Path:
    """Render the report of one or two run folders into ``out`` (an .html file); returns its path.

    A folder written by ``rftgym train`` (``metrics.jsonl``) gets its training curves; one written by
    ``rftgym eval`` (``trajectories.jsonl``) its rollout plots; a folder with both gets both."""
    if not 1 <= len(runs) <= 2:
        raise ValueError(f"a report shows one run or two side by side, got {len(runs)}")
    for r in runs:
        if not (Path(r) / "trajectories.jsonl").exists() and not is_training_folder(r):
            raise FileNotFoundError(f"{r} is not a run folder (no trajectories.jsonl from `rftgym eval` nor "
                                    f"metrics.jsonl from `rftgym train`); pass the --out of a run")
    loaded = [load(r) for r in runs if (Path(r) / "trajectories.jsonl").exists()]
    training = [load_training(r) for r in runs if is_training_folder(r)]
    for group in (loaded, training):
        if len(group) == 2 and group[0].label == group[1].label:
            for r in group:
                r.label = f"{r.label} ({r.path.name})"
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(loaded, training), encoding="utf-8")
    return out


def render(runs: list[_Run], training: list[TrainingRun] | None = None) -> str:
    import matplotlib

    matplotlib.use("Agg")  # files only: never a display, whatever the user's backend setting
    training = training or []
    title = " vs ".join(r.label for r in (runs or training))
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>rftgym report: {_e(title)}</title>"
             f"<style>{_CSS}</style></head><body>", "<h1>rftgym report</h1>"]
    if training:
        parts.append(training_html(training, COLOURS, _png, _e))
    if runs:
        images = {pid: _png(_FIGURES[pid](runs)) for pid, _ in PLOTS}
        parts += [f"<p class='sub'>{_legend(runs)}</p>", "<h2>Summary</h2>", _summary_table(runs),
                  "<h2>Plots</h2><div class='grid'>"]
        for pid, name in PLOTS:
            parts.append(f"<figure><img id='{pid}' alt='{_e(name)}' src='data:image/png;base64,{images[pid]}'>"
                         f"<figcaption>{_e(name)}</figcaption></figure>")
        parts += ["</div>", "<h2>Per task</h2>", _task_table(runs), "<h2>Provenance</h2>", _provenance(runs)]
    parts.append("</body></html>")
    return "\n".join(parts)


# -- figures -------------------------------------------------------------------------------------
def _figure(title: str, xlabel: str, ylabel: str = "rollouts"):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.8), dpi=100)
    ax.set_title(title, fontsize=12, fontweight="bold", loc="left")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _legend_on_top(ax, integer_counts: bool = True) -> None:
    """Headroom above the tallest bar so the legend never hides data; whole numbers for counts."""
    from matplotlib.ticker import MaxNLocator

    if integer_counts:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, ax.get_ylim()[1] * 1.3)
    ax.legend(frameon=False, fontsize=8, loc="upper left")


def _empty(ax, text: str) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#666")


def _count_bars(title: str, xlabel: str, series: list[tuple[str, list[int], str]]):
    """Grouped bars of integer counts (turns, calls): every value present gets its own slot."""
    fig, ax = _figure(title, xlabel)
    values = sorted({v for _, vals, _ in series for v in vals})
    if not values:
        _empty(ax, "no finished episodes")
        return fig
    xs = np.arange(values[0], values[-1] + 1)
    width = 0.8 / len(series)
    for i, (label, vals, colour) in enumerate(series):
        counts = Counter(vals)
        mean = float(np.mean(vals)) if vals else 0.0
        ax.bar(xs + (i - (len(series) - 1) / 2) * width, [counts.get(int(x), 0) for x in xs], width,
               color=colour, label=f"{label} (mean {mean:.2f}, max {max(vals) if vals else 0})")
    ax.set_xticks(xs[::max(1, -(-len(xs) // 15))])
    _legend_on_top(ax)
    return fig


def _fig_reward(runs):
    fig, ax = _figure("Reward distribution", "reward")
    rewards = [[t.reward for t in r.done] for r in runs]
    flat = [v for vals in rewards for v in vals]
    if not flat:
        _empty(ax, "no finished episodes")
        return fig
    lo, hi = min(0.0, min(flat)), max(1.0, max(flat))
    bins = np.linspace(lo, hi, 11)
    ax.hist(rewards, bins=bins, color=COLOURS[:len(runs)], rwidth=0.9,
            label=[f"{r.label} (mean {np.mean(v) if v else 0:.3f})" for r, v in zip(runs, rewards)])
    _legend_on_top(ax)
    return fig


def _fig_tool_calls(runs):
    fig = _count_bars("Tool calls per rollout (the long tail)", "tool calls in the episode",
                      [(r.label, [t.tool_calls for t in r.done], c) for r, c in zip(runs, COLOURS)])
    ax = fig.axes[0]
    for r, c in zip(runs, COLOURS):
        p95 = r.summary.get("tool_calls_per_rollout", {}).get("p95")
        if r.done and p95 is not None:
            ax.axvline(p95, color=c, linestyle="--", linewidth=1)
            ax.annotate(" p95", (p95, ax.get_ylim()[1] * 0.7), color=c, fontsize=8, ha="left")
    return fig


def _fig_turns(runs):
    return _count_bars("Turns per rollout", "assistant turns in the episode",
                       [(r.label, [len(t.turns) for t in r.done], c) for r, c in zip(runs, COLOURS)])


def _fig_calls_per_turn(runs):
    fig = _count_bars("Tool calls per turn", "tool calls in one assistant turn",
                      [(r.label, [turn.calls for t in r.done for turn in t.turns], c) for r, c in zip(runs, COLOURS)])
    fig.axes[0].set_ylabel("turns")
    return fig


def _fig_latency(runs):
    latency = [float(r.manifest.get("model_latency_s", r.summary.get("model_latency_s", 1.0))) for r in runs]
    fig, ax = _figure("Simulated latency per rollout", "seconds (model latency per turn + tool time)")
    values = [[sim_latency(t, lat) for t in r.done] for r, lat in zip(runs, latency)]
    flat = [v for vals in values for v in vals]
    if not flat:
        _empty(ax, "no finished episodes")
        return fig
    bins = np.linspace(0, max(flat) * 1.05 or 1.0, 16)
    for r, vals, c, lat in zip(runs, values, COLOURS, latency):
        ax.hist(vals, bins=bins, color=c, alpha=0.55, label=f"{r.label} (mean {np.mean(vals):.2f}s at {lat:g}s/turn)")
        ax.axvline(float(np.mean(vals)), color=c, linewidth=1.5)
    _legend_on_top(ax)
    return fig


def _fig_components(runs):
    fig, ax = _figure("Grader components (mean over rollouts)", "component", "mean")
    per_run = []
    for r in runs:
        comps: dict[str, list[float]] = defaultdict(list)
        for t in r.done:
            for name, value in (t.grade.components if t.grade else {}).items():
                comps[name].append(float(value))
        per_run.append({k: float(np.mean(v)) for k, v in comps.items()})
    names = sorted({k for comps in per_run for k in comps})
    if not names:
        _empty(ax, "the grader reported no components")
        return fig
    xs = np.arange(len(names))
    width = 0.8 / len(runs)
    for i, (r, comps, c) in enumerate(zip(runs, per_run, COLOURS)):
        heights = [comps.get(n, 0.0) for n in names]
        bars = ax.bar(xs + (i - (len(runs) - 1) / 2) * width, heights, width, color=c, label=r.label)
        ax.bar_label(bars, fmt="%.2f", fontsize=7)
    ax.set_xticks(xs, names, rotation=20 if len(names) > 5 else 0)
    _legend_on_top(ax, integer_counts=False)
    return fig


def _fig_learnability(runs):
    fig, ax = _figure("Learnability: reward std within each task's samples", "reward std of the task's group",
                      "tasks")
    groups = []
    for r in runs:
        by_task: dict[str, list[float]] = defaultdict(list)
        for t in r.done:
            by_task[t.task_id].append(t.reward)
        groups.append([float(np.std(v)) for v in by_task.values() if len(v) > 1])
    if not any(groups):
        _empty(ax, "needs several samples per task (rftgym eval --samples K)")
        return fig
    top = max(0.5, max(v for g in groups for v in g) * 1.05)
    bins = np.linspace(0, top, 11)
    labels = [f"{r.label}: {sum(v == 0.0 for v in g)}/{len(g)} groups with zero variance" for r, g in zip(runs, groups)]
    ax.hist(groups, bins=bins, color=COLOURS[:len(runs)], rwidth=0.9, label=labels)
    _legend_on_top(ax)
    return fig


_FIGURES = {"plot-reward": _fig_reward, "plot-tool-calls": _fig_tool_calls, "plot-turns": _fig_turns,
            "plot-calls-per-turn": _fig_calls_per_turn, "plot-latency": _fig_latency,
            "plot-components": _fig_components, "plot-learnability": _fig_learnability}


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


# -- tables --------------------------------------------------------------------------------------
def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _legend(runs: list[_Run]) -> str:
    return " &nbsp; ".join(f"<span class='dot' style='background:{c}'></span><b>{_e(r.label)}</b> "
                           f"<span class='path'>{_e(r.path)}</span>" for r, c in zip(runs, COLOURS))


def _get(summary: dict[str, Any], keys: tuple[str, ...]) -> Any:
    value: Any = summary
    for k in keys:
        if not isinstance(value, dict) or value.get(k) is None:
            return None
        value = value[k]
    return value


def _fmt(value: Any, fmt: str) -> str:
    if value is None:
        return "–"
    try:
        return fmt.format(int(value) if fmt == "{:d}" else value)
    except (ValueError, TypeError):
        return str(value)


def _summary_table(runs: list[_Run]) -> str:
    head = "".join(f"<th style='color:{c}'>{_e(r.label)}</th>" for r, c in zip(runs, COLOURS))
    head += "<th>difference</th>" if len(runs) == 2 else ""
    rows = []
    components = sorted({name for r in runs for t in r.done for name in (t.grade.components if t.grade else {})})
    for label, keys, fmt in _ROWS[:4] + [(f"grader: {c} (mean)", (f"{c}_mean",), "{:.3f}") for c in components] \
            + _ROWS[4:]:
        values = [_get(r.summary, keys) for r in runs]
        if all(v is None for v in values):
            continue
        cells = "".join(f"<td>{_fmt(v, fmt)}</td>" for v in values)
        if len(runs) == 2:
            a, b = values
            diff = (b - a) if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None
            cells += f"<td class='diff'>{'–' if diff is None else ('+' if diff > 0 else '') + _fmt(diff, fmt)}</td>"
        rows.append(f"<tr><th>{_e(label)}</th>{cells}</tr>")
    return f"<table><thead><tr><th>metric</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _task_table(runs: list[_Run]) -> str:
    ids = sorted({tid for r in runs for tid in r.summary.get("per_task", {})})
    if not ids:
        return "<p>No finished episodes.</p>"
    head = "".join(f"<th style='color:{c}'>{_e(r.label)}<br><small>mean ± std (samples)</small></th>"
                   for r, c in zip(runs, COLOURS))
    rows = []
    for tid in ids:
        cells = ""
        for r in runs:
            row = r.summary.get("per_task", {}).get(tid)
            cells += ("<td>–</td>" if row is None else
                      f"<td>{row['reward_mean']:.3f} ± {row['reward_std']:.3f} ({row['samples']})</td>")
        rows.append(f"<tr><th>{_e(tid)}</th>{cells}</tr>")
    return f"<table><thead><tr><th>task</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _provenance(runs: list[_Run]) -> str:
    fields = [("env", lambda m: m.get("env_id")), ("policy", lambda m: m.get("policy")),
              ("seed / samples", lambda m: f"{m.get('seed')} / {m.get('samples')}"),
              ("backend", lambda m: f"{m.get('backend')} (workers {m.get('workers')}, concurrency "
                                    f"{m.get('concurrency') or 'one per worker'})"),
              ("created", lambda m: m.get("created")),
              ("grader", lambda m: f"{(m.get('grader') or {}).get('config', {}).get('type', '?')} "
                                   f"#{(m.get('grader') or {}).get('hash', '?')}"),
              ("repos", lambda m: ", ".join(f"{x['repo'].rsplit('/', 1)[-1]}@{x['sha'][:10]}"
                                            for x in m.get("repos") or [])),
              ("rftgym", lambda m: (m.get("packages") or {}).get("rftgym")),
              ("machine", lambda m: f"{(m.get('machine') or {}).get('platform')}, "
                                    f"{(m.get('machine') or {}).get('cpus')} CPUs")]
    head = "".join(f"<th style='color:{c}'>{_e(r.label)}</th>" for r, c in zip(runs, COLOURS))
    rows = "".join(f"<tr><th>{_e(name)}</th>" + "".join(f"<td>{_e(get(r.manifest) or '–')}</td>" for r in runs)
                   + "</tr>" for name, get in fields)
    return f"<table class='small'><thead><tr><th></th>{head}</tr></thead><tbody>{rows}</tbody></table>"


_CSS = """
body{font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif;margin:2rem auto;
max-width:1400px;padding:0 1.5rem;color:#1f2328;background:#fafbfc}
h1{margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
.sub{color:#57606a}.path{color:#8c959f;font-size:.85em}
.dot{display:inline-block;width:.8em;height:.8em;border-radius:50%;margin-right:.3em;vertical-align:middle}
table{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.06);margin:.5rem 0}
th,td{padding:.35rem .9rem;border-bottom:1px solid #eaeef2;text-align:right;font-variant-numeric:tabular-nums}
thead th{background:#f6f8fa;text-align:center}tbody th{text-align:left;font-weight:500}
td.diff{color:#57606a}table.small td{text-align:left;font-size:.85em}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(620px,1fr));gap:1rem}
figure{margin:0;background:#fff;padding:.6rem;box-shadow:0 1px 2px rgba(0,0,0,.06);border-radius:6px}
figure img{width:100%;height:auto}figcaption{color:#57606a;font-size:.85em;text-align:center}
"""
