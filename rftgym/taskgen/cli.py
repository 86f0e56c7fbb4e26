"""The ``rftgym tasks`` commands: ``generate`` task files from a repository, ``validate`` a task file."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

tasks_app = typer.Typer(no_args_is_help=True, help="Generate and validate task files.")
console = Console()
err = Console(stderr=True)


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def _bar() -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=False)


@tasks_app.command("generate")
def generate_cmd(
    repo: str = typer.Option(..., help="a built-in repo name, a local git repository or a git URL"),
    kind: str = typer.Option("bugfix", help="bugfix, localization or qa (rftgym.taskgen.GENERATORS)"),
    out: Path = typer.Option(..., help="the JSONL file to write"),
    n: int = typer.Option(50, "--n", help="how many tasks (history: at most this many)"),
    seed: int = typer.Option(0, help="picks the mutants and the train/test split"),
    source: Optional[str] = typer.Option(None, help="localization: mutation (default) or history"),
    commit: Optional[str] = typer.Option(None, help="generate at this commit (default: HEAD, or the built-in pin)"),
    workers: int = typer.Option(2, help="test runs at once"),
    timeout: float = typer.Option(30.0, help="seconds per mutant run (plus 5x its tests' time at the commit)"),
    recipes: Optional[Path] = typer.Option(None, help="bugfix --source history: a recipes file with the repo's "
                                           "environment (rftgym.sandbox.recipes)"),
    max_candidates: Optional[int] = typer.Option(None, help="bugfix --source history: run at most this many fix "
                                                 "commits, newest first (default: 3 x --n)"),
    reruns: int = typer.Option(2, min=0, help="bugfix --source history: run the tests of each state this many more "
                               "times; tests whose outcome changes are flaky and left out (0: no reruns)"),
) -> None:
    """Generate tasks from a repository: mutants caught by its tests, or fix commits from its history."""
    from rftgym.sandbox import SandboxError
    from rftgym.taskgen import TaskgenError, generate, write_jsonl

    start = time.perf_counter()
    with _bar() as bar:
        job = bar.add_task("starting", total=None)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(job, description=stage, completed=done, total=total)

        drops: dict[str, int] = {}

        def dropped(sha: str, why: str) -> None:
            reason = why.split(":", 1)[0]
            drops[reason] = drops.get(reason, 0) + 1

        try:
            rows = generate(kind, repo, n=n, seed=seed, source=source, commit=commit, workers=workers,
                            timeout=timeout, recipes=str(recipes) if recipes else None,
                            max_candidates=max_candidates, reruns=reruns, dropped=dropped, progress=progress)
        except (TaskgenError, SandboxError) as exc:
            _fail(str(exc))
    if drops:
        err.print(f"dropped {sum(drops.values())} fix commits: "
                  + "; ".join(f"{count} {why}" for why, count in sorted(drops.items(), key=lambda kv: -kv[1])))
    write_jsonl(rows, out)
    test = sum(r.get("split") == "test" for r in rows)
    console.print(f"{len(rows)} {kind} tasks ({len(rows) - test} train, {test} test) written to [bold]{out}[/] "
                  f"in {time.perf_counter() - start:.0f}s")
    if len(rows) < n and kind in ("bugfix", "localization") and (source or "mutation") == "mutation":
        err.print(f"[yellow]warning:[/] only {len(rows)} of the {n} tasks asked for: the tests caught no more mutants")


@tasks_app.command("validate")
def validate_cmd(
    file: Path = typer.Argument(..., help="a task JSONL file"),
    workers: int = typer.Option(2, help="tasks checked at once"),
    timeout: float = typer.Option(300.0, help="seconds per test run"),
) -> None:
    """Check a task file: commits resolve, gold files exist; for bug fixes, the gold patch scores 1 and no
    change scores 0."""
    from rftgym.tasks import load_tasks
    from rftgym.taskgen.validate import summary, validate

    try:
        tasks = load_tasks(str(file), split="all")
    except ValueError as exc:
        _fail(str(exc))
    with _bar() as bar:
        job = bar.add_task("validating", total=len(tasks))
        results = validate(tasks, workers=workers, timeout=timeout,
                           progress=lambda stage, done, total: bar.update(job, completed=done))
    ok, bad = summary(results)
    if bad:
        table = Table("task", "problem")
        for task_id, problems in results.items():
            for p in problems:
                table.add_row(task_id, p)
        console.print(table)
    console.print(f"{ok} valid, {bad} invalid of {len(results)} tasks in {file}")
    if bad:
        raise typer.Exit(1)
