"""TRL's GRPOTrainer on an rftgym env: two GRPO steps on CPU with a tiny Qwen-style model built here.

No downloads: the tokenizer is a BPE trained in the test on the env's own text, with TRL's Qwen 2.5
chat template (so TRL knows how to parse tool calls); the model is a 2-layer Qwen2 from a config,
briefly taught the answer so that its samples differ in reward (GRPO needs variance in a group)."""

from __future__ import annotations

import json

import gymnasium as gym
import pytest

torch = pytest.importorskip("torch", reason="TRL needs torch (pip install torch==2.13.0)")
transformers = pytest.importorskip("transformers", reason="TRL needs transformers (pip install 'rftgym[hf]')")
trl = pytest.importorskip("trl", reason="TRL is not installed (pip install 'rftgym[trl]')")

from rftgym.integrations.trl import dataset, environment_factory  # noqa: E402

ENV = "rftgym/FileLocalization-v0"
TOOLS = ["list_dir"]
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<tool_call>", "</tool_call>", "<tool_response>",
           "</tool_response>"]
ANSWERS = ['<tool_call>\n{"name": "submit", "arguments": {"files": ["shop/pricing/tax.py"]}}\n</tool_call>',
           '<tool_call>\n{"name": "submit", "arguments": {"files": ["shop/cart.py"]}}\n</tool_call>']


def tiny_model(shop_tasks):
    from pathlib import Path

    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    template = (Path(trl.__file__).parent / "chat_templates" / "qwen2_5.jinja").read_text()
    env = gym.make(ENV, tasks=shop_tasks, split="all", tools=TOOLS).unwrapped
    obs, info = env.reset(seed=0, options={"task_id": "shop-1"})
    env.close()
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    bpe.decoder = decoders.ByteLevel()
    corpus = [m["content"] for m in obs] + [*ANSWERS, json.dumps(info["tools"]), template]
    bpe.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=1500, special_tokens=SPECIAL, show_progress=False,
                                                        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok = transformers.PreTrainedTokenizerFast(tokenizer_object=bpe, pad_token="<|endoftext|>", eos_token="<|im_end|>")
    tok.chat_template = template
    tok.padding_side = "left"
    torch.manual_seed(0)
    config = transformers.Qwen2Config(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                      num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=2048,
                                      pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id,
                                      bos_token_id=None, tie_word_embeddings=True)
    model = transformers.Qwen2ForCausalLM(config)
    # Teach it to submit the right file or a wrong one, half and half: the samples of a GRPO group then
    # differ in reward, which is what gives the update a gradient.
    prompt = tok.apply_chat_template(obs, tools=info["tools"], add_generation_prompt=True, tokenize=False)
    p_ids = tok(prompt, add_special_tokens=False)["input_ids"]
    batch = []
    for answer in ANSWERS:
        ids = torch.tensor([p_ids + tok(answer + "<|im_end|>", add_special_tokens=False)["input_ids"]])
        labels = ids.clone()
        labels[0, :len(p_ids)] = -100
        batch.append((ids, labels))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(150):
        loss = sum(model(input_ids=i, labels=lab).loss for i, lab in batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model, tok


def test_two_grpo_steps_on_rftgym_rewards(shop_tasks, tmp_path, monkeypatch):
    monkeypatch.setenv("TRL_EXPERIMENTAL_SILENCE", "1")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # on a busy 2-core machine two OpenMP threads ran 10-30x slower
    try:
        model, tok = tiny_model(shop_tasks)
        Env = environment_factory(ENV, tasks=shop_tasks, split="all", tools=TOOLS)
        train = dataset(ENV, shop_tasks, split="all", tools=TOOLS).select([0, 0])  # shop-1, twice
        args = trl.GRPOConfig(output_dir=str(tmp_path), max_steps=2, per_device_train_batch_size=4, num_generations=4,
                              max_completion_length=96, learning_rate=1e-3, logging_steps=1, report_to=[],
                              save_strategy="no", use_cpu=True, bf16=False, temperature=1.0,
                              max_tool_calling_iterations=2, beta=0.0)
        before = [p.detach().clone() for p in model.parameters()]
        trainer = trl.GRPOTrainer(model=model, processing_class=tok, args=args, train_dataset=train,
                                  environment_factory=Env)
        trainer.train()
    finally:
        torch.set_num_threads(threads)
    episodes = Env.episodes
    assert len(episodes) == 2 * 4  # two steps, four rollouts each, every one an rftgym episode
    assert all(e["task_id"] == "shop-1" for e in episodes)
    logged = [h for h in trainer.state.log_history if "reward" in h]
    assert len(logged) == 2
    for step, h in enumerate(logged):
        ours = sum(e["reward"] for e in episodes[4 * step:4 * step + 4]) / 4
        assert h["reward"] == pytest.approx(ours)
    assert any(e["reward"] > 0 for e in episodes), episodes  # the model's submit calls reached the env
    assert any(e["submitted"] and e["reward"] == 0 for e in episodes) or any(h["reward_std"] > 0 for h in logged)
    assert any(h["tools/call_frequency"] > 0 for h in logged)
    assert all(e["turns"] <= e["tool_calls"] for e in episodes)  # one env turn per message, not per call
    after = list(model.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(after, before))  # the optimizer stepped


def test_example_script_runs_a_cpu_smoke_step(shop_tasks, tmp_path, monkeypatch):
    """examples/trl_grpo.py end to end on a saved tiny model: dataset, factory, config, one GRPO step."""
    import importlib.util
    import sys
    from pathlib import Path

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # on a busy 2-core machine two OpenMP threads ran 10-30x slower
    try:
        model, tok = tiny_model(shop_tasks)
        model.save_pretrained(tmp_path / "tiny")
        tok.save_pretrained(tmp_path / "tiny")
        tasks = tmp_path / "tasks.jsonl"
        tasks.write_text("".join(json.dumps({**t, "split": "train"}) + "\n" for t in shop_tasks))
        path = Path(__file__).resolve().parents[1] / "examples" / "trl_grpo.py"
        spec = importlib.util.spec_from_file_location("trl_grpo_example", path)
        example = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, spec.name, example)  # dataclasses look their module up there
        spec.loader.exec_module(example)
        monkeypatch.chdir(tmp_path)
        episodes = example.main(example.Args(model=str(tmp_path / "tiny"), tasks=str(tasks), out=str(tmp_path / "out"),
                                             steps=1, batch=2, generations=2, max_completion_length=48,
                                             max_tool_calls=2, learning_rate=1e-3, cpu=True))
    finally:
        torch.set_num_threads(threads)
    assert len(episodes) == 2 and {e["task_id"] for e in episodes} <= {"shop-1", "shop-2", "shop-3"}
    assert (tmp_path / "out" / "final" / "config.json").exists()
