"""The ``rftgym train`` command (registered in ``rftgym.cli``): argument parsing and messages only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

console = Console()
err = Console(stderr=True)


def train(
    target: str = typer.Argument(..., help="an env id (rftgym/FileLocalization-v0) or a hosted agent-RFT job spec (.json)"),
    out: Path = typer.Option(..., help="run folder: metrics.jsonl, checkpoint-<step>/, final/, summary.json"),
    model: Optional[str] = typer.Option(None, help="local model: a saved folder or a .gguf file (or a folder holding "
                                        "one); overrides the job's model"),
    env: Optional[str] = typer.Option(None, help="job spec: the rftgym env whose prompt and submit tool to use "
                                      "(default: metadata.rftgym_env, else the rows' system prompt)"),
    lora: bool = typer.Option(False, "--lora", help="train LoRA adapters (peft) instead of every weight"),
    lora_rank: int = typer.Option(8, help="LoRA rank"),
    max_steps: Optional[int] = typer.Option(None, "--max-steps", help="stop after N optimizer steps (overrides n_epochs)"),
    resume: bool = typer.Option(False, "--resume", help="continue from OUT's last checkpoint"),
    max_completion_length: int = typer.Option(256, help="tokens per rollout (all turns), as TRL counts them"),
    beta: float = typer.Option(0.0, help="KL coefficient (> 0 computes and logs the KL to the starting model)"),
    save_steps: int = typer.Option(10, help="a checkpoint every N steps"),
    threads: Optional[int] = typer.Option(None, help="torch CPU threads"),
    batch_size: int = typer.Option(2, help="prompts per step (a job spec's hyperparameters win)"),
    rollouts: int = typer.Option(4, help="rollouts per prompt, the GRPO group (a job spec's compute_multiplier wins)"),
    learning_rate: float = typer.Option(1e-5, help="learning rate (a job spec: its multiplier x 1e-5)"),
    no_eval: bool = typer.Option(False, "--no-eval", help="skip the validation evaluations"),
    sft: Optional[Path] = typer.Option(None, "--sft", help="first fine-tune on these chat rows (JSONL, as rftgym export "
                                       "--format sft writes them), then run GRPO from there"),
    sft_epochs: float = typer.Option(3.0, "--sft-epochs", help="passes over the --sft rows"),
    sft_steps: Optional[int] = typer.Option(None, "--sft-steps", help="SFT optimizer steps (overrides --sft-epochs)"),
    sft_lr: Optional[float] = typer.Option(None, "--sft-lr", help="SFT learning rate (default: --learning-rate)"),
    seed: Optional[int] = typer.Option(None, help="training seed (default: the job's seed, else 0)"),
    result: Optional[Path] = typer.Option(None, "--result", help="also write the held-out before/after (95% "
                                          "intervals over episodes) to this JSON file, e.g. "
                                          "benchmarks/results/train_<name>.json"),
) -> None:
    """Train a local model with GRPO (TRL) on an rftgym env or a hosted agent-RFT job spec."""
    from rftgym.train.spec import JobSpecError
    from rftgym.train.trainer import TrainConfig, TrainError, train as run

    cfg = TrainConfig(target=target, out=str(out), model=model, env=env, lora=lora, lora_rank=lora_rank,
                      max_steps=max_steps, resume=resume, max_completion_length=max_completion_length, beta=beta,
                      save_steps=save_steps, threads=threads, eval=not no_eval, batch_size=batch_size,
                      compute_multiplier=rollouts, learning_rate=learning_rate, sft=str(sft) if sft else None,
                      sft_epochs=sft_epochs, sft_steps=sft_steps, sft_learning_rate=sft_lr, seed=seed)
    if result is not None and no_eval:
        err.print("[bold red]error:[/] --result compares held-out evaluations, and --no-eval skips them; drop one")
        raise typer.Exit(2)
    try:
        summary = run(cfg)
    except (JobSpecError, TrainError) as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2)
    except ImportError as exc:
        err.print(f"[bold red]error:[/] {exc}; install the trainer with pip install 'rftgym[train]' (and torch)")
        raise typer.Exit(2)
    for w in json.loads((out / "config.json").read_text()).get("warnings") or []:
        err.print(f"[yellow]warning:[/] {w}")
    if summary.get("sft"):
        s = summary["sft"]
        console.print(f"SFT: {s['steps']} step(s) on {s['examples']} assistant turn(s), loss {s['loss_first']} -> "
                      f"{s['loss_last']}")
    console.print(f"trained {summary['steps']} step(s) in {summary['wall_s']} s; model: {summary['final']}; "
                  f"metrics: {out / 'metrics.jsonl'}")
    held = summary.get("held_out")
    if held:
        def show(block: dict) -> str:
            r = block["reward_mean"]
            return "n/a" if r["mean"] is None else f"{r['mean']:.3f} [{r['ci95'][0]:.3f}, {r['ci95'][1]:.3f}]"

        console.print(f"held-out reward: {show(held['before'])} ({held['before']['phase']}) -> "
                      f"{show(held['after'])} ({held['after']['phase']}, step {held['after']['step']}); "
                      f"turns {held['before']['turns_mean']['mean']} -> {held['after']['turns_mean']['mean']}")
    if result is not None:
        from rftgym.train.results import result as train_result

        try:
            found = train_result(out)
        except ValueError as exc:  # e.g. no validation split: the run itself is complete in OUT
            err.print(f"[bold red]error:[/] --result: {exc}; the run is complete in {out}")
            raise typer.Exit(2)
        result.parent.mkdir(parents=True, exist_ok=True)
        result.write_text(json.dumps(found, indent=2) + "\n", encoding="utf-8")
        console.print(f"result: {result}")
