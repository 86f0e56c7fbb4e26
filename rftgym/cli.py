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
images_app = typer.Typer(no_args_is_help=True, help="Container images for the docker sandbox.")
app.add_typer(images_app, name="images")
sandbox_app = typer.Typer(no_args_is_help=True, help="Docker sandbox housekeeping.")
app.add_typer(sandbox_app, name="sandbox")
from rftgym.taskgen.cli import tasks_app  # noqa: E402  (the `rftgym tasks` commands live with taskgen)

app.add_typer(tasks_app, name="tasks")
from rftgym.graders.cli import graders_app  # noqa: E402  (the `rftgym graders` commands live with graders)
from rftgym.stress.cli import stress  # noqa: E402  (the `rftgym stress` command lives with the harness)

app.add_typer(graders_app, name="graders")
app.command("stress")(stress)
from rftgym.integrations.cli import export, serve  # noqa: E402  (serve/export live with the integrations)

app.command("serve")(serve)
app.command("export")(export)
from rftgym.train.cli import train  # noqa: E402  (the `rftgym train` command lives with the trainer)

app.command("train")(train)
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
    policy: str = typer.Option("scripted:parallel", help="policy spec: scripted:sequential, scripted:parallel, random, "
                               "openai:<model>, hf:<model path>, replay:<run folder>"),
    split: Optional[str] = typer.Option(None, help="train, test or all (default: test for built-in tasks, all for --tasks)"),
    tasks: Optional[Path] = typer.Option(None, help="JSONL file of your own tasks (id, prompt, repo, commit, gold_files), "
                                         "or SWE-bench/SWE-smith/R2E-Gym/Multi-SWE-bench/Loc-Bench rows, or Harbor folders"),
    task_format: Optional[str] = typer.Option(None, help="format of --tasks (default: detected): rftgym, swebench, "
                                              "swesmith, r2egym, multiswebench, harbor"),
    out: Optional[Path] = typer.Option(None, help="run folder (default: runs/<env>-<policy>-<time>)"),
    samples: int = typer.Option(1, help="episodes per task (a GRPO group)"),
    seed: int = typer.Option(0, help="run seed; each episode's seed derives from it"),
    workers: int = typer.Option(2, help="worker threads (thread backend) or Ray actors (ray backend)"),
    model_latency: float = typer.Option(1.0, help="seconds per model turn assumed by sim_latency_s"),
    max_turns: Optional[int] = typer.Option(None, help="override the env's turn budget"),
    sandbox: str = typer.Option("local", help="local or docker"),
    image: Optional[str] = typer.Option(None, help="docker: image for tasks that name none (default: rftgym-base:bookworm)"),
    backend: str = typer.Option("thread", help="thread or ray (--address implies ray)"),
    address: Optional[str] = typer.Option(None, help="ray: an existing cluster (auto, ray://host:10001); default: an "
                                          "embedded local Ray"),
    concurrency: Optional[int] = typer.Option(None, help="episodes in flight across all workers (default: one per "
                                              "worker); raise it for a policy that waits on a model"),
    max_retries: int = typer.Option(2, help="ray: reruns of an episode whose worker process died"),
    resume: bool = typer.Option(False, help="continue an interrupted run in --out"),
    limit: Optional[int] = typer.Option(None, help="only the first N tasks"),
    base_url: Optional[str] = typer.Option(None, help="openai: endpoint, e.g. http://127.0.0.1:8000/v1 "
                                           "(default: OPENAI_BASE_URL, else OpenAI)"),
    api_key: Optional[str] = typer.Option(None, help="openai: API key (default: OPENAI_API_KEY; a local "
                                          "--base-url needs none)"),
    tool_format: Optional[str] = typer.Option(None, help="openai: native, hermes or json; hf: hermes or json"),
    temperature: Optional[float] = typer.Option(None, help="openai:/hf: sampling temperature"),
    top_p: Optional[float] = typer.Option(None, help="openai:/hf: nucleus sampling"),
    max_tokens: Optional[int] = typer.Option(None, help="openai:/hf: tokens per model turn"),
    model_seed: Optional[str] = typer.Option(None, help="openai: seed sent with each request: an integer, or 'episode'"),
    parallel_tool_calls: Optional[bool] = typer.Option(None, "--parallel-tool-calls/--no-parallel-tool-calls",
                                                       help="openai: allow several tool calls per turn"),
    tool_choice: Optional[str] = typer.Option(None, help="openai: auto, required or none"),
    rpm: Optional[float] = typer.Option(None, help="openai: requests per minute, for the whole run"),
    rollout_deadline: Optional[float] = typer.Option(None, help="seconds one rollout may take in all (sandbox, turns, "
                                                     "grading, teardown); past it the episode is an infra failure. "
                                                     "Default: 2 x the env's max_seconds + 300; 0: none"),
    tpm: Optional[float] = typer.Option(None, help="openai: tokens per minute, for the whole run"),
    share_workspaces: Optional[bool] = typer.Option(None, "--share-workspaces/--private-workspaces",
                                                    help="local sandbox: one workspace per snapshot for episodes "
                                                    "whose tools and grader only read (default: when they do), "
                                                    "or a copy per episode"),
) -> None:
    """Evaluate a policy on an environment; writes a run folder and prints the summary."""
    import rftgym.envs as registry
    from rftgym.policies import PolicyFatalError
    from rftgym.rollout import rollout
    from rftgym.sandbox import SandboxError
    from rftgym.tasks import load_tasks

    try:
        spec = registry.get_spec(env_id)
    except KeyError as exc:
        _fail(str(exc.args[0]))
    split = split or ("all" if tasks else "test")
    try:
        task_list = load_tasks(str(tasks) if tasks else None, kind=spec.task_kind, split=split,
                               task_format=task_format)
    except ValueError as exc:
        _fail(str(exc))
    if limit:
        task_list = task_list[:limit]
    if out is None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        out = Path("runs") / f"{spec.name}-{policy.replace(':', '-').replace('/', '_')}-{stamp}"
    policy_options = {k: v for k, v in {
        "base_url": base_url, "api_key": api_key, "tool_format": tool_format, "temperature": temperature,
        "top_p": top_p, "max_tokens": max_tokens, "seed": model_seed, "parallel_tool_calls": parallel_tool_calls,
        "tool_choice": tool_choice, "rpm": rpm, "tpm": tpm}.items() if v is not None}
    if policy.startswith("oracle:"):  # the oracle plays from the gold of the tasks it is run on
        policy_options["tasks"] = task_list
    env_kwargs = {"sandbox": sandbox}
    if image:
        env_kwargs["image"] = image
    if sandbox == "docker":  # a missing engine or image fails here, not once per episode
        from rftgym.sandbox.images import require_images

        try:
            require_images({getattr(t, "image", None) or image for t in task_list})
        except SandboxError as exc:
            _fail(str(exc))
    if max_turns:
        env_kwargs["max_turns"] = max_turns
    if share_workspaces is not None:
        env_kwargs["share_workspaces"] = share_workspaces
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
                             backend="ray" if address else backend, on_episode=on_episode,
                             policy_options=policy_options, concurrency=concurrency, address=address,
                             max_retries=max_retries, deadline_s=rollout_deadline, stream=True)
        except PolicyFatalError as exc:
            _fail(f"{exc}\nthe run stopped; finished episodes are in {out}", code=1)
        except SandboxError as exc:
            _fail(str(exc))
        except (ValueError, FileExistsError, KeyError) as exc:
            _fail(str(exc.args[0]) if exc.args else str(exc))
        except RuntimeError as exc:  # the runner's own: Ray missing, Ray workers that cannot start
            _fail(str(exc))
    _print_summary([(str(out), result.summary)])
    console.print(f"run folder: [bold]{out}[/]")


@tasks_app.command("convert")
def tasks_convert(
    source: Path = typer.Argument(..., help="a task file (JSONL/JSON) or a Harbor task folder"),
    to: str = typer.Option("rftgym", help="output format (only rftgym)"),
    out: Path = typer.Option(..., help="the JSONL file to write"),
    kind: str = typer.Option("localization", help="localization, bugfix or funcloc"),
    task_format: Optional[str] = typer.Option(None, help="input format (default: detected)"),
) -> None:
    """Convert tasks of the field (SWE-bench, SWE-smith, R2E-Gym, Multi-SWE-bench, Loc-Bench, Harbor) to rftgym rows."""
    from rftgym import taskformats

    if to != "rftgym":
        _fail(f"--to must be rftgym, got {to!r}")
    try:
        rows = taskformats.load(source, task_format, kind)
    except ValueError as exc:
        _fail(str(exc))
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    console.print(f"wrote {len(rows)} {kind} task(s) to {out}")


_ROWS = [("episodes", "episodes"), ("reward_mean", "reward_mean"), ("f1_mean", "f1_mean"),
         ("precision_mean", "precision_mean"), ("recall_mean", "recall_mean"),
         ("turns/rollout (mean)", ("turns_per_rollout", "mean")), ("turns/rollout (p95)", ("turns_per_rollout", "p95")),
         ("tool calls/rollout (mean)", ("tool_calls_per_rollout", "mean")),
         ("tool calls/rollout (max)", ("tool_calls_per_rollout", "max")), ("calls/turn", "calls_per_turn_mean"),
         ("tool errors", "tool_errors_count"), ("tool latency mean (s)", "tool_execution_latency_mean"),
         ("sim latency mean (s)", "sim_latency_s_mean"), ("failed episodes", "episodes_failed"),
         ("prompt tokens", ("usage", "prompt_tokens")), ("completion tokens", ("usage", "completion_tokens"))]


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


@app.command()
def replay(
    run: Path = typer.Argument(..., help="a run folder written by `rftgym eval`"),
    workers: int = typer.Option(2, help="episodes replayed at once"),
    limit: Optional[int] = typer.Option(None, help="only the first N episodes"),
) -> None:
    """Re-execute every recorded action of a run in fresh environments and check each observation and
    reward; exits 1 on any difference (showing the first one of each episode), 0 when all match."""
    from rftgym.rollout.replay import replay_run

    try:
        report = replay_run(run, workers=workers, limit=limit)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        _fail(str(exc.args[0]) if exc.args else str(exc))
    for problem in report.problems:
        err.print(f"[bold red]problem:[/] {problem}", highlight=False)
    for ep in report.mismatches:
        # soft_wrap: a diff reads line by line, so rich must not re-wrap it to the terminal width
        console.print(f"[bold red]differs[/] {ep.task_id}#{ep.sample} at {ep.where}", highlight=False,
                      soft_wrap=True)
        console.print(ep.diff, markup=False, highlight=False, soft_wrap=True)
    partial = sum(e.recorded_error for e in report.episodes)
    note = f"; {partial} recorded with an error, replayed as far as they went" if partial else ""
    matched = len(report.episodes) - len(report.mismatches)
    colour = "green" if report.ok else "red"
    console.print(f"[bold {colour}]replayed {len(report.episodes)} episode(s): {matched} match, "
                  f"{len(report.mismatches)} differ[/]{note}")
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def report(
    run: Path = typer.Argument(..., help="a run folder written by `rftgym eval`, or a `rftgym train` folder (curves)"),
    vs: Optional[Path] = typer.Option(None, "--vs", help="a second run folder to put side by side"),
    out: Optional[Path] = typer.Option(None, help="the HTML file to write (default: RUN/report.html)"),
) -> None:
    """Write a self-contained HTML report with plots of one run, or two side by side; training curves for train folders."""
    from rftgym.report import write_report

    try:
        path = write_report([run] + ([vs] if vs else []), out or run / "report.html")
    except (FileNotFoundError, ValueError) as exc:
        _fail(str(exc.args[0]) if exc.args else str(exc))
    console.print(f"report: [bold]{path}[/]")


@app.command()
def view(
    run: Path = typer.Argument(..., help="a run folder written by `rftgym eval` (or a training folder)"),
    vs: Optional[Path] = typer.Option(None, "--vs", help="a second run folder: same task and sample side by side"),
    port: int = typer.Option(8765, help="the port to serve on (0: any free port)"),
    host: str = typer.Option("127.0.0.1", help="the address to bind; trajectories hold code, keep it local"),
) -> None:
    """Browse a run's trajectories in a local web app (live: new episodes appear as they are written)."""
    from rftgym.view import RunFolderError, make_server

    try:
        server = make_server(run, vs, host=host, port=port)
    except RunFolderError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot listen on {host}:{port} ({exc.strerror or exc}); pass another --port")
    for r in server.runs:
        console.print(f"{r.dir}: {len(r.rows)} episode(s)" + "".join(f"\n  [yellow]note:[/] {n}" for n in r.notes))
    console.print(f"serving [bold]{server.url}[/] (Ctrl-C stops)")
    try:
        server.serve_forever()
    finally:
        server.server_close()


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
    from rftgym.sandbox.derived import pin_row
    from rftgym.sandbox.repos import builtin_commit, builtin_repo_names, builtin_repos_dir

    for name in builtin_repo_names():
        sha = builtin_commit(name)
        for path in sorted((builtin_repos_dir() / name / "tasks").glob("*.jsonl")):
            rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
            for row in rows:
                pin_row(row, name, sha)  # bug-fix rows: their bug commit is rebuilt on the new SHA
            path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
            console.print(f"{path}: {len(rows)} tasks pinned to {sha[:12]}")


@images_app.command("build")
def images_build(
    method: str = typer.Option("auto", "--from", help="auto (the Dockerfile when a registry is reachable, else "
                               "debootstrap), dockerfile, or debootstrap (offline: the machine's apt mirror; root)"),
    name: Optional[str] = typer.Option(None, help="image name (default: rftgym-base:bookworm)"),
    force: bool = typer.Option(False, help="rebuild even when the image exists"),
    for_tasks: Optional[Path] = typer.Option(None, "--for", help="build the environment images of this task file's "
                                             "recipes (rftgym-env:<hash>, from the base image) instead"),
    local: bool = typer.Option(False, help="with --for: build the recipes' local venvs (the local sandbox's) instead"),
) -> None:
    """Build the docker sandbox's base image: python3, git, ripgrep and a non-root user; with --for, the
    images (or --local venvs) of a task set's environment recipes."""
    from rftgym.sandbox import SandboxError
    from rftgym.sandbox.images import DEFAULT_IMAGE, build_image

    if for_tasks is not None:
        _build_for(for_tasks, base=name or DEFAULT_IMAGE, force=force, local=local)
        return
    name = name or DEFAULT_IMAGE
    try:
        built = build_image(name, method, force=force, log=lambda line: err.print(line, markup=False, highlight=False))
    except SandboxError as exc:
        _fail(str(exc))
    if built is None:
        console.print(f"{name} exists; pass --force to rebuild it")
    else:
        console.print(f"built [bold]{built.name}[/] with {built.method} in {built.seconds:.0f}s ({built.size_mb:.0f} MB)")


def _build_for(tasks: Path, *, base: str, force: bool, local: bool) -> None:
    """``images build --for``: every recipe the tasks of ``tasks`` use, built once each."""
    from rftgym.sandbox import SandboxError
    from rftgym.sandbox.images import build_recipe_image
    from rftgym.sandbox.recipes import build_venv, lookup
    from rftgym.tasks import load_tasks

    try:
        task_list = load_tasks(str(tasks), kind="bugfix", split="all")
    except ValueError as exc:
        _fail(str(exc))
    except SandboxError as exc:
        _fail(str(exc))
    recipes = {t.image: lookup(t.image) for t in task_list if lookup(t.image) is not None}
    if not recipes:
        _fail(f"no task in {tasks} uses an environment recipe; add a recipes file beside it "
              f"({tasks.with_suffix('.recipes.json').name}, see rftgym.sandbox.recipes)")
    log = lambda line: err.print(line, markup=False, highlight=False)  # noqa: E731
    for image, recipe in sorted(recipes.items()):
        start = time.perf_counter()
        try:
            if local:
                env = build_venv(recipe)
                state = "built" if env.built else "cached"
                console.print(f"{recipe.label()}: venv {state} at {env.root} ({time.perf_counter() - start:.0f}s)")
                continue
            built = build_recipe_image(recipe, base, force=force, log=log)
        except SandboxError as exc:
            _fail(str(exc))
        if built is None:
            console.print(f"{recipe.label()}: {image} exists; pass --force to rebuild it")
        else:
            console.print(f"{recipe.label()}: built [bold]{image}[/] in {built.seconds:.0f}s ({built.size_mb:.0f} MB)")


@sandbox_app.command("gc")
def sandbox_gc(everything: bool = typer.Option(False, "--all", help="remove every rftgym container and local workspace, live runs' too")) -> None:
    """Remove sandbox leftovers whose run is gone (its process died, e.g. after kill -9): docker containers and local workspace copies."""
    from rftgym.sandbox import SandboxError
    from rftgym.sandbox.engine import gc
    from rftgym.sandbox.local import gc_local

    removed, kept = gc_local(everything=everything)
    console.print(f"removed {len(removed)} local workspace(s); kept {kept} of live runs")
    try:
        report = gc(everything=everything)
    except SandboxError as exc:
        console.print(f"docker: skipped ({str(exc).split('. ')[0]})")
        return
    others = f"; {report.other_hosts} from other hosts left alone (--all removes them)" if report.other_hosts else ""
    console.print(f"removed {len(report.removed)} container(s); kept {report.kept} of live runs{others}")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted; finished episodes are in the run folder (continue with --resume)")
        sys.exit(130)


if __name__ == "__main__":
    main()
