"""``rftgym train --sft``: the SFT file's checks, its rendering in the GRPO phase's template, and a
run that fine-tunes a tiny model on ``rftgym export --format sft`` rows of a real oracle run, then
runs GRPO from there and resumes without repeating the SFT phase."""

from __future__ import annotations

import json

import pytest

from tests.test_train import _chatml_tokenizer_without_tools, _rows, _shop_job

ENV = "rftgym/FileLocalization-v0"
SUBMIT = {"id": "c1", "type": "function", "function": {"name": "submit", "arguments": '{"files": ["a.py"]}'}}


def _write(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def _chat(*assistant):
    return {"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}, *assistant]}


@pytest.mark.parametrize("rows, words", [
    (None, "no such file"),
    ([], "no rows"),
    (["{not json"], ":1: not valid JSON"),
    ([{"prompt": "x"}], "messages"),
    ([{"messages": [{"role": "robot", "content": "x"}]}], "role 'robot'"),
    ([_chat()], "no assistant turn"),
    ([_chat({"role": "assistant", "content": None, "tool_calls": [{"function": {"arguments": "{}"}}]})], "needs a name"),
    ([_chat({"role": "assistant", "content": "ok"}),
      _chat({"role": "assistant", "tool_calls": [{"function": {"name": "submit", "arguments": "{oops"}}]})],
     ":2: .*not valid JSON"),
    ([_chat({"role": "assistant", "tool_calls": [{"function": {"name": "submit", "arguments": "[1]"}}]})],
     "JSON object"),
])
def test_bad_sft_files_are_clear_errors(tmp_path, rows, words):
    from rftgym.train.sft import SFTDataError, read_sft_rows

    path = tmp_path / "sft.jsonl"
    if rows is not None:
        _write(path, rows)
    with pytest.raises(SFTDataError, match=words):
        read_sft_rows(path)


def test_sft_turns_render_as_the_grpo_prompt_and_a_call_trl_parses(tmp_path):
    """Each assistant turn is one example: the prompt is what a rollout shows the model (tools included),
    the completion the text TRL's response parser turns back into the same call."""
    pytest.importorskip("trl")
    from trl.chat_template_utils import parse_response

    from rftgym.train.sft import SFTDataError, read_sft_rows, sft_examples
    from rftgym.train.trainer import _chatml_tools_template

    tok = _chatml_tokenizer_without_tools()
    _chatml_tools_template(tok)
    tools = [{"type": "function", "function": {"name": n, "description": n, "parameters": {
        "type": "object", "properties": {"files": {"type": "array", "items": {"type": "string"}}}}}}
        for n in ("find_files", "submit")]
    look = {"id": "c0", "type": "function", "function": {"name": "find_files", "arguments": {"files": []}}}
    rows = read_sft_rows(_write(tmp_path / "sft.jsonl", [_chat(
        {"role": "assistant", "content": None, "tool_calls": [look]},
        {"role": "tool", "tool_call_id": "c0", "content": "a.py"},
        {"role": "assistant", "content": None, "tool_calls": [SUBMIT]})]))
    examples = sft_examples(rows, tok, tools)
    assert len(examples) == 2  # one per assistant turn
    first, second = examples
    messages = rows[0]["messages"]
    assert first["prompt"] == tok.apply_chat_template(messages[:2], tools=tools, add_generation_prompt=True,
                                                      tokenize=False)
    assert "<tool_response>\na.py\n</tool_response>" in second["prompt"]
    assert second["completion"] == '<tool_call>\n{"name": "submit", "arguments": {"files": ["a.py"]}}\n</tool_call><|im_end|>'
    prefix = tok(second["prompt"], add_special_tokens=False)["input_ids"]
    msg = parse_response(tok, tok(second["completion"], add_special_tokens=False)["input_ids"], prefix=prefix,
                         tools=tools)
    assert msg["tool_calls"][0]["function"] == {"name": "submit", "arguments": {"files": ["a.py"]}}
    rows[0]["messages"][-1]["tool_calls"][0]["function"]["name"] = "rm_rf"
    with pytest.raises(SFTDataError, match="'rm_rf'.*find_files, submit"):
        sft_examples(rows, tok, tools)


def _oracle_sft_file(shop_tasks, tmp_path):
    """SFT rows the real way: an ``oracle:gold`` run on the job's train task, exported as SFT data."""
    from rftgym.integrations.export import export_sft
    from rftgym.policies import make_policy
    from rftgym.rollout import rollout
    from rftgym.tasks import load_tasks

    tasks_file = _write(tmp_path / "tasks.jsonl", [t for t in shop_tasks if t["split"] == "train"])
    tasks = load_tasks(str(tasks_file))
    rollout(ENV, make_policy("oracle:gold", tasks=tasks), tasks, split="all", workers=1, out=tmp_path / "oracle",
            env_kwargs={"tools": ["list_dir"]})
    stats = export_sft(tmp_path / "oracle", tmp_path / "sft.jsonl")
    assert stats["rows"] == 1
    return tmp_path / "sft.jsonl"


def test_sft_then_grpo_trains_the_adapters_and_resume_skips_the_sft_phase(shop_tasks, tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("trl")
    pytest.importorskip("peft")
    from safetensors.torch import load_file

    from tests.test_trl import tiny_model

    from rftgym.train.trainer import TrainConfig, train

    sft_file = _oracle_sft_file(shop_tasks, tmp_path)
    job, out = _shop_job(shop_tasks, tmp_path), tmp_path / "run"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model, tok = tiny_model(shop_tasks)
        cfg = TrainConfig(target=str(job), out=str(out), max_steps=1, save_steps=1, max_completion_length=32,
                          lora=True, lora_rank=4, sft=str(sft_file), sft_steps=4, sft_learning_rate=1e-2)
        summary = train(cfg, model=model, tokenizer=tok)
        rows = _rows(out / "metrics.jsonl")
        sft_rows = [r for r in rows if r["phase"] == "sft" and r["split"] == "train"]
        assert [r["step"] for r in sft_rows] == [1, 2, 3, 4]
        assert sft_rows[-1]["loss"] < sft_rows[0]["loss"]  # the demonstration is learned
        adapter = load_file(str(out / "sft" / "model" / "adapter_model.safetensors"))
        assert any("lora_B" in k and v.abs().sum() > 0 for k, v in adapter.items())  # lora_B starts at zero
        valid = [r for r in rows if r["split"] == "valid"]
        assert [(r["phase"], r["step"]) for r in valid] == [("base", 0), ("sft", 0), ("grpo", 1)]
        assert [r["step"] for r in rows if r["split"] == "train" and r["phase"] == "grpo"] == [1]
        assert summary["sft"]["steps"] == 4 and summary["valid_after_sft"]["phase"] == "sft"
        episodes = _rows(out / "episodes.jsonl")
        assert {e["phase"] for e in episodes if e["split"] == "valid"} == {"base", "sft", "grpo"}

        model, tok = tiny_model(shop_tasks)  # a fresh process would load the base model again
        resumed = TrainConfig(**{**cfg.__dict__, "max_steps": 2, "resume": True, "eval": False})
        summary = train(resumed, model=model, tokenizer=tok)
    finally:
        torch.set_num_threads(threads)
    assert summary["steps"] == 2 and summary["sft"]["steps"] == 4
    rows = _rows(out / "metrics.jsonl")
    assert [r["step"] for r in rows if r["phase"] == "sft" and r["split"] == "train"] == [1, 2, 3, 4]  # not run again
    assert [r["step"] for r in rows if r["split"] == "train" and r["phase"] == "grpo"] == [1, 2]


def test_bad_sft_file_fails_before_the_model_loads(shop_tasks, tmp_path):
    pytest.importorskip("trl")
    from typer.testing import CliRunner

    from rftgym.cli import app

    job = _shop_job(shop_tasks, tmp_path)
    bad = _write(tmp_path / "bad.jsonl", [_chat()])
    result = CliRunner().invoke(app, ["train", str(job), "--out", str(tmp_path / "o"), "--model", str(tmp_path),
                                      "--sft", str(bad)])
    assert result.exit_code == 2 and "no assistant turn" in result.output
    (tmp_path / "o" / "checkpoint-1").mkdir(parents=True)  # a GRPO run without an SFT phase
    from rftgym.train.trainer import TrainConfig, TrainError, train

    with pytest.raises(TrainError, match="no finished SFT phase"):
        train(TrainConfig(target=str(job), out=str(tmp_path / "o"), model=str(tmp_path), sft=str(bad), resume=True))


def test_lite_teacher_demos_score_one_and_read_back_as_two_turn_sft_rows(shop_tasks, tmp_path):
    """The bench's demonstrations: LiteTeacher looks with find_files, submits the gold file (reward 1.0 on
    FileLocalizationLite), and its exported run is valid --sft input with one example per turn."""
    from rftgym.integrations.export import export_sft
    from rftgym.rollout import rollout
    from rftgym.train.learn import LiteTeacher, register_lite
    from rftgym.train.sft import read_sft_rows

    result = rollout(register_lite(), LiteTeacher(shop_tasks), shop_tasks, split="all", workers=1,
                     out=tmp_path / "teacher")
    assert [t.reward for t in result.trajectories] == [pytest.approx(1.0)] * 3
    assert all(len(t.turns) == 2 for t in result.trajectories)
    export_sft(tmp_path / "teacher", tmp_path / "sft.jsonl")
    rows = read_sft_rows(tmp_path / "sft.jsonl")
    calls = [[c["function"] for c in m["tool_calls"]] for m in rows[0]["messages"] if m["role"] == "assistant"]
    assert calls[0][0]["name"] == "find_files" and calls[1][0]["name"] == "submit"
    assert isinstance(calls[1][0]["arguments"], dict)  # parsed: the template writes the object, not a JSON string
