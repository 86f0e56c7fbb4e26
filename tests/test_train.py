"""``rftgym train``: the job-spec parser (good, bad, and the round trip from ``rftgym export``), the
2-step GRPO smoke run on a tiny model built here (no downloads), and ``--resume``."""

from __future__ import annotations

import json

import pytest

from rftgym.integrations.export import export_openai_rft
from rftgym.train.source import training_source
from rftgym.train.spec import JobSpecError, job_from_export, parse_job

ENV = "rftgym/FileLocalization-v0"
F1 = {"type": "python", "name": "f1", "source": "def grade(sample, item):\n    return 1.0\n"}


def _job(tmp_path, **over):
    (tmp_path / "train.jsonl").write_text(json.dumps({"messages": [{"role": "user", "content": "hi"}],
                                                      "repo": "shop", "commit": "HEAD", "id": "a"}) + "\n")
    body = {"model": "gpt-x", "training_file": "train.jsonl",
            "method": {"type": "reinforcement", "reinforcement": {"grader": F1}}}
    body.update(over)
    path = tmp_path / "job.json"
    path.write_text(json.dumps(body))
    return path


def test_spec_reads_the_hosted_fields(tmp_path):
    path = _job(tmp_path, seed=7, method={"type": "reinforcement", "reinforcement": {
        "grader": F1, "max_episode_steps": 6,
        "tools": [{"name": "lookup", "server_url": "http://127.0.0.1:9/t", "headers": {"X-Key": "k"},
                   "type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}],
        "hyperparameters": {"n_epochs": 2, "batch_size": 3, "learning_rate_multiplier": 2.0, "compute_multiplier": 5,
                            "eval_interval": 4, "eval_samples": "auto", "reasoning_effort": "high"}}})
    spec = parse_job(path)
    assert spec.training_file == tmp_path / "train.jsonl" and spec.validation_file is None
    assert (spec.n_epochs, spec.batch_size, spec.compute_multiplier, spec.eval_interval, spec.eval_samples) == (2, 3, 5, 4, 1)
    assert spec.learning_rate == pytest.approx(2e-5) and spec.max_episode_steps == 6 and spec.seed == 7
    assert spec.tools[0]["server_url"] == "http://127.0.0.1:9/t"
    assert any("reasoning_effort" in w for w in spec.warnings)


@pytest.mark.parametrize("over, words", [
    ({"suffixx": "a"}, "suffixx"),
    ({"method": {"type": "supervised", "supervised": {}}}, "reinforcement"),
    ({"method": {"type": "reinforcement", "reinforcement": {"grader": F1, "beta": 1}}}, "beta"),
    ({"method": {"type": "reinforcement", "reinforcement": {"grader": F1, "hyperparameters": {"warmup": 1}}}}, "warmup"),
    ({"method": {"type": "reinforcement", "reinforcement": {"grader": F1, "hyperparameters": {"batch_size": 0}}}},
     "batch_size"),
    ({"method": {"type": "reinforcement", "reinforcement": {"grader": F1,
                                                            "hyperparameters": {"compute_multiplier": 1}}}}, "at least 2"),
    ({"method": {"type": "reinforcement", "reinforcement": {"grader": {"type": "nope"}}}}, "grader"),
    ({"training_file": "file-abc123"}, "hosted file id"),
    ({"method": {"type": "reinforcement", "reinforcement": {"grader": F1, "tools": [{"name": "t",
                                                                                      "server_url": "ftp://x"}]}}},
     "server_url"),
])
def test_spec_errors_name_the_field(tmp_path, over, words):
    with pytest.raises(JobSpecError, match=words):
        parse_job(_job(tmp_path, **over))


def test_export_round_trips_into_train(shop_tasks, tmp_path):
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text("".join(json.dumps(t) + "\n" for t in shop_tasks))
    export_openai_rft(ENV, tmp_path / "rft", tasks=str(tasks))
    body = job_from_export(tmp_path / "rft", ENV, "local-model",
                           hyperparameters={"compute_multiplier": 2, "batch_size": 1})
    (tmp_path / "rft" / "job.json").write_text(json.dumps(body))
    body.pop("metadata")  # the env is found from the rows' system prompt too
    (tmp_path / "rft" / "job2.json").write_text(json.dumps(body))
    for name in ("job.json", "job2.json"):
        source = training_source(str(tmp_path / "rft" / name))
        assert source.env_id == ENV
        ids = {t["id"] for t in source.train["tasks"]} | {t["id"] for t in source.valid["tasks"]}
        assert ids == {"shop-1", "shop-2", "shop-3"}
        import gymnasium as gym

        env = gym.make(source.env_id, **source.train).unwrapped
        try:
            env.reset(seed=0, options={"task_id": "shop-1" if "shop-1" in {t.id for t in env.tasks} else env.tasks[0].id})
            gold = env.task.gold_files
            obs, reward, term, trunc, info = env.step({"role": "assistant", "content": None, "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "submit",
                                                              "arguments": json.dumps({"files": gold})}}]})
        finally:
            env.close()
        assert term and reward == pytest.approx(1.0)  # the exported python grader, run by rftgym
