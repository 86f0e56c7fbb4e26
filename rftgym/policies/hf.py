"""``hf:<model path>``: a local Hugging Face transformers model as a policy, with batched generation.

Needs the ``[hf]`` extra (transformers) and torch (``pip install torch==2.13.0`` for the CPU build).
A GGUF model (a ``.gguf`` file, or a folder holding one) loads too, with the ``gguf`` package: its
weights are dequantized into a transformers model (``load_pretrained``).

**Prompts.** The model's own chat template renders the conversation. When the template knows about
tools (it reads a ``tools`` variable, as the templates of Qwen, Llama 3.1+, Hermes and Mistral
models do), the tool schemas go in through ``apply_chat_template(..., tools=tools)`` and earlier
calls and results as structured ``tool_calls`` and ``tool`` messages, exactly as the model saw
them in training. Otherwise the tools, calls and results are written as text in ``tool_format``
(``rftgym.policies.formats``) and the template sees only system, user and assistant turns.
Either way the generated text is parsed with ``tool_format`` (``hermes`` by default: the format
those templates teach), with that module's rules for text it cannot read.

**Prompt length.** On a CPU the prompt is most of a turn's cost (SmolLM2-135M: ~150 prompt
tokens/s, ~5-7 new tokens/s on one thread), and the tool schemas are most of the prompt;
``compact_tools=True`` renders them with ``compact_schemas`` (text-format path only).

**Batching.** ``generate_batch(conversations, tools)`` renders several conversations, pads them
on the left into one batch and generates for all of them in one ``model.generate`` call; it is
the entry point for runners that step many episodes at once. ``act`` and ``aact`` go through a
micro-batcher: calls that arrive from concurrent episodes (worker threads or coroutines) within
``batch_wait`` seconds of each other, up to ``max_batch`` of them, share one ``generate_batch``.

**Sampling.** ``temperature`` ``None`` or 0 is greedy decoding (the default: an evaluation is
repeatable); above 0 samples, with ``top_p``. Sampling is seeded from the first episode generator
of each batch inside ``torch.random.fork_rng``, so torch's global generator is left as it was; a
sampled run repeats exactly when its batches do (one worker, or ``max_batch=1``).

**Usage.** ``bind`` gives an episode view whose ``usage()`` counts that episode's prompt tokens
(without padding) and completion tokens (up to and including the end-of-turn token).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import copy
import json
import os
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import transformers

from rftgym.policies import Message, Policy
from rftgym.policies.formats import assistant_message, feedback, get_format, render_text_conversation

Tools = list[dict[str, Any]]


@dataclass
class Generation:
    """One conversation's result from ``generate_batch``."""

    message: Message          # the assistant message (parsed tool calls)
    text: str                 # what the model wrote, special tokens removed
    prompt_tokens: int
    completion_tokens: int


class HFPolicy(Policy):
    """See the module docstring. ``model`` is a local path (a saved folder, a ``.gguf`` file or a folder
    holding one, or a hub id already in the local cache), or a loaded ``PreTrainedModel`` together
    with its ``tokenizer`` (a trainer's live model)."""

    def __init__(self, model: str | Any, *, tokenizer: Any = None, tool_format: str = "hermes",
                 temperature: float | None = None, top_p: float | None = None, max_tokens: int = 512,
                 device: str | None = None, dtype: str = "auto", max_batch: int = 8, batch_wait: float = 0.01,
                 chat_template: str | None = None, compact_tools: bool = False) -> None:
        if tool_format == "native":
            raise ValueError("hf: policies parse tool calls from the model's text; use --tool-format hermes or json")
        self.format = get_format(tool_format)
        if isinstance(model, str):
            self.spec = f"hf:{model}"
            model, loaded = load_pretrained(model, dtype=dtype)
            tokenizer = tokenizer or loaded
        else:
            if tokenizer is None:
                raise ValueError("HFPolicy with a model object needs its tokenizer: HFPolicy(model, tokenizer=...)")
            self.spec = f"hf:{getattr(model.config, '_name_or_path', '') or type(model).__name__}"
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        self.tokenizer.padding_side = "left"  # generation continues at the right edge of every row
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        if chat_template is not None:
            self.tokenizer.chat_template = chat_template
        if not self.tokenizer.chat_template:
            raise ValueError(f"{self.spec} has no chat template; pass chat_template=<jinja string> "
                             "(or use an instruction-tuned model that ships one)")
        self.template_tools = "tools" in self.tokenizer.chat_template
        self.compact_tools = compact_tools
        # chat models often end a turn with a token of their own (<|im_end|>, <|eot_id|>), listed by
        # their generation config next to the tokenizer's end-of-text
        self.eos = getattr(self.model.generation_config, "eos_token_id", None) or self.tokenizer.eos_token_id
        self.temperature, self.top_p, self.max_tokens = temperature, top_p, max_tokens
        self._batcher = _Batcher(self.generate_batch, max(1, max_batch), batch_wait)  # shared by episode views
        self._usage = {"prompt_tokens": 0, "completion_tokens": 0}

    # -- the Policy contract ---------------------------------------------------------------------
    def bind(self, task_id: str, sample: int) -> HFPolicy:
        view = copy.copy(self)
        view._usage = {"prompt_tokens": 0, "completion_tokens": 0}
        return view

    def usage(self) -> dict[str, int]:
        return dict(self._usage)

    def act(self, conversation: list[Message], tools: Tools, rng: np.random.Generator) -> Message:
        return self._record(self._batcher.submit(conversation, tools, rng).result())

    async def aact(self, conversation: list[Message], tools: Tools, rng: np.random.Generator) -> Message:
        return self._record(await asyncio.wrap_future(self._batcher.submit(conversation, tools, rng)))

    def close(self) -> None:
        self._batcher.close()

    # -- generation ------------------------------------------------------------------------------
    def prompt(self, conversation: list[Message], tools: Tools) -> str:
        """The text the model continues for ``conversation``: its chat template with a generation prompt."""
        if self.template_tools:
            messages = _structured(conversation, feedback(conversation, self.format))
            return self.tokenizer.apply_chat_template(messages, tools=tools or None, add_generation_prompt=True,
                                                      tokenize=False)
        messages = render_text_conversation(conversation, compact_schemas(tools) if self.compact_tools else tools,
                                            self.format)
        return self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)

    @torch.inference_mode()
    def generate_batch(self, conversations: list[list[Message]], tools: Tools | list[Tools],
                       seed: int | None = None) -> list[Generation]:
        """Generate the next assistant turn of every conversation in one left-padded batch. ``tools``
        is one schema list for all, or one per conversation. ``seed`` seeds sampling (ignored when
        greedy). Results are in the order of ``conversations``."""
        if not conversations:
            return []
        per = tools if tools and isinstance(tools[0], list) else [tools] * len(conversations)
        prompts = [self.prompt(c, t) for c, t in zip(conversations, per)]
        # the template already wrote the special tokens it wants; adding BOS again would double it
        batch = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(self.device)
        sample = bool(self.temperature)
        options: dict[str, Any] = {"max_new_tokens": self.max_tokens, "do_sample": sample,
                                   "pad_token_id": self.tokenizer.pad_token_id,
                                   "eos_token_id": self.eos}
        if sample:
            options.update(temperature=self.temperature, top_p=self.top_p if self.top_p is not None else 1.0)
        else:  # the model's generation_config may ask for sampling; greedy means greedy
            options.update(temperature=None, top_p=None, top_k=None)
        devices = [self.device.index or 0] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            if sample and seed is not None:
                torch.manual_seed(seed)
            out = self.model.generate(**batch, **options)
        width = batch["input_ids"].shape[1]
        results = []
        for row, conversation in enumerate(conversations):
            new = out[row, width:].tolist()
            used = _until_eos(new, self.eos)
            text = self.tokenizer.decode(new[:used], skip_special_tokens=True)
            results.append(Generation(assistant_message(text, self.format, conversation), text,
                                      int(batch["attention_mask"][row].sum()), used))
        return results

    def _record(self, generation: Generation) -> Message:
        self._usage["prompt_tokens"] += generation.prompt_tokens
        self._usage["completion_tokens"] += generation.completion_tokens
        return generation.message


def compact_schemas(tools: Tools) -> Tools:
    """Tool schemas cut to what a call needs: the description's first sentence, each parameter's
    type (and enum), ``required``. On FileLocalization this takes the tools' text from 1,273 to 686
    SmolLM2 tokens (the prompt from 1,541 to 954): prompt tokens are most of a CPU turn's time."""
    out = []
    for t in tools:
        fn = t.get("function", t)
        params = fn.get("parameters") or {}
        props = {}
        for name, schema in (params.get("properties") or {}).items():
            keep = {k: schema[k] for k in ("type", "enum", "items") if k in schema}
            if isinstance(keep.get("items"), dict):
                keep["items"] = {k: v for k, v in keep["items"].items() if k in ("type", "enum")}
            props[name] = keep or {"type": "string"}
        first = (fn.get("description") or "").strip().split("\n")[0].split(". ")[0].rstrip(".")
        compact = {"name": fn.get("name"), "description": first,
                   "parameters": {"type": "object", "properties": props, "required": list(params.get("required") or [])}}
        out.append({"type": "function", "function": compact})
    return out


def gguf_file(path: str | Path) -> tuple[Path, str] | None:
    """``(folder, file name)`` when ``path`` is a ``.gguf`` file or a folder holding exactly one
    (and no ``config.json``: a saved transformers model wins); else ``None``. Several GGUF files in
    one folder are an error naming them: say which with the file's path."""
    path = Path(path).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return path.parent, path.name
    if path.is_dir() and not (path / "config.json").exists():
        found = sorted(p.name for p in path.glob("*.gguf"))
        if len(found) > 1:
            raise ValueError(f"{path} holds several GGUF files ({', '.join(found)}); give the path of one")
        if found:
            return path, found[0]
    return None


def _gguf_cache_folder(folder: Path, name: str, dtype: Any) -> Path | None:
    """Where the dequantized model of this GGUF file is kept (``<rftgym cache>/models/<key>``), keyed
    by the file's absolute path, size and mtime, the dtype and the transformers version; ``None``
    when ``RFTGYM_GGUF_CACHE=0``."""
    import hashlib

    if os.environ.get("RFTGYM_GGUF_CACHE", "1").strip() == "0":
        return None
    from rftgym.sandbox.repos import cache_dir

    f = (folder / name).resolve()
    st = f.stat()
    key = f"{f}|{st.st_size}|{st.st_mtime_ns}|{dtype}|{transformers.__version__}"
    return cache_dir() / "models" / f"{f.stem}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def _save_converted(model: Any, tokenizer: Any, target: Path) -> None:
    """Write the dequantized model and tokenizer to ``target`` atomically (a temp folder renamed);
    a concurrent writer's folder wins. Never raises: the cache only saves time."""
    import shutil
    import tempfile

    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=target.name + ".tmp-", dir=target.parent))
        model.save_pretrained(str(tmp), safe_serialization=True)
        tokenizer.save_pretrained(str(tmp))
        (tmp / "rftgym-gguf-complete").write_text("dequantized from GGUF by rftgym\n")
        if not target.exists():
            os.replace(tmp, target)
    except Exception:  # noqa: BLE001 - see the docstring
        pass
    finally:
        if tmp is not None and tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def load_pretrained(path: str | Path, dtype: str | torch.dtype = "auto") -> tuple[Any, Any]:
    """``(model, tokenizer)`` from a saved transformers folder, a hub id already in the local cache,
    or a GGUF file (or a folder holding one; dequantized to ``dtype``, float32 for ``"auto"``, by
    transformers with the ``gguf`` package). Never downloads: ``HF_HUB_OFFLINE`` semantics are forced
    through ``local_files_only``. A path that loads nothing is a ``ValueError`` saying what to pass.

    Dequantizing a GGUF file is slow (SmolLM2-135M: ~30 s on an idle core, minutes on a busy
    machine), so the result is saved once under the rftgym cache (``_gguf_cache_folder``; float32
    SmolLM2-135M: ~540 MB) and later loads read that folder (under a second). ``RFTGYM_GGUF_CACHE=0``
    turns the cache off."""
    options: dict[str, Any] = {"local_files_only": True}
    gguf = gguf_file(path)
    if gguf is not None:
        cached = _gguf_cache_folder(gguf[0], gguf[1], torch.float32 if dtype == "auto" else dtype)
        if cached is not None and (cached / "rftgym-gguf-complete").exists():
            return load_pretrained(cached, dtype=torch.float32 if dtype == "auto" else dtype)
        model, tokenizer = _load(path, dtype, options, gguf)
        if cached is not None:
            _save_converted(model, tokenizer, cached)
        return model, tokenizer
    return _load(path, dtype, options, gguf)


def _load(path: str | Path, dtype: Any, options: dict[str, Any], gguf: tuple[Path, str] | None) -> tuple[Any, Any]:
    if gguf is not None:
        try:
            import gguf as _gguf  # noqa: F401  (transformers reads GGUF files with it)
        except ImportError:
            raise ValueError(f"{path} is a GGUF model: pip install gguf (or 'rftgym[train]') to load it") from None
        path, options["gguf_file"] = str(gguf[0]), gguf[1]
        dtype = torch.float32 if dtype == "auto" else dtype  # GGUF tensors are quantized: "auto" has no dtype to keep
        try:  # transformers >= 5 may keep GGUF blocks packed; a policy that trains needs plain weights
            from transformers import GgufConfig

            options["quantization_config"] = GgufConfig(gguf_file=gguf[1], dequantize=True)
        except ImportError:
            pass  # older transformers always dequantize
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(
            str(path), **{k: v for k, v in options.items() if k != "quantization_config"})
        model = transformers.AutoModelForCausalLM.from_pretrained(str(path), dtype=dtype, **options)
    except OSError as exc:
        raise ValueError(f"cannot load a model from {str(path)!r} ({exc}); pass hf:<folder> with the files "
                         "save_pretrained wrote (config.json, weights, tokenizer), or a .gguf file") from None
    if gguf is not None and all(p.is_floating_point() for p in model.parameters()):
        # dequantized: a plain model now, which trainers may update and save_pretrained writes as such
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
    return model, tokenizer


class _Batcher:
    """Collects the turns that concurrent episodes ask for into ``generate_batch`` calls, on one
    generation thread (the model is used by one batch at a time)."""

    def __init__(self, generate: Any, max_batch: int, batch_wait: float) -> None:
        self.generate, self.max_batch, self.batch_wait = generate, max_batch, batch_wait
        self._queue: queue.Queue = queue.Queue()
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, conversation: list[Message], tools: Tools, rng: np.random.Generator) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        with self._lock:
            if self._worker is None:
                self._worker = threading.Thread(target=self._serve, name="rftgym-hf-generate", daemon=True)
                self._worker.start()
        self._queue.put((conversation, tools, int(rng.integers(1 << 31)), future))
        return future

    def close(self) -> None:
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            self._queue.put(None)
            worker.join(timeout=60)

    def _serve(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            deadline = time.monotonic() + self.batch_wait
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)  # stop after this batch
                    break
                batch.append(item)
            try:
                results = self.generate([b[0] for b in batch], [b[1] for b in batch], seed=batch[0][2])
            except Exception as exc:  # every waiting episode gets the error, the server goes on
                for b in batch:
                    b[3].set_exception(exc)
                continue
            for b, r in zip(batch, results):
                b[3].set_result(r)


def _until_eos(tokens: list[int], eos: int | list[int] | None) -> int:
    """How many generated tokens count: up to and including the first end token."""
    ends = set(eos if isinstance(eos, list) else [eos]) - {None}
    for i, t in enumerate(tokens):
        if t in ends:
            return i + 1
    return len(tokens)


def _structured(conversation: list[Message], notes: dict[int, str]) -> list[Message]:
    """Messages as chat templates want them: call arguments as objects, tool results named, and the
    format notes (``formats.feedback``) appended where they belong."""
    names = {c.get("id"): c.get("function", {}).get("name") for m in conversation for c in m.get("tool_calls") or []}
    out = []
    for i, m in enumerate(conversation):
        m = {k: v for k, v in m.items() if k in ("role", "content", "tool_calls", "tool_call_id")}
        if m.get("tool_calls"):
            calls = []
            for c in m["tool_calls"]:
                args = c["function"].get("arguments") or "{}"
                try:
                    args = json.loads(args) if isinstance(args, str) else args
                except json.JSONDecodeError:
                    pass  # the model's own broken text goes back as it wrote it
                calls.append({"id": c.get("id"), "type": "function",
                              "function": {"name": c["function"].get("name"), "arguments": args}})
            m["tool_calls"] = calls
        if m.get("role") == "tool":
            m["name"] = names.get(m.get("tool_call_id")) or "tool"
        if i in notes:
            m["content"] = "\n".join(p for p in (m.get("content") or "", notes[i]) if p)
        if m.get("content") is None:
            m["content"] = ""
        out.append(m)
    return out
