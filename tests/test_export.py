"""``rftgym export``: OpenAI RFT dataset + grader from an env, SFT data from a recorded run."""

from __future__ import annotations

import json

import gymnasium as gym
import pytest
from typer.testing import CliRunner

from rftgym.cli import app
from rftgym.graders.openai_format import build_sample, load_grader
from rftgym.integrations.export import dataset_rows, export_openai_rft, export_sft, grader_config
from rftgym.integrations.serve import submission_of
from rftgym.rollout import rollout
from rftgym.types import Task

ENV = "rftgym/FileLocalization-v0"
SUBMISSIONS = [["shop/pricing/tax.py"], ["./shop/pricing/tax.py", "shop/cart.py"], ["shop/cart.py"], [],
               ["shop/pricing/tax.py", "shop/pricing/discount.py", "shop/cart.py", "README.md"], ["../etc/passwd"]]


@pytest.fixture(scope="module")
def run_dir(shop_tasks, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "a"
    rollout(ENV, "random", shop_tasks, split="all", samples=3, seed=1, workers=2, out=out,
            env_kwargs={"max_turns": 4})
    return out


def test_openai_rft_rows_and_split(shop_tasks, tmp_path):
    paths = export_openai_rft(ENV, tmp_path, tasks=shop_tasks)
    train = [json.loads(line) for line in paths["train"].read_text().splitlines()]
    valid = [json.loads(line) for line in paths["valid"].read_text().splitlines()]
    assert [r["id"] for r in train] == ["shop-3"] and [r["id"] for r in valid] == ["shop-1", "shop-2"]
    row = valid[0]
    env = gym.make(ENV, tasks=shop_tasks, split="all").unwrapped
    obs, info = env.reset(seed=0, options={"task_id": "shop-1"})
    env.close()
    assert row["messages"] == obs and row["tools"] == info["tools"]
    assert row["gold_files"] == ["shop/pricing/tax.py"] and row["repo"] == shop_tasks[0]["repo"]
    assert json.loads(paths["grader"].read_text())["type"] == "python"


def test_exported_grader_scores_like_the_envs_grader(shop_tasks, run_dir, tmp_path):
    env = gym.make(ENV, tasks=shop_tasks, split="all").unwrapped
    exported = load_grader(grader_config(ENV))
    trajs = []
    for files in SUBMISSIONS:  # hand-made episodes spanning precision/recall cases
        env.reset(seed=0, options={"task_id": "shop-1"})
        *_, info = env.step({"role": "assistant", "tool_calls": [{"id": "s", "type": "function", "function": {
            "name": "submit", "arguments": json.dumps({"files": files})}}]})
        trajs.append(env.trajectory)
        trajs[-1] = type(trajs[-1]).from_dict(trajs[-1].to_dict())
    env.close()
    from rftgym.rollout.store import load_run

    recorded = load_run(run_dir)[1]  # random-policy episodes: most never submit
    by_id = {t["id"]: Task.from_dict(t) for t in shop_tasks}
    scores = []
    for traj in trajs + recorded:
        task = by_id[traj.task_id]
        ours = exported.grade(task, traj, None)
        assert ours.error is None
        assert ours.score == pytest.approx(traj.reward), (traj.submission, ours, traj.reward)
        # Hosted samples may carry the submission only as a tool call: same score from output_tools.
        sample = {**build_sample(traj), "output_json": {}}
        assert exported.run(sample, task.item()).score == pytest.approx(traj.reward)
        assert (submission_of(sample) or {}).get("files") == (traj.submission or {}).get("files")
        scores.append(traj.reward)
    assert len(set(scores)) >= 4  # the cases really differ


def test_sft_keeps_the_best_of_k_above_the_threshold(run_dir, tmp_path, shop_tasks):
    from rftgym.rollout.store import load_run

    _, trajs, _ = load_run(run_dir)
    out = tmp_path / "sft.jsonl"
    stats = export_sft(run_dir, out, best_of=2, min_reward=-1.0)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert stats["rows"] == len(rows) == 2 * len(shop_tasks)
    for row in rows:
        assert row["messages"][0]["role"] == "system" and row["messages"][-1]["role"] == "assistant"
        assert any(m.get("tool_calls") for m in row["messages"]) and {t["function"]["name"] for t in row["tools"]} >= {
            "grep", "submit"}
        assert all(m.get("content") is not None or m.get("tool_calls") for m in row["messages"])
    best = max(t.reward for t in trajs)
    stats = export_sft(run_dir, out, best_of=1, min_reward=best - 1e-9)
    assert stats["rows"] == sum(1 for tid in {t.task_id for t in trajs}
                                if max(t.reward for t in trajs if t.task_id == tid) > best - 1e-9)


def test_cli_export(shop_tasks, run_dir, tmp_path):
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text("".join(json.dumps(t) + "\n" for t in shop_tasks))
    r = CliRunner().invoke(app, ["export", ENV, "--format", "openai-rft", "--out", str(tmp_path / "x"),
                                 "--tasks", str(tasks)])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "x" / "grader.json").exists()
    r = CliRunner().invoke(app, ["export", str(run_dir), "--format", "sft", "--best-of", "4", "--out",
                                 str(tmp_path / "sft.jsonl"), "--min-reward", "-1"])
    assert r.exit_code == 0 and "wrote 9 conversations" in r.output, r.output
    r = CliRunner().invoke(app, ["export", ENV, "--format", "csv", "--out", str(tmp_path / "y")])
    assert r.exit_code == 2 and "openai-rft or sft" in r.output
    assert len(dataset_rows(ENV, shop_tasks)) == 3


def test_exported_codeqa_grader_scores_like_answer_match(tmp_path):
    """The python grader shipped for CodeQA is rftgym's own rules: same scores on every answer kind."""
    from rftgym.graders.qa import AnswerMatch
    from rftgym.tasks import builtin_tasks
    from rftgym.types import Trajectory

    config = grader_config("rftgym/CodeQA-v0")
    assert config["type"] == "python" and "import rftgym" not in config["source"]
    exported = load_grader(config)
    tasks = builtin_tasks("qa", ["ledger"])
    picked = {}
    for task in tasks:  # two tasks of each answer kind
        picked.setdefault(task.extra.get("answer_kind", "text"), []).append(task)
    picked = [t for group in picked.values() for t in group[:2]]
    assert len(picked) >= 8
    scores = []
    for task in picked:
        for answer in (str(task.answer), f"It is `{task.answer}`.", "no idea", "", str(task.answer).upper()):
            traj = Trajectory(task_id=task.id, env_id="rftgym/CodeQA-v0", seed=0, submission={"answer": answer})
            ours = AnswerMatch().grade(task, traj, None).score
            theirs = exported.grade(task, traj, None)
            assert theirs.error is None and theirs.score == pytest.approx(ours), (task.id, answer, theirs, ours)
            scores.append(ours)
    assert 0 < sum(scores) < len(scores)


@pytest.mark.parametrize("env_id", ["rftgym/FileLocalization-v0", "rftgym/CodeQA-v0"])
def test_exported_python_grader_needs_only_the_standard_library(env_id, tmp_path):
    """``python -I -S``: no site-packages, so neither rftgym nor any third-party package can be imported."""
    import subprocess
    import sys

    source = grader_config(env_id)["source"]
    item = {"gold_files": ["a/b.py"], "answer": "a/b.py", "answer_kind": "path"}
    sample = {"output_json": {}, "output_tools": [{"type": "function", "function": {
        "name": "submit", "arguments": json.dumps({"files": ["./a/b.py"], "answer": "`a/b.py`"})}}]}
    code = f"exec({source!r})\nprint(grade({sample!r}, {item!r}))"
    out = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert float(out.stdout) == 1.0


def test_workspace_graders_export_as_an_endpoint_of_rftgym_serve(tmp_path):
    config = grader_config("rftgym/BugFix-v0", "http://127.0.0.1:8080/", "sekrit")
    assert config == {"type": "endpoint", "name": "tests_pass", "url": "http://127.0.0.1:8080/grade",
                      "headers": {"Authorization": "Bearer sekrit"}}
    load_grader(config)  # a valid OpenAI-format endpoint grader
    assert grader_config("rftgym/BugFix-v0")["type"] == "rftgym"
    r = CliRunner().invoke(app, ["export", "rftgym/Optimize-v0", "--format", "openai-rft", "--out",
                                 str(tmp_path / "o")])
    assert r.exit_code == 0 and "--grader-url" in r.output, r.output
    r = CliRunner().invoke(app, ["export", "rftgym/Optimize-v0", "--format", "openai-rft", "--out",
                                 str(tmp_path / "p"), "--grader-url", "ftp://x"])
    assert r.exit_code == 2 and "http(s) URL" in r.output and not (tmp_path / "p").exists()
