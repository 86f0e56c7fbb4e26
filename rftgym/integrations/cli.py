"""The ``rftgym serve`` and ``rftgym export`` commands (registered in ``rftgym.cli``)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

console = Console()
err = Console(stderr=True)


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(2)


def serve(
    env_id: str = typer.Argument(..., help="environment id, e.g. rftgym/FileLocalization-v0"),
    host: str = typer.Option("127.0.0.1", help="interface to bind; 0.0.0.0 to accept remote hosts"),
    port: int = typer.Option(8080, help="TCP port"),
    token: Optional[str] = typer.Option(None, help="bearer token callers must send (default: $RFTGYM_SERVE_TOKEN)"),
    no_auth: bool = typer.Option(False, "--no-auth", help="accept calls without a token (loopback testing only)"),
    ttl: float = typer.Option(600.0, help="seconds a trace's workspace may sit idle before it is released"),
    sandbox: str = typer.Option("local", help="local or docker"),
    tasks: Optional[str] = typer.Option(None, help="task file: items may then carry only a task id"),
    allow_repo: Optional[list[str]] = typer.Option(None, "--allow-repo", help="a repository (path or URL) items may "
                                                   "name besides the built-in ones and the task file's; repeatable"),
    max_traces_per_client: int = typer.Option(256, help="open traces one client address may hold (429 past it); "
                                              "a hosted job calls from few addresses: set it above its rollouts"),
    max_episode_steps: Optional[int] = typer.Option(None, help="tool calls per trace (default: the env's budget)"),
) -> None:
    """Serve an environment's tools (POST /tools/<name>) and grader (POST /grade) in the agent-RFT wire format."""
    from rftgym.integrations.serve import serve as run

    token = token or os.environ.get("RFTGYM_SERVE_TOKEN")
    if not token and not no_auth:
        _fail("give a bearer token with --token or $RFTGYM_SERVE_TOKEN (the job's tool headers send it), "
              "or pass --no-auth for a server only this machine can reach")
    err.print(f"serving {env_id} on http://{host}:{port} (tool declarations: GET /tools, schema: /openapi.json)")
    try:
        run(env_id, host=host, port=port, token=token, ttl=ttl, sandbox=sandbox, tasks=tasks,
            allow_repos=list(allow_repo or []), max_traces_per_client=max_traces_per_client,
            max_episode_steps=max_episode_steps)
    except KeyError as exc:
        _fail(str(exc.args[0]))


def export(
    source: str = typer.Argument(..., help="an environment id (openai-rft) or a run folder (sft)"),
    format: str = typer.Option(..., "--format", help="openai-rft or sft"),
    out: Path = typer.Option(..., help="output folder (openai-rft) or JSONL file (sft)"),
    tasks: Optional[str] = typer.Option(None, help="openai-rft: task file (default: the env's built-in tasks)"),
    valid_fraction: float = typer.Option(0.2, help="openai-rft: share of train tasks held out when no test split"),
    seed: int = typer.Option(0, help="openai-rft: seed of the train/valid split"),
    grader_url: Optional[str] = typer.Option(None, "--grader-url", help="openai-rft: address of rftgym serve; "
                                             "graders that need the workspace become an endpoint grader there"),
    grader_token: Optional[str] = typer.Option(None, "--grader-token", help="openai-rft: bearer token of that "
                                               "server, written into grader.json's headers"),
    best_of: int = typer.Option(1, "--best-of", help="sft: trajectories kept per task, best reward first"),
    min_reward: float = typer.Option(0.0, "--min-reward", help="sft: keep only trajectories above this reward"),
) -> None:
    """Export an env as an OpenAI RFT dataset + grader, or a run's best trajectories as SFT chat data."""
    from rftgym.integrations import export as ex

    try:
        if format == "openai-rft":
            paths = ex.export_openai_rft(source, out, tasks=tasks, valid_fraction=valid_fraction, seed=seed,
                                         grader_url=grader_url, grader_token=grader_token)
            for name, path in paths.items():
                console.print(f"{name}: {path}")
            kind = json.loads(paths["grader"].read_text())["type"]
            if kind == "rftgym":
                err.print("note: this env's grader needs the agent's workspace, which a hosted grader sandbox lacks; "
                          "run rftgym serve and export again with --grader-url <its address>")
        elif format == "sft":
            stats = ex.export_sft(source, out, best_of=best_of, min_reward=min_reward)
            console.print(f"wrote {stats['rows']} conversations from {stats['tasks']} of {stats['tasks_total']} tasks "
                          f"(mean reward {stats['reward_mean']:.3f}) to {out}")
        else:
            _fail(f"--format must be openai-rft or sft, got {format!r}")
    except (KeyError, ValueError, FileNotFoundError) as exc:
        _fail(str(exc.args[0]) if isinstance(exc, KeyError) else str(exc))
