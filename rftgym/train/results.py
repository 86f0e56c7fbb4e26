"""Held-out results of a training run, with 95% intervals: what ``rftgym train --result FILE`` writes.

Each validation evaluation of a run is the set of ``episodes.jsonl`` rows of the ``valid`` split with one
``(phase, step)``: ``base`` at step 0, ``sft`` after a supervised phase, ``grpo`` every ``eval_interval``
steps and at the end.

- ``stat(values) -> {"mean", "ci95", "n"}``: a t-interval over the values (``ci95`` in ``learn``); no
  values: ``mean`` null (JSON has no NaN).
- ``evaluation_block(episodes)``: one evaluation's ``reward_mean``, ``turns_mean``, ``calls_per_turn_mean``
  (over episodes with a turn), ``tool_calls_mean``, ``tool_errors_mean``, ``submitted_frac``,
  ``parsed_call_rate`` (episodes with at least one call that parsed), each a ``stat``, and ``infra_masked``
  (episodes whose reward is None: infra failures, left out of the reward, never counted as 0).
- ``paired_difference(a, b)``: the reward of evaluation ``a`` minus ``b`` on the same held-out episodes,
  paired by (task, sample): the interval is on the difference itself, tighter than two separate ones.
- ``held_out(run)``: ``evaluations`` (a block per evaluation, in run order, with its ``phase`` and
  ``step``), ``before`` (the first evaluation), ``after`` (the last) and ``paired_reward_difference``
  (after minus before).
- ``over_seeds(results)``: ``result`` dicts of one recipe, one per training seed, as one result whose
  intervals are over seeds (each seed's mean is one value): what varies when the model is trained again.
- ``python -m rftgym.train.results RESULT.json RESULT.json [...] --out FILE`` writes ``over_seeds``.
- ``check_one_recipe(results, ignore, same)``: the checks before any aggregate over seeds.
- ``result(run, model=...)``: the ``benchmarks/results/train_<name>.json`` shape: ``model``,
  ``env_id``, ``steps``, ``wall_s``, ``before``, ``after``, ``paired_reward_difference``, ``evaluations``,
  ``settings`` and a ``ci_note`` (one training run: the intervals are over held-out episodes, not seeds).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any, Sequence

SEEDS_NOTE = "95% t-intervals over training seeds (n = seeds) of each seed's mean over its held-out episodes"
CI_NOTE = ("95% t-intervals over held-out episodes of one training run (one seed): they say how well the "
           "evaluation measured this model, not how another training seed would do")


def stat(values: list[float]) -> dict[str, Any]:
    """``{"mean", "ci95": [low, high], "n"}`` of ``values``, rounded to 4 places; nulls for no values."""
    from rftgym.train.learn import ci95

    if not values:
        return {"mean": None, "ci95": [None, None], "n": 0}
    mean, low, high = ci95(values)
    return {"mean": round(mean, 4), "ci95": [round(low, 4), round(high, 4)], "n": len(values)}


def evaluation_block(episodes: list[dict[str, Any]]) -> dict[str, Any]:
    """One evaluation's numbers from its episode rows (see the module docstring)."""
    rewards = [e["reward"] for e in episodes if e.get("reward") is not None]
    with_turns = [e for e in episodes if e.get("turns", 0) > 0]
    return {"reward_mean": stat(rewards),
            "turns_mean": stat([float(e.get("turns", 0)) for e in episodes]),
            "calls_per_turn_mean": stat([e.get("tool_calls", 0) / e["turns"] for e in with_turns]),
            "tool_calls_mean": stat([float(e.get("tool_calls", 0)) for e in episodes]),
            "tool_errors_mean": stat([float(e.get("tool_errors", 0)) for e in episodes]),
            "submitted_frac": stat([float(bool(e.get("submitted"))) for e in episodes]),
            "parsed_call_rate": stat([float(e.get("tool_calls", 0) > 0) for e in episodes]),
            "infra_masked": sum(e.get("reward") is None for e in episodes)}


def read_episodes(run: str | Path) -> list[dict[str, Any]]:
    """The rows of ``run/episodes.jsonl`` (a clear error when the run has none)."""
    path = Path(run) / "episodes.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: is {run} a run folder written by rftgym train?")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluations(episodes: list[dict[str, Any]]) -> list[tuple[tuple[str, int], list[dict[str, Any]]]]:
    """The validation episodes grouped by ``(phase, step)``, in the order the run wrote them."""
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for e in episodes:
        if e.get("split") == "valid":
            groups.setdefault((e.get("phase", "grpo"), e.get("step", 0)), []).append(e)
    return list(groups.items())


def _keyed(episodes: list[dict[str, Any]]) -> dict[tuple[str, int], float]:
    """Rewards keyed by (task, n-th sample of that task); infra failures (None) left out."""
    seen: dict[str, int] = defaultdict(int)
    keyed = {}
    for e in episodes:
        task = str(e.get("task_id"))
        if e.get("reward") is not None:
            keyed[(task, seen[task])] = e["reward"]
        seen[task] += 1
    return keyed


def paired_difference(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> dict[str, Any]:
    """``stat`` of reward(a) - reward(b) over the held-out episodes both evaluations scored."""
    ka, kb = _keyed(a), _keyed(b)
    return stat([ka[k] - kb[k] for k in sorted(set(ka) & set(kb))])


def held_out(run: str | Path) -> dict[str, Any]:
    """Every evaluation of ``run`` and its before / after (see the module docstring); no evaluation: an
    error that says so (a run trained with ``--no-eval`` has nothing to compare)."""
    groups = evaluations(read_episodes(run))
    if not groups:
        raise ValueError(f"{run} has no validation episodes (trained with --no-eval, or no validation split)")
    blocks = [{"phase": phase, "step": step, **evaluation_block(eps)} for (phase, step), eps in groups]
    return {"evaluations": blocks, "before": blocks[0], "after": blocks[-1],
            "paired_reward_difference": paired_difference(groups[-1][1], groups[0][1])}


def result(run: str | Path, *, model: str | None = None) -> dict[str, Any]:
    """The ``train_<name>.json`` result of ``run`` (see the module docstring): the ``held_out`` block the
    trainer wrote into ``summary.json``, or, for a run without one, ``held_out(run)``."""
    run = Path(run)
    summary_path = run / "summary.json"
    summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.is_file() else {}
    config_path = run / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8")) if config_path.is_file() else {}
    found = summary.get("held_out") or held_out(run)
    model = model or (config.get("config") or {}).get("model") or (config.get("job") or {}).get("model")
    return {"model": model, "env_id": summary.get("env_id"), "steps": summary.get("steps"),
            "wall_s": summary.get("wall_s"), "before": found["before"], "after": found["after"],
            "paired_reward_difference": found["paired_reward_difference"], "ci_note": CI_NOTE,
            "evaluations": found["evaluations"], "settings": config.get("settings") or {}}


def check_one_recipe(results: Sequence[dict[str, Any]], ignore: set[str], same: Sequence[str] = ()) -> list[Any]:
    """The training seeds of ``results`` (dicts with ``settings``), after checking they can be aggregated over
    seeds: at least two, each ``settings`` equal but for the keys in ``ignore`` (the seed and how a run was
    started), the top-level keys in ``same`` equal, and no seed twice. A ValueError names what differs."""
    if len(results) < 2:
        raise ValueError(f"intervals over seeds need at least 2 runs, got {len(results)}")
    first = results[0]

    def recipe(r: dict[str, Any]) -> dict[str, Any]:
        return {**{k: v for k, v in (r.get("settings") or {}).items() if k not in ignore},
                **{k: r.get(k) for k in same}}

    base, seeds = recipe(first), [(r.get("settings") or {}).get("seed") for r in results]
    for r, seed in zip(results[1:], seeds[1:]):
        other = recipe(r)
        differing = sorted(k for k in set(base) | set(other) if base.get(k) != other.get(k))
        if differing:
            raise ValueError(f"seed {seed} was trained with other settings than seed {seeds[0]}: "
                             f"{', '.join(differing)}; aggregate runs of one recipe")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"the same seed twice ({seeds}): the same training seed in two runs gives no interval "
                         "over seeds")
    return seeds


def over_seeds(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One result from per-seed ``result`` dicts of one recipe: for ``before`` and ``after``, each metric's
    per-seed means as one ``stat`` over seeds; ``paired_reward_difference`` the same over each seed's mean
    difference; ``per_seed`` keeps each seed's reward before and after. Runs of different models, envs,
    step counts or settings other than the seed are not one recipe: a ValueError names what differs."""
    seeds = check_one_recipe(results, ignore={"seed"}, same=("model", "env_id", "steps"))
    first = results[0]
    metrics = [k for k, v in first["before"].items() if isinstance(v, dict) and "mean" in v]

    def means(key: str) -> dict[str, Any]:
        return {m: stat([r[key][m]["mean"] for r in results if (r[key].get(m) or {}).get("mean") is not None])
                for m in metrics}

    return {"model": first.get("model"), "env_id": first.get("env_id"), "steps": first.get("steps"),
            "seeds": seeds, "wall_s": round(sum(r.get("wall_s") or 0 for r in results), 1),
            "before": means("before"), "after": means("after"),
            "paired_reward_difference": stat([r["paired_reward_difference"]["mean"] for r in results
                                              if r["paired_reward_difference"].get("mean") is not None]),
            "ci_note": SEEDS_NOTE, "settings": {k: v for k, v in (first.get("settings") or {}).items() if k != "seed"},
            "per_seed": [{"seed": seed, "before": r["before"]["reward_mean"]["mean"],
                          "after": r["after"]["reward_mean"]["mean"]} for seed, r in zip(seeds, results)]}


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m rftgym.train.results RESULT.json RESULT.json [...] --out FILE``: ``over_seeds``."""
    import argparse
    import sys

    ap = argparse.ArgumentParser(prog="python -m rftgym.train.results",
                                 description="Intervals over training seeds from rftgym train --result files.")
    ap.add_argument("results", nargs="+", type=Path, help="one --result file per training seed, same recipe")
    ap.add_argument("--out", type=Path, required=True, help="where to write the combined result")
    a = ap.parse_args(argv)
    try:
        loaded = []
        for path in a.results:
            if not path.is_file():
                raise ValueError(f"{path} does not exist (a file that rftgym train --result wrote)")
            loaded.append(json.loads(path.read_text(encoding="utf-8")))
        combined = over_seeds(loaded)
    except (ValueError, KeyError, json.JSONDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(combined, indent=2) + "\n", encoding="utf-8")
    print(f"{len(loaded)} seeds: reward {combined['before']['reward_mean']['mean']} -> "
          f"{combined['after']['reward_mean']['mean']} (after - before {combined['paired_reward_difference']['mean']} "
          f"{combined['paired_reward_difference']['ci95']}); wrote {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
