"""``rftgym.train.results``: held-out evaluations of a run folder, before / after with intervals, paired
differences, and the ``--result`` file of ``rftgym train``."""

from __future__ import annotations

import json

import pytest

from rftgym.train.results import evaluation_block, held_out, paired_difference, result, stat


def _run(tmp_path, rows, summary=None, config=None):
    run = tmp_path / "run"
    run.mkdir()
    (run / "episodes.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    if summary is not None:
        (run / "summary.json").write_text(json.dumps(summary))
    if config is not None:
        (run / "config.json").write_text(json.dumps(config))
    return run


def _ep(phase, step, task, reward, turns=1, calls=1, errors=0, submitted=True, split="valid"):
    return {"split": split, "phase": phase, "step": step, "task_id": task, "reward": reward, "turns": turns,
            "tool_calls": calls, "tool_errors": errors, "submitted": submitted}


def test_stat_has_nulls_for_no_values_and_an_interval_around_the_mean():
    assert stat([]) == {"mean": None, "ci95": [None, None], "n": 0}
    s = stat([0.0, 1.0, 0.5, 0.5])
    assert s["mean"] == 0.5 and s["n"] == 4 and s["ci95"][0] < 0.5 < s["ci95"][1]


def test_a_block_masks_infra_failures_and_counts_calls_per_turn_over_episodes_with_turns():
    eps = [_ep("base", 0, "a", 1.0, turns=2, calls=4), _ep("base", 0, "b", None, turns=0, calls=0),
           _ep("base", 0, "c", 0.0, turns=1, calls=1, errors=1, submitted=False)]
    b = evaluation_block(eps)
    assert b["reward_mean"]["mean"] == 0.5 and b["reward_mean"]["n"] == 2  # the None is masked, not a 0
    assert b["infra_masked"] == 1
    assert b["calls_per_turn_mean"]["mean"] == 1.5 and b["calls_per_turn_mean"]["n"] == 2
    assert b["turns_mean"]["n"] == 3 and b["tool_errors_mean"]["mean"] == pytest.approx(1 / 3, abs=1e-4)
    assert b["submitted_frac"]["mean"] == pytest.approx(2 / 3, abs=1e-4)
    assert b["parsed_call_rate"]["mean"] == pytest.approx(2 / 3, abs=1e-4)


def test_paired_difference_pairs_by_task_and_sample():
    before = [_ep("base", 0, "a", 0.0), _ep("base", 0, "a", 0.5), _ep("base", 0, "b", None)]
    after = [_ep("grpo", 4, "a", 1.0), _ep("grpo", 4, "a", 0.5), _ep("grpo", 4, "b", 1.0)]
    d = paired_difference(after, before)
    assert d["n"] == 2 and d["mean"] == 0.5  # (a, 0): +1.0, (a, 1): 0.0; b has no reward before


def test_held_out_groups_evaluations_in_run_order_and_ignores_training_episodes(tmp_path):
    rows = [_ep("base", 0, "a", 0.0, turns=3), _ep("base", 0, "b", 0.0, turns=3),
            _ep("grpo", 1, "t", 1.0, split="train"),
            _ep("sft", 0, "a", 0.5, turns=2), _ep("sft", 0, "b", 0.5, turns=2),
            _ep("grpo", 2, "a", 1.0, turns=1), _ep("grpo", 2, "b", 0.5, turns=1)]
    found = held_out(_run(tmp_path, rows))
    assert [(e["phase"], e["step"]) for e in found["evaluations"]] == [("base", 0), ("sft", 0), ("grpo", 2)]
    assert found["before"]["reward_mean"]["mean"] == 0.0 and found["after"]["reward_mean"]["mean"] == 0.75
    assert found["before"]["turns_mean"]["mean"] == 3 and found["after"]["turns_mean"]["mean"] == 1
    assert found["paired_reward_difference"]["mean"] == 0.75 and found["paired_reward_difference"]["n"] == 2


def test_held_out_errors_say_what_is_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="run folder written by rftgym train"):
        held_out(tmp_path)
    with pytest.raises(ValueError, match="no validation episodes"):
        held_out(_run(tmp_path, [_ep("grpo", 1, "t", 1.0, split="train")]))


def test_result_takes_model_steps_and_settings_from_the_run(tmp_path):
    run = _run(tmp_path, [_ep("base", 0, "a", 0.0), _ep("grpo", 3, "a", 1.0)],
               summary={"env_id": "rftgym/FileLocalization-v0", "steps": 3, "wall_s": 12.5},
               config={"config": {"model": "/models/m.gguf"}, "settings": {"seed": 7}})
    r = result(run)
    assert r["model"] == "/models/m.gguf" and r["steps"] == 3 and r["wall_s"] == 12.5
    assert r["settings"] == {"seed": 7} and r["env_id"] == "rftgym/FileLocalization-v0"
    assert r["before"]["step"] == 0 and r["after"]["step"] == 3 and "seed" in r["ci_note"]
    assert result(run, model="other")["model"] == "other"


def test_cli_result_needs_the_evaluations(tmp_path):
    from typer.testing import CliRunner

    from rftgym.cli import app

    out = CliRunner().invoke(app, ["train", "rftgym/FileLocalization-v0", "--out", str(tmp_path / "o"),
                                   "--no-eval", "--result", str(tmp_path / "r.json")])
    assert out.exit_code == 2 and "--no-eval" in out.output and not (tmp_path / "o").exists()


def _seed_result(seed, before, after, **over):
    block = lambda r: {"phase": "base", "step": 0, "reward_mean": stat([r, r]), "turns_mean": stat([2.0, 2.0])}  # noqa: E731
    r = {"model": "m", "env_id": "e", "steps": 4, "wall_s": 10.0, "before": block(before), "after": block(after),
         "paired_reward_difference": stat([after - before]), "settings": {"seed": seed, "learning_rate": 1e-5}}
    r.update(over)
    return r


def test_over_seeds_takes_each_seeds_mean_as_one_value_and_refuses_mixed_recipes(tmp_path):
    from rftgym.train.results import main, over_seeds

    combined = over_seeds([_seed_result(0, 0.0, 0.4), _seed_result(1, 0.0, 0.6), _seed_result(2, 0.2, 0.5)])
    assert combined["seeds"] == [0, 1, 2] and combined["after"]["reward_mean"]["n"] == 3
    assert combined["after"]["reward_mean"]["mean"] == 0.5 and combined["wall_s"] == 30.0
    assert combined["paired_reward_difference"]["mean"] == pytest.approx(0.4333, abs=1e-4)
    assert combined["per_seed"][2] == {"seed": 2, "before": 0.2, "after": 0.5} and "seeds" in combined["ci_note"]
    with pytest.raises(ValueError, match="at least 2"):
        over_seeds([_seed_result(0, 0, 1)])
    with pytest.raises(ValueError, match="steps"):
        over_seeds([_seed_result(0, 0, 1), _seed_result(1, 0, 1, steps=5)])
    with pytest.raises(ValueError, match="learning_rate"):
        over_seeds([_seed_result(0, 0, 1), _seed_result(1, 0, 1, settings={"seed": 1, "learning_rate": 1.0})])
    with pytest.raises(ValueError, match="same training seed"):
        over_seeds([_seed_result(0, 0, 1), _seed_result(0, 0, 1)])

    paths = []
    for seed in (0, 1):
        paths.append(tmp_path / f"s{seed}.json")
        paths[-1].write_text(json.dumps(_seed_result(seed, 0.0, 0.5)))
    assert main([*map(str, paths), "--out", str(tmp_path / "all.json")]) == 0
    assert json.loads((tmp_path / "all.json").read_text())["seeds"] == [0, 1]
    assert main([str(paths[0]), str(tmp_path / "none.json"), "--out", str(tmp_path / "x.json")]) == 2
    assert not (tmp_path / "x.json").exists()
