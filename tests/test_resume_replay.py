"""Resume after the driver is killed (SIGKILL, a torn last line), and replay of a recorded run.

The kill test runs the real CLI in a subprocess with a slow policy and kills it mid-run; the
replay tests re-execute recorded runs through ``rftgym replay`` and tamper with them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rftgym.cli import app
from rftgym.policies import Policy
from rftgym.rollout import rollout
from rftgym.rollout.replay import replay_run

ENV = "rftgym/FileLocalization-v0"
ROOT = Path(__file__).resolve().parents[1]

# The CLI builds its policy from a spec string; this driver stands a slow scripted policy (same spec,
# same actions, 0.15 s a turn) in for it, so that the run is still going when the test kills it.
DRIVER = """
import sys, time
import rftgym.rollout as runner
from rftgym.policies.scripted import ScriptedPolicy

class Slow(ScriptedPolicy):
    def act(self, conversation, tools, rng):
        time.sleep(0.15)
        return super().act(conversation, tools, rng)

runner.make_policy = lambda spec, **options: Slow(spec.partition(":")[2])
from rftgym.cli import main
sys.argv = ["rftgym", *sys.argv[1:]]
main()
"""


def write_tasks(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def pairs(path: Path) -> list[tuple[str, int]]:
    rows = [json.loads(line) for line in path.read_text().splitlines()]  # every line parses
    return sorted((r["task_id"], r["sample"]) for r in rows)


def test_driver_killed_then_resume_finishes_each_episode_once(shop_tasks, tmp_path):
    tasks = write_tasks(tmp_path / "tasks.jsonl", shop_tasks)
    out = tmp_path / "run"
    jsonl = out / "trajectories.jsonl"
    args = ["eval", ENV, "--policy", "scripted:parallel", "--tasks", str(tasks), "--samples", "4",
            "--workers", "2", "--out", str(out)]
    (tmp_path / "driver.py").write_text(DRIVER)
    proc = subprocess.Popen([sys.executable, str(tmp_path / "driver.py"), *args], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if jsonl.exists() and len(jsonl.read_bytes().splitlines()) >= 3:
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    kept = whole_lines(jsonl)
    assert 3 <= len(kept) < 12, "the driver should have died mid-run"
    with open(jsonl, "a") as fh:  # what a kill in the middle of a write leaves behind
        fh.write('{"task_id": "shop-1", "sample": 3, "messages": [{"role": "sys')

    done = subprocess.run([sys.executable, "-m", "rftgym.cli", *args, "--resume", "--concurrency", "4"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert pairs(jsonl) == [(t["id"], k) for t in shop_tasks for k in range(4)]
    assert jsonl.read_text().splitlines()[:len(kept)] == kept  # finished episodes untouched
    reference = rollout(ENV, "scripted:parallel", shop_tasks, split="all", samples=4, workers=2)
    resumed = [json.loads(line) for line in jsonl.read_text().splitlines()]
    resumed.sort(key=lambda r: (r["task_id"], r["sample"]))
    assert [(r["messages"], r["reward"]) for r in resumed] == \
        [(t.messages, t.reward) for t in reference.trajectories]
    manifest = json.loads((out / "manifest.json").read_text())
    summary = json.loads((out / "summary.json").read_text())
    assert manifest["resumed"] == 1 and summary["episodes"] == 12


def whole_lines(path):
    """The complete lines of a file a killed writer left: its last line may be torn (resume drops it)."""
    raw = path.read_bytes()
    return raw[:raw.rfind(b"\n") + 1].decode().splitlines()


def test_ray_driver_killed_then_resume(shop_tasks, tmp_path):
    """A killed Ray driver leaves the same folder as a killed thread driver; resuming it on Ray is
    test_rollout's test_resume_on_ray_runs_only_the_missing_episodes, so this resumes on threads."""
    pytest.importorskip("ray")
    tasks = write_tasks(tmp_path / "tasks.jsonl", shop_tasks)
    out = tmp_path / "run"
    jsonl = out / "trajectories.jsonl"
    args = ["eval", ENV, "--policy", "scripted:parallel", "--tasks", str(tasks), "--samples", "60",
            "--workers", "2", "--concurrency", "4", "--out", str(out)]
    # Its own process group, so that the Ray processes the killed driver leaves behind can be ended.
    proc = subprocess.Popen([sys.executable, "-m", "rftgym.cli", *args, "--backend", "ray"], cwd=ROOT,
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            if jsonl.exists() and len(jsonl.read_bytes().splitlines()) >= 6:
                break
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    kept = whole_lines(jsonl)
    assert 6 <= len(kept) < 180, "the driver should have died mid-run"
    done = subprocess.run([sys.executable, "-m", "rftgym.cli", *args, "--resume"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert pairs(jsonl) == sorted((t["id"], k) for t in shop_tasks for k in range(60))
    assert jsonl.read_text().splitlines()[:len(kept)] == kept


def test_resume_refuses_other_settings(shop_tasks, tmp_path):
    rollout(ENV, "scripted:parallel", shop_tasks, split="all", samples=1, workers=1, out=tmp_path / "run")
    with pytest.raises(ValueError, match="different seed"):
        rollout(ENV, "scripted:parallel", shop_tasks, split="all", samples=1, seed=3, out=tmp_path / "run", resume=True)
    with pytest.raises(ValueError, match="different task set"):
        rollout(ENV, "scripted:parallel", shop_tasks[:2], split="all", samples=1, out=tmp_path / "run", resume=True)


# -- replay ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def recorded(shop_tasks, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("replay") / "run"
    rollout(ENV, "random", shop_tasks, split="all", samples=2, workers=2, concurrency=4, out=out)
    return out


def tampered(run: Path, dest: Path, edit) -> Path:
    """A copy of ``run`` whose trajectories went through ``edit(rows)``."""
    dest.mkdir()
    for name in ("manifest.json", "tasks.jsonl", "summary.json"):
        (dest / name).write_bytes((run / name).read_bytes())
    rows = [json.loads(line) for line in (run / "trajectories.jsonl").read_text().splitlines()]
    edit(rows)
    (dest / "trajectories.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return dest


def test_replay_of_a_recorded_run_matches(recorded):
    result = CliRunner().invoke(app, ["replay", str(recorded)])
    assert result.exit_code == 0, result.output
    assert "replayed 6 episode(s): 6 match, 0 differ" in result.output


def test_replay_catches_a_tampered_tool_output(recorded, tmp_path):
    def edit(rows):
        msg = next(m for m in rows[1]["messages"] if m["role"] == "tool")
        msg["content"] = msg["content"] + "\nshop/hidden.py:1: planted"

    run = tampered(recorded, tmp_path / "t", edit)
    result = CliRunner().invoke(app, ["replay", str(run)])
    assert result.exit_code == 1
    out = result.output
    assert "differs" in out and "(tool, tool_call_id" in out and "1 differ" in out
    assert "-shop/hidden.py:1: planted" in out  # the diff shows what the recording claims and the env does not


def test_replay_catches_a_tampered_reward(recorded, tmp_path):
    def edit(rows):
        rows[0]["reward"] = rows[0]["reward"] + 0.5

    result = CliRunner().invoke(app, ["replay", str(tampered(recorded, tmp_path / "t", edit))])
    assert result.exit_code == 1
    assert "end of episode, reward" in result.output and "differs" in result.output


class Malformed(Policy):
    """Every kind of broken action the env turns into an observation, then a submit."""

    spec = "malformed"
    PLAN = [
        {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "list_dir", "arguments": {}}}]},
        {"role": "assistant", "tool_calls": [
            {"id": "a", "type": "function", "function": {"name": "list_dir", "arguments": "{}"}},
            {"id": "a", "type": "function", "function": {"name": "find_files", "arguments": '{"pattern": "*.py"}'}}]},
        {"role": "assistant", "tool_calls": [{"id": "x", "type": "function"},
                                             {"id": "y", "function": {"name": 42, "arguments": '{"a": 1}'}}]},
        None, "", "I think it is the cart", {"role": "assistant", "content": "", "tool_calls": []},
        {"role": "assistant", "tool_calls": [{"id": "s", "type": "function", "function": {
            "name": "submit", "arguments": {"files": ["shop/cart.py"]}}}]},
    ]

    def act(self, conversation, tools, rng):
        return self.PLAN[sum(m["role"] == "assistant" for m in conversation)]


def test_replay_reproduces_malformed_actions(shop_tasks, tmp_path):
    out = tmp_path / "run"
    result = rollout(ENV, Malformed(), shop_tasks, split="all", samples=1, workers=1, out=out)
    assert all(t.turns and t.tool_errors >= 7 and t.submission for t in result.trajectories)
    report = replay_run(out)
    assert report.ok, [(e.where, e.diff) for e in report.mismatches]
    assert len(report.episodes) == 3 and all(e.steps == 8 for e in report.episodes)


# -- which graders replay bit-exact (issue 12 item 10) ---------------------------------------------
def _oracle_run(env_id: str, kind: str, out: Path, n: int = 2):
    from rftgym.stress.oracle import Oracle
    from rftgym.tasks import builtin_tasks

    tasks = builtin_tasks(kind)[:n]
    return rollout(env_id, Oracle(tasks), [t.to_dict() for t in tasks], split="all", samples=1, workers=1, out=out)


@pytest.mark.parametrize("env_id,kind", [("rftgym/BugFix-v0", "bugfix"), ("rftgym/CodeQA-v0", "qa")])
def test_bugfix_and_codeqa_replay_bit_exact(env_id, kind, tmp_path):
    """TestsPass and AnswerMatch rewards are functions of the episode: replay reproduces and checks them."""
    res = _oracle_run(env_id, kind, tmp_path / "run")
    assert [t.reward for t in res.trajectories] == [1.0, 1.0], [(t.task_id, t.grade) for t in res.trajectories]
    report = replay_run(tmp_path / "run", workers=1)
    assert report.ok and len(report.episodes) == 2 and report.rewards_unchecked == 0, report

    def edit(rows):
        rows[1]["reward"] = 0.0

    bad = replay_run(tampered(tmp_path / "run", tmp_path / "t", edit), workers=1)
    assert [e.where for e in bad.mismatches] == ["end of episode, reward"]


def test_optimize_replays_its_checks_but_not_its_timed_reward(tmp_path):
    """The speedup is timed on the replaying machine: replay compares the seeded equivalence components
    and says the reward was not checked, instead of reporting a false mismatch (or a false match)."""
    from rftgym.graders.optimize import EquivalenceSpeedup

    assert not EquivalenceSpeedup.replays_exactly
    _oracle_run("rftgym/Optimize-v0", "optimize", tmp_path / "run", n=1)
    report = replay_run(tmp_path / "run", workers=1)
    assert report.ok and report.rewards_unchecked == 1, report

    def edit(rows):
        rows[0]["grade"]["components"]["equivalent"] = 0.0

    bad = replay_run(tampered(tmp_path / "run", tmp_path / "t", edit), workers=1)
    assert [e.where for e in bad.mismatches] == ["end of episode, grade components"]


def test_model_judges_do_not_claim_exact_replay():
    from rftgym.graders.openai_format import OpenAIGrader

    judge = {"type": "score_model", "name": "judge", "model": "m", "input": [{"role": "user", "content": "{{sample.output_text}}"}]}
    check = {"type": "string_check", "name": "s", "input": "{{sample.output_text}}", "reference": "x", "operation": "eq"}
    assert OpenAIGrader(check).replays_exactly
    assert not OpenAIGrader(judge).replays_exactly
    assert not OpenAIGrader({"type": "multi", "name": "m", "graders": {"a": check, "b": judge},
                             "calculate_output": "a + b"}).replays_exactly
