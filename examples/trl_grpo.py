"""GRPO with TRL on an rftgym environment: the model calls the env's tools, the env's grader is the reward.

    python examples/trl_grpo.py --env rftgym/FileLocalization-v0 --model Qwen/Qwen3-0.6B

Needs a GPU for anything beyond a toy model, ``pip install 'rftgym[trl]'`` and a model whose chat
template TRL can parse tool calls from (Qwen 2.5/3, Llama 3.1/3.2, GPT-OSS, Gemma 4, ...). Each rollout
is an rftgym episode (``rftgym.integrations.trl``): TRL generates, the tool calls of each assistant
message run as one ``ToolEnv.step`` (concurrently, in a real workspace), and ``get_reward`` is the
env's grade. ``--cpu`` with a tiny local model is a smoke run (the test suite does one). Evaluate the result with
``rftgym eval --policy hf:<out>/final``.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass


@dataclass
class Args:
    env: str = "rftgym/FileLocalization-v0"
    model: str = "Qwen/Qwen3-0.6B"
    tasks: str = ""                  # a task file; default: the env's built-in train split
    out: str = "runs/trl_grpo"
    steps: int = 200
    batch: int = 8                   # prompts x generations per device step
    generations: int = 8             # the GRPO group size
    max_completion_length: int = 2048
    max_tool_calls: int = 12         # TRL's max_tool_calling_iterations
    learning_rate: float = 1e-6
    beta: float = 0.0
    use_vllm: bool = False
    cpu: bool = False                # a smoke run without a GPU (fp32, no gradient checkpointing)
    seed: int = 0


def main(args: Args) -> list[dict]:
    """Train; return the rftgym episodes the trainer's rewards came from."""
    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")  # environment_factory is marked experimental in TRL
    import trl
    from transformers import AutoTokenizer

    from rftgym.integrations.trl import dataset, environment_factory

    tasks = args.tasks or None
    train = dataset(args.env, tasks, split="train").shuffle(seed=args.seed)
    Env = environment_factory(args.env, tasks=tasks, split="all", max_turns=args.max_tool_calls + 1)
    tok = AutoTokenizer.from_pretrained(args.model, padding_side="left")
    config = trl.GRPOConfig(output_dir=args.out, max_steps=args.steps, per_device_train_batch_size=args.batch,
                            num_generations=args.generations, max_completion_length=args.max_completion_length,
                            max_tool_calling_iterations=args.max_tool_calls, learning_rate=args.learning_rate,
                            beta=args.beta, use_vllm=args.use_vllm, logging_steps=1, seed=args.seed,
                            bf16=not args.cpu, gradient_checkpointing=not args.cpu, use_cpu=args.cpu,
                            save_strategy="no", report_to=[])
    trainer = trl.GRPOTrainer(model=args.model, processing_class=tok, args=config, train_dataset=train,
                              environment_factory=Env)
    trainer.train()
    trainer.save_model(f"{args.out}/final")
    rewards = [e["reward"] for e in Env.episodes]
    first, last = rewards[:len(rewards) // 10 or 1], rewards[-(len(rewards) // 10 or 1):]
    print(f"{len(rewards)} rftgym episodes; mean reward first 10% {sum(first) / len(first):.3f}, "
          f"last 10% {sum(last) / len(last):.3f}; model in {args.out}/final")
    return Env.episodes


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for name, default in vars(Args()).items():
        kind = (lambda s: s.lower() in ("1", "true", "yes")) if isinstance(default, bool) else type(default)
        p.add_argument(f"--{name.replace('_', '-')}", type=kind, default=default)
    main(Args(**vars(p.parse_args())))
