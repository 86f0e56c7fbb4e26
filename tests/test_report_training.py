"""``rftgym report`` on ``rftgym train`` folders: the training curves, train and validation, one
folder or two side by side, beside an eval run's rollout plots."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from typer.testing import CliRunner

from rftgym.cli import app
from rftgym.report import PLOTS
from rftgym.report_training import CURVES
from rftgym.rollout import rollout
from tests.test_report import parse


def _train_folder(path: Path, rewards: list[float], model: str = "/models/SmolLM2.gguf", torn: bool = False) -> Path:
    """A folder shaped as ``rftgym train --out`` leaves it: config.json and metrics.jsonl rows per
    train step and per evaluation (step 0 before training, then every 2 steps), TRL's keys and rftgym's."""
    path.mkdir(parents=True)
    (path / "config.json").write_text(json.dumps({"config": {"model": model}, "env_id": "rftgym/FileLocalization-v0"}))
    rows = []
    for step, reward in enumerate(rewards):
        common = {"reward": reward, "turns_per_rollout": 3 - reward, "calls_per_turn": 1 + reward,
                  "tool_calls_per_rollout": 3.0, "tool_errors_per_rollout": 1 - reward, "wall_s": 10.0 * step,
                  "tool_latency_ms": 2.0 + step, "grader_errors_per_rollout": 0.5 * (step == 1)}
        if step % 2 == 0:
            rows.append({"step": step, "split": "valid", **common})
        if step:
            rows.append({"step": step, "split": "train", "kl": 0.01 * step, "completions/mean_length": 40 - step,
                         "tokens_per_call": (40 - step) / 3, "loss": 0.1, **common})
    text = "".join(json.dumps(r) + "\n" for r in rows)
    (path / "metrics.jsonl").write_text(text + ('{"step": 9, "split": "tra' if torn else ""))
    return path


def _png(img: dict[str, str]) -> bytes:
    return base64.b64decode(img["src"].split(",", 1)[1])


def test_a_training_folder_gets_every_curve_and_its_before_after_table(tmp_path):
    run = _train_folder(tmp_path / "train1", [0.0, 0.1, 0.25, 0.3, 0.5], torn=True)  # still writing: torn last line
    result = CliRunner().invoke(app, ["report", str(run)])
    assert result.exit_code == 0, result.output
    page = parse(run / "report.html")
    assert list(page.images) == [pid for pid, *_ in CURVES]
    assert all(_png(img).startswith(b"\x89PNG") and len(_png(img)) > 5000 for img in page.images.values())
    cells = page.cells
    assert "SmolLM2.gguf (train1)" in cells
    at = cells.index("valid reward, first evaluation")
    assert cells[at + 1] == "0.000" and cells[cells.index("valid reward, last evaluation") + 1] == "0.500"
    assert cells[cells.index("train steps") + 1] == "4" and cells[cells.index("evaluations") + 1] == "3"
    assert page.external == []


def test_two_training_folders_side_by_side_and_a_folder_without_kl(tmp_path):
    a = _train_folder(tmp_path / "a", [0.0, 0.2, 0.4])
    b = _train_folder(tmp_path / "b", [0.1, 0.1, 0.1])
    rows = [json.loads(line) for line in (b / "metrics.jsonl").read_text().splitlines()]
    (b / "metrics.jsonl").write_text("".join(json.dumps({k: v for k, v in r.items() if k != "kl"}) + "\n" for r in rows))
    out = tmp_path / "ab.html"
    assert CliRunner().invoke(app, ["report", str(a), "--vs", str(b), "--out", str(out)]).exit_code == 0
    page = parse(out)
    assert "plot-train-kl" in page.images  # drawn for the run that has it
    assert {"SmolLM2.gguf (a)", "SmolLM2.gguf (b)"} <= set(page.cells)


def test_a_training_run_beside_an_eval_run_gets_both_kinds_of_plots(shop_tasks, tmp_path):
    ev = tmp_path / "eval"
    rollout("rftgym/FileLocalization-v0", "scripted:parallel", shop_tasks, split="all", out=ev)
    tr = _train_folder(tmp_path / "train", [0.0, 0.5, 1.0])
    out = tmp_path / "both.html"
    result = CliRunner().invoke(app, ["report", str(tr), "--vs", str(ev), "--out", str(out)])
    assert result.exit_code == 0, result.output
    images = parse(out).images
    assert {pid for pid, *_ in CURVES} <= set(images) and {pid for pid, _ in PLOTS} <= set(images)


def test_an_empty_metrics_file_says_what_to_wait_for(tmp_path):
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "metrics.jsonl").write_text("")
    result = CliRunner().invoke(app, ["report", str(tmp_path / "t")])
    text = " ".join(result.output.split())
    assert result.exit_code == 2 and "no metric rows yet" in text
