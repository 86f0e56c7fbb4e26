"""``examples/train_gpu.sh`` end to end on the CPU (``ALLOW_CPU=1``) with a tiny model saved here: the
task subset, the export, two training seeds, their ``--result`` files combined over seeds, and a rerun
that resumes; its bad inputs are clear errors before any training."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "train_gpu.sh"


def _run(tmp_path, **env):
    full = {**os.environ, "PYTHON": sys.executable, "INSTALL": "0", "ALLOW_CPU": "1", "OUT": str(tmp_path / "out"),
            "RESULT": str(tmp_path / "train_tiny.json"), "STEPS": "1", "BATCH": "1", "ROLLOUTS": "2", "MAXLEN": "32",
            "SAVE": "1", "N_TRAIN": "2", "N_VALID": "1", "THREADS": "1", **env}
    return subprocess.run(["bash", str(SCRIPT)], cwd=SCRIPT.parents[1], env=full, capture_output=True, text=True,
                          timeout=600)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_gpu_script_trains_two_seeds_on_the_cpu_and_combines_them(shop_tasks, tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("trl")
    from tests.test_trl import tiny_model

    model, tok = tiny_model(shop_tasks)
    model.save_pretrained(tmp_path / "tiny")
    tok.save_pretrained(tmp_path / "tiny")
    done = _run(tmp_path, MODEL=str(tmp_path / "tiny"), SEEDS="0 1")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "2 train and 1 held-out tasks" in done.stdout and "ALLOW_CPU=1" in done.stdout
    combined = json.loads((tmp_path / "train_tiny.json").read_text())
    assert combined["seeds"] == [0, 1] and combined["steps"] == 1 and combined["model"] == str(tmp_path / "tiny")
    assert {"reward_mean", "turns_mean", "calls_per_turn_mean", "tool_errors_mean"} <= set(combined["after"])
    assert combined["after"]["reward_mean"]["n"] == 2  # one mean per seed
    again = _run(tmp_path, MODEL=str(tmp_path / "tiny"), SEEDS="0", STEPS="2")  # the run folder exists: resume
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    one = json.loads((tmp_path / "train_tiny.json").read_text())
    assert one["steps"] == 2 and [e["step"] for e in one["evaluations"]] == [0, 1, 2]


def test_the_gpu_script_refuses_bad_model_parts_and_a_missing_gpu(tmp_path):
    (tmp_path / "a").write_bytes(b"first half")
    (tmp_path / "b").write_bytes(b"second half")
    bad = _run(tmp_path, MODEL_PARTS=f"{tmp_path / 'b'} {tmp_path / 'a'}", MODEL_SHA256="0" * 64)
    assert bad.returncode == 2 and "sha256" in bad.stderr and "out of order" in bad.stderr
    unset = _run(tmp_path)
    assert unset.returncode != 0 and "set MODEL" in unset.stderr
    pytest.importorskip("torch")
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: the no-GPU refusal cannot be seen here")
    no_gpu = _run(tmp_path, MODEL=str(tmp_path / "a"), ALLOW_CPU="0")
    assert no_gpu.returncode != 0 and "no CUDA device" in no_gpu.stderr and "ALLOW_CPU=1" in no_gpu.stderr
