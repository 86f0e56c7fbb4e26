"""The ``rftgym`` command line: list environments, evaluate policies, compare runs, manage repos."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Gymnasium environments for agent RFT on codebases.")
repos_app = typer.Typer(no_args_is_help=True, help="Built-in repositories.")
app.add_typer(repos_app, name="repos")
console = Console()
err = Console(stderr=True)


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


@app.command()
def envs() -> None:
    """List the registered environments with their task counts and tools."""
    import rftgym.envs as registry
    from rftgym.tasks import builtin_tasks

    table = Table(title="rftgym environments")
    for col in ("id", "description", "train", "test", "tools"):
        table.add_column(col)
    for env_id, spec in sorted(registry.SPECS.items()):
        tools = ", ".join([getattr(t, "name", t) for t in spec.tools] + [spec.submit.name])
        try:
            tasks = builtin_tasks(spec.task_kind)
        except ValueError as exc:  # a broken task file should not hide the other environments
            table.add_row(env_id, spec.description, "!", "!", tools)
            err.print(f"[yellow]warning:[/] {env_id}: {exc}")
            continue
        train = sum(t.split == "train" for t in tasks)
        table.add_row(env_id, spec.description, str(train), str(len(tasks) - train), tools)
    console.print(table)


@app.command("eval")
def eval_(
    env_id: str = typer.Argument(..., help="e.g. rftgym/FileLocalization-v0"),
    policy: str = typer.Option("scripted:parallel", help="policy spec: scripted:sequential, scripted:parallel, random"),
    split: Optional[str] = typer.Option(None, help="train, test or all (default: test for built-in tasks, all for --tasks)"),
    tasks: Optional[Path] = typer.Option(None, help="JSONL file of your own tasks (id, prompt, repo, commit, gold_files)"),
    out: Optional[Path] = typer.Option(None, help="run folder (default: runs/<env>-<policy>-<time>)"),
    samples: int = typer.Option(1, help="episodes per task (a GRPO group)"),
    seed: int = typer.Option(0, help="run seed; each episode's seed derives from it"),
    workers: int = typer.Option(2, help="episodes run at once"),
    model_latency: float = typer.Option(1.0, help="seconds per model turn assumed by sim_latency_s"),
    max_turns: Optional[int] = typer.Option(None, help="override the env's turn budget"),
    sandbox: str = typer.Option("local", help="local or docker"),
    backend: str = typer.Option("thread", help="thread or ray"),
    resume: bool = typer.Option(False, help="continue an interrupted run in --out"),
    limit: Optional[int] = typer.Option(None, help="only the first N tasks"),
) -> None:
    """Evaluate a policy on an environment; writes a run folder and prints the summary."""
    import rftgym.envs as registry
    from rftgym.rollout import rollout
    from rftgym.tasks import load_tasks

    try:
        spec = registry.get_spec(env_id)
    except KeyError as exc:
        _fail(str(exc.args[0]))
    split = split or ("all" if tasks else "test")
    try:
        task_list = load_tasks(str(tasks) if tasks else None, kind=spec.task_kind, split=split)
    except ValueError as exc:
        _fail(str(exc))
    if limit:
        task_list = task_list[:limit]
    if out is None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        out = Path("runs") / f"{spec.name}-{policy.replace(':', '-').replace('/', '_')}-{stamp}"
    env_kwargs = {"sandbox": sandbox}
    if max_turns:
        env_kwargs["max_turns"] = max_turns
    total = len(task_list) * samples
    rewards: list[float] = []
    failures = [0]
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("reward {task.fields[reward]:.3f}  failed {task.fields[failed]}"),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=False) as bar:
        job = bar.add_task(f"{spec.name} · {policy}", total=total, reward=0.0, failed=0)

        def on_episode(traj, n, _total):
            rewards.append(traj.reward)
            failures[0] += traj.error is not None
            bar.update(job, completed=n, reward=sum(rewards) / len(rewards), failed=failures[0])

        try:
            result = rollout(spec.env_id, policy, task_list, split="all", samples=samples, seed=seed, workers=workers,
                             env_kwargs=env_kwargs, out=out, resume=resume, model_latency=model_latency,
                             backend=backend, on_episode=on_episode)
        except (ValueError, FileExistsError, KeyError) as exc:
            _fail(str(exc.args[0]) if exc.args else str(exc))
    _print_summary([(str(out), result.summary)])
    console.print(f"run folder: [bold]{out}[/]")


_ROWS = [("episodes", "episodes"), ("reward_mean", "reward_mean"), ("f1_mean", "f1_mean"),
         ("precision_mean", "precision_mean"), ("recall_mean", "recall_mean"),
         ("turns/rollout (mean)", ("turns_per_rollout", "mean")), ("turns/rollout (p95)", ("turns_per_rollout", "p95")),
         ("tool calls/rollout (mean)", ("tool_calls_per_rollout", "mean")),
         ("tool calls/rollout (max)", ("tool_calls_per_rollout", "max")), ("calls/turn", "calls_per_turn_mean"),
         ("tool errors", "tool_errors_count"), ("tool latency mean (s)", "tool_execution_latency_mean"),
         ("sim latency mean (s)", "sim_latency_s_mean"), ("failed episodes", "episodes_failed")]


def _value(summary: dict, key) -> str:
    v = summary
    for k in key if isinstance(key, tuple) else (key,):
        if not isinstance(v, dict) or k not in v:
            return "-"
        v = v[k]
    return f"{v:.4f}" if isinstance(v, float) else str(v)


def _print_summary(runs: list[tuple[str, dict]]) -> None:
    table = Table(show_header=True)
    table.add_column("metric")
    for name, summary in runs:
        table.add_column(summary.get("policy") or name)
    for label, key in _ROWS:
        if all(_value(s, key) == "-" for _, s in runs):
            continue
        table.add_row(label, *[_value(s, key) for _, s in runs])
    console.print(table)


@app.command()
def compare(runs: list[Path] = typer.Argument(..., help="run folders to put side by side")) -> None:
    """Print the summaries of several runs side by side."""
    loaded = []
    for r in runs:
        p = r / "summary.json"
        if not p.exists():
            _fail(f"{r} has no summary.json; pass run folders written by `rftgym eval`")
        loaded.append((str(r), json.loads(p.read_text())))
    _print_summary(loaded)


@repos_app.command("list")
def repos_list() -> None:
    """Built-in repositories with their commit SHAs and sizes."""
    from rftgym.sandbox.repos import builtin_commit, builtin_repo_names, builtin_repos_dir, walk_visible

    table = Table()
    for col in ("repo", "commit", "files", "python lines"):
        table.add_column(col)
    for name in builtin_repo_names():
        code = builtin_repos_dir() / name / "code"
        py = [f for f in walk_visible(code) if f.endswith(".py")]
        lines = sum(len((code / f).read_text().splitlines()) for f in py)
        table.add_row(name, builtin_commit(name), str(len(walk_visible(code))), str(lines))
    console.print(table)


@repos_app.command("pin")
def repos_pin() -> None:
    """Write each built-in repo's commit SHA into its task files (maintainers, after editing a repo)."""
    from rftgym.sandbox.repos import builtin_commit, builtin_repo_names, builtin_repos_dir

    for name in builtin_repo_names():
        sha = builtin_commit(name)
        for path in sorted((builtin_repos_dir() / name / "tasks").glob("*.jsonl")):
            rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
            for row in rows:
                row["commit"] = sha
            path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
            console.print(f"{path}: {len(rows)} tasks pinned to {sha[:12]}")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted; finished episodes are in the run folder (continue with --resume)")
        sys.exit(130)


if __name__ == "__main__":
    main()
