"""Intervals over training seeds: ``bench_train_sft.py`` results of one recipe, each trained with its own ``--seed``.

    python benchmarks/bench_train_seeds.py RESULT.json RESULT.json [...] [--out benchmarks/results/train_sft_seeds.json]

Each input is one training run's result (base / SFT / SFT+GRPO on the same held-out tasks, intervals
over its episodes). The runs must share every setting but the seed: a difference is an error that
names it. Writes, for each phase and metric, the mean over seeds of the per-seed means with a 95%
t-interval over seeds (``n`` = seeds: what a second training run would be expected to give, not
how noisy one evaluation is), the same for the per-seed paired differences (``sft_minus_base``,
``grpo_minus_sft``, ``grpo_minus_base``), ``before``/``after`` (= base / SFT+GRPO) as in every
``train_*.json``, and each seed's own means.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PHASES = {"base": "base", "sft": "sft_only", "sft_grpo": "sft_grpo"}
METRICS = ("reward_mean", "f1_mean", "turns_mean", "calls_per_turn_mean", "tool_errors_mean", "submitted_frac",
           "parsed_call_rate")
DIFFERENCES = ("sft_minus_base", "grpo_minus_sft", "grpo_minus_base")
RUN_FLAGS = {"seed", "resume", "add_paired", "earlier"}  # how a run was started, not its recipe


def over_seeds(results: list[dict]) -> dict:
    """The aggregate of ``results`` (``bench_train_sft`` result dicts of one recipe, one per seed)."""
    from rftgym.train.results import check_one_recipe, stat as _stat

    seeds = check_one_recipe(results, ignore=RUN_FLAGS)
    settings = {k: v for k, v in results[0]["settings"].items() if k not in RUN_FLAGS}

    def mean_of(block: dict | None, metric: str) -> float | None:
        return ((block or {}).get(metric) or {}).get("mean")

    phases = {}
    for name, key in PHASES.items():
        phases[name] = {m: _stat([v for v in (mean_of(r.get(key), m) for r in results) if v is not None])
                        for m in METRICS}
    differences = {d: _stat([r["paired_reward_differences"][d]["mean"] for r in results
                             if (r.get("paired_reward_differences") or {}).get(d)]) for d in DIFFERENCES}
    per_seed = [{"seed": r["settings"]["seed"], "wall_s": r.get("wall_s"),
                 **{name: {m: mean_of(r.get(key), m) for m in METRICS} for name, key in PHASES.items()},
                 "paired_reward_differences": {d: (r.get("paired_reward_differences") or {}).get(d, {}).get("mean")
                                               for d in DIFFERENCES}} for r in results]
    return {"name": "train_sft_seeds", "model": results[0].get("model"), "env": results[0].get("env"),
            "recipe": results[0].get("recipe"), "settings": settings, "seeds": seeds,
            "ci_note": "95% t-intervals over training seeds (n = seeds) of each seed's mean over its held-out episodes",
            **phases, "before": phases["base"], "after": phases["sft_grpo"],
            "paired_reward_differences": differences, "per_seed": per_seed,
            "wall_s": round(sum(r.get("wall_s") or 0.0 for r in results), 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", nargs="+", help="bench_train_sft.py result JSON files, one per seed")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "train_sft_seeds.json"))
    a = ap.parse_args()
    results = []
    for path in a.results:
        try:
            results.append(json.loads(Path(path).read_text()))
        except (OSError, json.JSONDecodeError) as exc:
            raise SystemExit(f"cannot read {path}: {exc}; pass result files written by bench_train_sft.py") from None
    try:
        out = over_seeds(results)
    except (KeyError, ValueError) as exc:
        raise SystemExit(f"cannot aggregate: {exc}") from None
    Path(a.out).write_text(json.dumps(out, indent=2) + "\n")
    for name in PHASES:
        r = out[name]["reward_mean"]
        print(f"{name:9s} reward {r['mean']} {r['ci95']} (n={r['n']})  turns {out[name]['turns_mean']['mean']}  "
              f"calls/turn {out[name]['calls_per_turn_mean']['mean']}")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
