"""``benchmarks/bench_train_seeds.py``: intervals over training seeds from per-seed result files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

from bench_train_seeds import over_seeds  # noqa: E402


def _stat(mean: float | None) -> dict:
    return {"mean": mean, "ci95": [mean, mean], "n": 16}


def _run(seed: int, base: float, sft: float, grpo: float, turns: float = 1.0, **settings) -> dict:
    def block(reward: float) -> dict:
        return {"reward_mean": _stat(reward), "f1_mean": _stat(0.0), "turns_mean": _stat(turns),
                "calls_per_turn_mean": _stat(None if reward == 0 else 1.0), "tool_errors_mean": _stat(0.0),
                "submitted_frac": _stat(0.5), "parsed_call_rate": _stat(1.0)}

    return {"model": "m", "env": "e", "recipe": "r", "wall_s": 10.0,
            "settings": {"steps": 5, "lr": 2e-4, "seed": seed, **settings},
            "base": block(base), "sft_only": block(sft), "sft_grpo": block(grpo),
            "paired_reward_differences": {"sft_minus_base": _stat(sft - base), "grpo_minus_sft": _stat(grpo - sft),
                                          "grpo_minus_base": _stat(grpo - base)}}


def test_intervals_are_over_the_seeds_means():
    out = over_seeds([_run(0, 0.0, 0.2, 0.3), _run(1, 0.0, 0.3, 0.3, resume=False), _run(2, 0.0, 0.4, 0.6)])
    assert out["seeds"] == [0, 1, 2] and out["settings"] == {"steps": 5, "lr": 2e-4}
    sft = out["sft"]["reward_mean"]
    assert sft["n"] == 3 and sft["mean"] == pytest.approx(0.3) and sft["ci95"][0] < 0.3 < sft["ci95"][1]
    assert out["after"] == out["sft_grpo"] and out["before"]["reward_mean"]["mean"] == 0.0
    assert out["paired_reward_differences"]["grpo_minus_sft"]["mean"] == pytest.approx(0.1)
    assert out["base"]["calls_per_turn_mean"]["n"] == 0  # no turns anywhere: no mean, not NaN
    assert [s["sft"]["reward_mean"] for s in out["per_seed"]] == [0.2, 0.3, 0.4]
    json.dumps(out)  # JSON as written


def test_runs_of_different_recipes_or_one_run_are_refused():
    with pytest.raises(ValueError, match="other settings .*: lr"):
        over_seeds([_run(0, 0, 0.2, 0.3), {**_run(1, 0, 0.2, 0.3), "settings": {"steps": 5, "lr": 1e-3, "seed": 1}}])
    with pytest.raises(ValueError, match="at least 2 runs"):
        over_seeds([_run(0, 0, 0.2, 0.3)])
    with pytest.raises(ValueError, match="the same seed twice"):
        over_seeds([_run(0, 0, 0.2, 0.3), _run(0, 0, 0.2, 0.3)])


def test_the_command_writes_the_result_and_names_a_bad_file(tmp_path):
    a, b, out = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "out.json"
    a.write_text(json.dumps(_run(0, 0.0, 0.2, 0.3)))
    b.write_text(json.dumps(_run(1, 0.0, 0.4, 0.5)))
    done = subprocess.run([sys.executable, str(BENCH / "bench_train_seeds.py"), str(a), str(b), "--out", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())["sft_grpo"]["reward_mean"]["mean"] == pytest.approx(0.4)
    bad = subprocess.run([sys.executable, str(BENCH / "bench_train_seeds.py"), str(a), str(tmp_path / "none.json")],
                         capture_output=True, text=True)
    assert bad.returncode != 0 and "cannot read" in bad.stderr and "none.json" in bad.stderr
