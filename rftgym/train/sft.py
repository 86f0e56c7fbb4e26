"""The supervised warm start of ``rftgym train --sft FILE``: chat rows in, the model fine-tuned on them.

A 135M model that never writes a parseable tool call gives GRPO groups of equal (zero) reward and so
no gradient (``benchmarks/results/train_lite*.json``). ``--sft`` first fine-tunes it on demonstrations,
then GRPO starts from there. The rows are what ``rftgym export RUN --format sft`` writes: one JSON
object per line, ``{"messages": [system, user, assistant (tool_calls), tool, ..., assistant],
"tools": [...]}``.

- ``read_sft_rows(path) -> rows``: parses and checks the file (a missing file, a line that is not a JSON
  object, a row without ``messages``, an unknown role, a row with no assistant turn, a tool call without
  a name or whose arguments are not a JSON object are ``SFTDataError`` naming ``path:line``), and
  normalises the messages: tool-call ``arguments`` become dicts, ``None`` content ``""``.
- ``sft_examples(rows, tokenizer, tools, path)``: one ``{"prompt", "completion"}`` text pair per
  assistant turn, rendered with the tokenizer's chat template and ``tools`` (the GRPO phase's tool
  callables), so the prompt is token for token what the GRPO rollout shows the model and the completion
  is exactly the text the trainer parses calls out of. The row's own ``tools`` list is not rendered:
  a call of a tool the GRPO env lacks is an ``SFTDataError``.
- ``run_sft(model, tokenizer, examples, ...)``: TRL's ``SFTTrainer`` on those pairs (loss on the
  completion only), one ``metrics.jsonl`` row per logged step (``phase: "sft"``), the weights saved to
  ``out/sft/model`` and ``out/sft/done.json`` written last; ``load_sft_weights`` puts them back into a
  model (``--resume`` after the phase: it is not run again). The phase itself is not checkpointed: a run
  killed during SFT redoes it from the start on ``--resume``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from rftgym.train.trainer import TrainError

_ROLES = {"system", "user", "assistant", "tool"}
DONE = "done.json"


class SFTDataError(TrainError):
    """An ``--sft`` file rftgym cannot learn from; the message names the file, the line and the fix."""


def _call(raw: Any, where: str) -> dict[str, Any]:
    """One tool call as the chat template renders it: ``{"type": "function", "function": {name, arguments}}``."""
    fn = raw.get("function") if isinstance(raw, dict) and isinstance(raw.get("function"), dict) else raw
    if not isinstance(fn, dict) or not isinstance(fn.get("name"), str) or not fn["name"]:
        raise SFTDataError(f"{where}: a tool call needs a name ({{\"function\": {{\"name\": ..., \"arguments\": ...}}}})")
    args = fn.get("arguments", {})
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except ValueError:
            raise SFTDataError(f"{where}: the arguments of {fn['name']!r} are not valid JSON: {args[:80]!r}") from None
    if not isinstance(args, dict):
        raise SFTDataError(f"{where}: the arguments of {fn['name']!r} must be a JSON object, got {type(args).__name__}")
    return {"type": "function", "function": {"name": fn["name"], "arguments": args}}


def read_sft_rows(path: str | Path) -> list[dict[str, Any]]:
    """The checked, normalised rows of an ``--sft`` file (see the module docstring)."""
    path = Path(path)
    hint = "write one with rftgym export RUN --format sft --out FILE.jsonl"
    if not path.is_file():
        raise SFTDataError(f"--sft: no such file {str(path)!r}; {hint}")
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise SFTDataError(f"{where}: not valid JSON ({exc})") from None
        messages = row.get("messages") if isinstance(row, dict) else None
        if not isinstance(messages, list) or not messages:
            raise SFTDataError(f"{where}: a row must be {{\"messages\": [...]}} chat data (the format of rftgym export "
                               "--format sft)")
        out = []
        for i, m in enumerate(messages):
            if not isinstance(m, dict) or m.get("role") not in _ROLES:
                role = m.get("role") if isinstance(m, dict) else m
                raise SFTDataError(f"{where}: message {i} has role {role!r}; roles are {', '.join(sorted(_ROLES))}")
            msg: dict[str, Any] = {"role": m["role"], "content": m.get("content") or ""}
            if not isinstance(msg["content"], str):
                raise SFTDataError(f"{where}: message {i}: content must be a string")
            if m["role"] == "assistant" and m.get("tool_calls"):
                if not isinstance(m["tool_calls"], list):
                    raise SFTDataError(f"{where}: message {i}: tool_calls must be a list")
                msg["tool_calls"] = [_call(c, f"{where}: message {i}") for c in m["tool_calls"]]
            if m["role"] == "tool" and m.get("name"):
                msg["name"] = m["name"]
            out.append(msg)
        if not any(m["role"] == "assistant" for m in out):
            raise SFTDataError(f"{where}: the row has no assistant turn, so nothing to learn; export runs whose "
                               "episodes answered (rftgym export RUN --format sft)")
        rows.append({"messages": out, "line": n})
    if not rows:
        raise SFTDataError(f"--sft: {path} has no rows; {hint}")
    return rows


def _tool_name(tool: Any) -> str:
    return tool.__name__ if callable(tool) else (tool.get("function") or tool).get("name")


def sft_examples(rows: list[dict[str, Any]], tokenizer: Any, tools: list[Any], path: str | Path = "--sft") -> list[dict[str, str]]:
    """One ``{"prompt", "completion"}`` pair of texts per assistant turn of ``rows`` (see the module docstring).
    ``tools``: what the GRPO phase renders (its env's tool methods, or schemas)."""
    names = {_tool_name(t) for t in tools}
    eos = tokenizer.eos_token
    examples = []
    for row in rows:
        messages = row["messages"]
        for i, m in enumerate(messages):
            if m["role"] != "assistant":
                continue
            for c in m.get("tool_calls") or []:
                if c["function"]["name"] not in names:
                    raise SFTDataError(f"{path}:{row['line']}: calls tool {c['function']['name']!r}, which the "
                                       f"training env does not have (its tools: {', '.join(sorted(names))}); export "
                                       "a run of the env you train on")
            prompt = tokenizer.apply_chat_template(messages[:i], tools=tools or None, add_generation_prompt=True,
                                                   tokenize=False)
            full = tokenizer.apply_chat_template(messages[:i + 1], tools=tools or None, tokenize=False)
            if not full.startswith(prompt):
                raise SFTDataError("the model's chat template renders a conversation's start differently once an "
                                   "assistant turn follows; it cannot be trained turn by turn (give the model a "
                                   "prefix-preserving template)")
            completion = full[len(prompt):]
            if eos and eos in completion:  # stop where generation stops: at the end-of-turn token
                completion = completion[:completion.rindex(eos) + len(eos)]
            examples.append({"prompt": prompt, "completion": completion})
    return examples


def _metrics_callback(metrics_path: Path):
    from transformers import TrainerCallback

    class SFTMetrics(TrainerCallback):
        def __init__(self) -> None:
            self.started, self.rows = time.monotonic(), []

        def on_log(self, args, state, control, logs=None, **kwargs):
            logs = dict(logs or {})
            if "loss" not in logs:
                return  # the end-of-training summary line
            row = {"phase": "sft", "split": "train", "step": state.global_step,
                   "wall_s": round(time.monotonic() - self.started, 2), **logs}
            self.rows.append(row)
            with metrics_path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(row) + "\n")

    return SFTMetrics()


def run_sft(model: Any, tokenizer: Any, examples: list[dict[str, str]], *, out: Path, metrics_path: Path,
            epochs: float = 3.0, max_steps: int | None = None, learning_rate: float = 1e-4, batch_size: int = 4,
            seed: int = 0) -> dict[str, Any]:
    """Fine-tune ``model`` in place on ``examples`` (loss on the completions); see the module docstring.
    Returns (and writes to ``out/sft/done.json``) the phase's summary: steps, first and last loss, wall time."""
    import torch
    import trl
    from datasets import Dataset

    folder = out / "sft"
    cuda = torch.cuda.is_available()
    args = trl.SFTConfig(output_dir=str(folder), num_train_epochs=epochs, max_steps=max_steps or -1,
                         learning_rate=learning_rate, per_device_train_batch_size=batch_size, logging_steps=1,
                         save_strategy="no", report_to=[], use_cpu=not cuda, bf16=cuda, seed=seed,
                         completion_only_loss=True, max_length=None, lr_scheduler_type="constant",
                         gradient_checkpointing=False,  # TRL's default is on: a third more compute, for memory a 135M model does not need
                         disable_tqdm=True)
    metrics = _metrics_callback(metrics_path)
    started = time.monotonic()
    trainer = trl.SFTTrainer(model=model, args=args, train_dataset=Dataset.from_list(examples),
                             processing_class=tokenizer, callbacks=[metrics])
    trainer.train()
    trainer.save_model(str(folder / "model"))
    losses = [r["loss"] for r in metrics.rows]
    summary = {"steps": trainer.state.global_step, "examples": len(examples),
               "loss_first": losses[0] if losses else None, "loss_last": losses[-1] if losses else None,
               "wall_s": round(time.monotonic() - started, 1), "model": str(folder / "model")}
    (folder / DONE).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def sft_done(out: Path) -> dict[str, Any] | None:
    """The summary of a finished SFT phase under ``out`` (``None``: none finished)."""
    path = out / "sft" / DONE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def load_sft_weights(model: Any, out: Path) -> None:
    """Load the weights the SFT phase saved (LoRA adapters into a peft model, or the full state dict)."""
    from safetensors.torch import load_file

    folder = out / "sft" / "model"
    if (folder / "adapter_model.safetensors").exists():
        from peft import set_peft_model_state_dict

        set_peft_model_state_dict(model, load_file(str(folder / "adapter_model.safetensors")))
    elif (folder / "model.safetensors").exists():
        model.load_state_dict(load_file(str(folder / "model.safetensors")), strict=False)
    else:
        raise TrainError(f"--resume: the SFT phase finished but {folder} holds no weights; start the run again "
                         "without --resume")
