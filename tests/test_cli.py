"""The `rftgym` command as a user runs it: a subprocess, real run folders."""

import json
import os
import subprocess
import sys

import pytest

RFTGYM = [sys.executable, "-m", "rftgym.cli"]


def cli(*args, cwd=None, check=True):
    out = subprocess.run([*RFTGYM, *args], capture_output=True, text=True, cwd=cwd, env={**os.environ, "COLUMNS": "200"},
                         timeout=600)
    if check:
        assert out.returncode == 0, out.stdout + out.stderr
    return out


def test_envs_lists_registered_envs():
    out = cli("envs").stdout
    assert "rftgym/FileLocalization-v0" in out and "search_code" in out


def test_eval_with_own_tasks_writes_a_run_folder(tmp_path, shop_tasks):
    tasks = tmp_path / "mine.jsonl"
    tasks.write_text("".join(json.dumps(t) + "\n" for t in shop_tasks))
    out = tmp_path / "run"
    res = cli("eval", "rftgym/FileLocalization-v0", "--policy", "scripted:parallel", "--tasks", str(tasks),
              "--out", str(out), "--samples", "2")
    assert "reward_mean" in res.stdout
    lines = (out / "trajectories.jsonl").read_text().splitlines()
    assert len(lines) == 6 and all(json.loads(line)["task_id"] for line in lines)
    summary = json.loads((out / "summary.json").read_text())
    for key in ("reward_mean", "f1_mean", "precision_mean", "recall_mean", "calls_per_turn_mean", "tool_errors_count",
                "tool_execution_latency_mean", "sim_latency_s_mean", "episodes"):
        assert key in summary, key
    for key in ("tool_calls_per_rollout", "turns_per_rollout"):
        assert set(summary[key]) == {"mean", "p50", "p95", "max"}
    assert summary["episodes"] == 6
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["repos"][0]["sha"] == shop_tasks[0]["commit"]
    assert manifest["grader"]["hash"] and manifest["packages"]["gymnasium"]

    again = cli("eval", "rftgym/FileLocalization-v0", "--tasks", str(tasks), "--out", str(out), check=False)
    assert again.returncode == 2 and "already holds a run" in again.stderr
    assert len((out / "trajectories.jsonl").read_text().splitlines()) == 6, "an existing run must not be touched"

    cmp = cli("compare", str(out), str(out))
    assert "turns/rollout" in cmp.stdout

    private = tmp_path / "private"  # a copy per episode instead of the shared workspace: same episodes
    cli("eval", "rftgym/FileLocalization-v0", "--policy", "scripted:parallel", "--tasks", str(tasks),
        "--out", str(private), "--samples", "2", "--private-workspaces")
    assert json.loads((private / "manifest.json").read_text())["env_kwargs"]["share_workspaces"] is False
    assert json.loads((private / "summary.json").read_text())["reward_mean"] == summary["reward_mean"]


def test_eval_errors_are_clear(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "prompt": "p"}\n')
    res = cli("eval", "rftgym/FileLocalization-v0", "--tasks", str(bad), "--out", str(tmp_path / "o"), check=False)
    assert res.returncode == 2 and "bad.jsonl:1" in res.stderr and "commit" in res.stderr
    res = cli("eval", "rftgym/Nope-v0", check=False)
    assert res.returncode == 2 and "available" in res.stderr


def test_builtin_test_split_parallel_halves_turns_at_equal_f1():
    """Acceptance of issue 2 on the built-in test split."""
    from rftgym.rollout import rollout

    seq = rollout("rftgym/FileLocalization-v0", "scripted:sequential", split="test", workers=2).summary
    par = rollout("rftgym/FileLocalization-v0", "scripted:parallel", split="test", workers=2).summary
    assert par["turns_per_rollout"]["mean"] <= 0.5 * seq["turns_per_rollout"]["mean"]
    assert abs(par["f1_mean"] - seq["f1_mean"]) <= 0.01
    assert seq["episodes"] >= 30
