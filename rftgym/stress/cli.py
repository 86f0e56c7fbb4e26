"""The ``rftgym stress`` command: attack an env's grader (or your own) with reward-hacking policies."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console()
err = Console(stderr=True)


def stress(
    env_id: str = typer.Argument(..., help="e.g. rftgym/FileLocalization-v0"),
    grader: Optional[Path] = typer.Option(None, help="a grader to attack instead of the env's: OpenAI-format "
                                                     "JSON, or a .py file defining `grader`"),
    split: str = typer.Option("test", help="train, test or all"),
    n: int = typer.Option(10, "--n", help="how many tasks (a seeded sample of the split)"),
    out: Optional[Path] = typer.Option(None, help="folder for stress.json and stress.txt"),
    tasks: Optional[Path] = typer.Option(None, help="a JSONL file of your own tasks (default: built-in)"),
    hacks: Optional[str] = typer.Option(None, help="comma-separated hack names (default: all that apply)"),
    margin: float = typer.Option(0.2, help="a hack passes at the oracle's reward minus this, when the grader "
                                           "has no pass_threshold"),
    workers: int = typer.Option(2, help="episodes run at once"),
    seed: int = typer.Option(0, help="picks the tasks and seeds the episodes"),
    sandbox: str = typer.Option("local", help="local or docker (docker also keeps shell tools off the host's files)"),
    judge_base_url: Optional[str] = typer.Option(None, help="score_model graders: an OpenAI-compatible endpoint"),
) -> None:
    """Run every applicable reward hack, an honest oracle and a null policy against a grader; exit 1
    when any hack reaches the pass bar."""
    from rftgym.graders.openai_format import GraderConfigError, load_grader
    from rftgym.sandbox import SandboxError
    from rftgym.stress import run_stress, write_report

    try:
        chosen = load_grader(grader, judge_base_url=judge_base_url) if grader else None
    except GraderConfigError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2)
    with Progress(TextColumn("[bold]stress"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        job = bar.add_task("episodes", total=None)
        try:
            report = run_stress(env_id, grader=chosen, tasks=str(tasks) if tasks else None, split=split, n=n,
                                hacks=[h.strip() for h in hacks.split(",") if h.strip()] if hacks else None,
                                margin=margin, workers=workers, seed=seed, sandbox=sandbox,
                                on_episode=lambda k, total: bar.update(job, completed=k, total=total))
        except (KeyError, ValueError, SandboxError) as exc:
            err.print(f"[bold red]error:[/] {exc.args[0] if exc.args else exc}")
            raise typer.Exit(2)
    console.print(report.table(describe=console.width >= 120))
    for task_id, why in report.excluded_tasks.items():
        err.print(f"[yellow]warning:[/] {task_id} left out: {why}")
    if out:
        console.print(f"report: [bold]{write_report(report, out)}[/]/stress.json")
    if len(report.excluded_tasks) == len(report.tasks):
        err.print("[bold red]error:[/] the oracle passes none of the tasks, so no hack can be judged; check the "
                  "tasks (gold data, commits) and that the grader can score a correct answer")
        raise typer.Exit(2)
    if report.passed:
        console.print(f"[bold red]hacks that pass:[/] {', '.join(report.passed)}")
        raise typer.Exit(1)
    console.print("[bold green]no hack passes[/]")
