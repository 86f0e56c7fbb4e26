"""One ``rftgym train`` run: TRL's ``GRPOTrainer`` on rftgym envs, with metrics, checkpoints and resume.

``train(TrainConfig(...)) -> dict`` (the final summary). What it does, in order:

1. ``training_source`` turns the target (an env id or a job spec) into train/valid env arguments;
2. the model loads with ``rftgym.policies.hf.load_pretrained`` (a saved folder or a GGUF file). A
   ChatML model whose template has no tool support (SmolLM2) gets TRL's Qwen 2.5 template, which
   is ChatML plus hermes ``<tool_call>`` text: the tools go in as text, and TRL parses the calls
   (``example_call_template``: its placeholder call is replaced by a concrete one from the first tool);
3. ``rftgym.integrations.trl.environment_factory`` gives the rollout env (subclassed here only to
   record tool errors per episode), ``dataset`` the prompts;
4. ``GRPOConfig``: ``compute_multiplier`` rollouts per prompt (``num_generations``), ``batch_size``
   prompts per step, learning rate ``BASE_LEARNING_RATE * learning_rate_multiplier``, the env's turn
   budget (or ``max_episode_steps``) as ``max_tool_calling_iterations``; LoRA through ``peft``
   with ``lora=True``; vLLM generation (colocated) when CUDA and vLLM are both present;
5. with ``sft`` (``--sft FILE``), a supervised phase first (``rftgym.train.sft``): TRL's
   ``SFTTrainer`` on the file's assistant turns, rendered with the same template and tools the GRPO
   rollouts use, training the same weights (the same LoRA adapters with ``lora=True``); its
   ``metrics.jsonl`` rows have ``phase: "sft"``, its weights go to ``out/sft/model``, and
   ``resume=True`` after it loads them instead of running it again (a run killed during SFT starts over);
6. evaluation on the validation split before training (not on resume; with ``sft``, before it and
   after it: ``phase`` ``"base"`` then ``"sft"``), every ``eval_interval`` steps and at the end
   (``phase: "grpo"``); checkpoints every ``save_steps`` under ``out/checkpoint-<step>``;
   ``resume=True`` continues from the last one; the final model goes to ``out/final``.

``out/metrics.jsonl`` gets one row per train step and per evaluation: TRL's numbers (``reward``,
``kl`` when ``beta > 0``, ``tools/call_frequency``, ...) next to rftgym's own from the episodes of
that step (``tool_calls_per_rollout``, ``turns_per_rollout``, ``calls_per_turn``,
``tool_errors_per_rollout``, ``tool_latency_ms`` (wall time per call that ran),
``grader_errors_per_rollout``, ``tokens_per_call`` (TRL's completion tokens per rollout over tool
calls per rollout), ``submitted_frac``, ``reward_masked`` (infra failures, reward None)); each row is
also printed as one ``[rftgym] step ...`` line under TRL's progress bar. On resume, rows past the
checkpoint's step are dropped before training appends again. ``out/summary.json``'s ``held_out`` is
``rftgym.train.results.held_out`` of the run (every evaluation, before / after with intervals).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rftgym.train.source import TrainSource, training_source
from rftgym.train.spec import BASE_LEARNING_RATE, DEFAULTS


@dataclass
class TrainConfig:
    target: str                        # env id or job spec path
    out: str
    model: str | None = None           # overrides the job's model
    env: str | None = None             # the rftgym env of a job spec (else metadata.rftgym_env / the prompt)
    lora: bool = False
    lora_rank: int = 8
    max_steps: int | None = None       # overrides n_epochs
    resume: bool = False
    max_completion_length: int = 256
    beta: float = 0.0                  # KL coefficient; > 0 loads a reference model (LoRA: the base weights)
    temperature: float = 1.0
    save_steps: int = 10
    seed: int | None = None
    threads: int | None = None         # torch CPU threads (1 is fastest on a shared machine; see the notes)
    eval: bool = True                  # evaluate before, every eval_interval and at the end (if a valid split)
    eval_batch_size: int | None = None # episodes generated together in evaluation (a multiple of eval_samples;
                                       # default eval_samples); on CPU a bigger batch costs little more per token
    # settings for env-id and export-folder targets (a job spec's hyperparameters win)
    batch_size: int = DEFAULTS["batch_size"]
    compute_multiplier: int = DEFAULTS["compute_multiplier"]
    eval_interval: int = DEFAULTS["eval_interval"]
    eval_samples: int = DEFAULTS["eval_samples"]
    learning_rate: float = BASE_LEARNING_RATE
    n_epochs: int = DEFAULTS["n_epochs"]
    # the supervised warm start (rftgym.train.sft): chat rows as `rftgym export --format sft` writes them
    sft: str | None = None             # path of the rows; None: no SFT phase
    sft_epochs: float = 3.0
    sft_steps: int | None = None       # overrides sft_epochs
    sft_learning_rate: float | None = None  # default: the run's learning rate
    sft_batch_size: int = 4


class TrainError(ValueError):
    """A run that cannot start (no model, bad spec, nothing to resume); the message says what to do."""


_PLACEHOLDER_CALL = r'<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call>'
# What replaces it inside the template's double-quoted Jinja string: close the string, build the example from
# the first tool (its first required argument, a value of that argument's type: "*.py" for a pattern), and
# reopen the string. E.g. {"name": "find_files", "arguments": {"pattern": "*.py"}}.
_EXAMPLE_CALL = (
    r'<tool_call>\n{\"name\": \"" }}'
    r"{%- set f = tools[0].function if tools[0].function is defined else tools[0] %}"
    r"{%- set props = (f.parameters or {}).properties or {} %}"
    r"{%- set req = (f.parameters or {}).required or (props | list) %}"
    r"""{{- f.name + '", "arguments": {' }}"""
    r"""{%- if req %}{%- set kind = (props[req[0]] or {}).type %}{{- '"' + req[0] + '": ' }}"""
    r"""{%- if kind == 'string' %}{{- '"*.py"' if req[0] in ['pattern', 'glob'] else '"..."' }}"""
    r"""{%- elif kind in ['integer', 'number'] %}{{- '1' }}{%- elif kind == 'boolean' %}{{- 'true' }}"""
    r"""{%- elif kind == 'array' %}{{- '["..."]' }}{%- else %}{{- '{}' }}{%- endif %}{%- endif %}"""
    r'{{- "}}\n</tool_call>'
)


def example_call_template() -> str:
    """TRL's Qwen 2.5 template (ChatML + hermes tools) with its placeholder call
    ``{"name": <function-name>, "arguments": <args-json-object>}`` replaced by a concrete example built
    from the first tool (``{"name": "find_files", "arguments": {"pattern": "*.py"}}``): a 135M model
    copies the placeholders verbatim, which never parses. Raises ``TrainError`` when the installed TRL's
    template no longer has the placeholder line (the substitution would silently do nothing)."""
    from trl.chat_template_utils import qwen2_5_chat_template

    if _PLACEHOLDER_CALL not in qwen2_5_chat_template:
        raise TrainError("TRL's qwen2_5 chat template changed: its placeholder tool-call line was not found")
    return qwen2_5_chat_template.replace(_PLACEHOLDER_CALL, _EXAMPLE_CALL)


def _chatml_tools_template(tokenizer: Any) -> None:
    """Give a ChatML tokenizer without tool support TRL's Qwen 2.5 template (ChatML + hermes tools) with a
    concrete example call (``example_call_template``), and the response parser TRL pairs with that
    template (TRL matches templates by exact text, so it is set here, before the template changes)."""
    from trl.chat_template_utils import add_response_schema, qwen2_5_chat_template, supports_tool_calling

    if supports_tool_calling(tokenizer):
        return
    vocab = tokenizer.get_vocab()
    if not {"<|im_start|>", "<|im_end|>"} <= set(vocab):
        raise TrainError("the model's chat template cannot render tool calls and it is not a ChatML model; give it a "
                         "template that takes tools (tokenizer.chat_template) and save it with the model")
    tokenizer.chat_template = qwen2_5_chat_template
    add_response_schema(tokenizer)  # the hermes <tool_call> parser of TRL's qwen2_5 template
    tokenizer.chat_template = example_call_template()


def load_model(path: str) -> tuple[Any, Any]:
    from rftgym.policies.hf import load_pretrained

    try:
        model, tokenizer = load_pretrained(path)
    except ValueError as exc:
        raise TrainError(str(exc)) from None
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    _chatml_tools_template(tokenizer)
    return model, tokenizer


def _episode_env(env_id: str, kwargs: dict[str, Any], split: str) -> type:
    """The factory class, recording each episode's tool errors next to what the base records."""
    from rftgym.integrations.trl import environment_factory

    base = environment_factory(env_id, **kwargs)

    def get_reward(self):
        reward = base.get_reward(self)
        turns = self.env.trajectory.turns if self.env.trajectory is not None else []
        with self._lock:
            if self.episodes:
                self.episodes[-1]["tool_errors"] = sum(t.errors for t in turns)
        return reward

    return type(f"{base.__name__}{split.title()}", (base,), {"get_reward": get_reward, "episodes": []})


def _env_tools(env_cls: type) -> list[Any]:
    """The tools the GRPO phase renders into its prompts for ``env_cls``: the public methods of one
    instance, as TRL lists them (alphabetically, less ``reset`` and ``get_reward``)."""
    import inspect

    instance = env_cls()
    try:
        names = [n for n, _ in inspect.getmembers(env_cls, predicate=inspect.isfunction)
                 if not n.startswith("_") and n not in ("reset", "get_reward")]
        return [getattr(instance, n) for n in names]
    finally:
        instance.env.close()


def episode_metrics(episodes: list[dict[str, Any]]) -> dict[str, float]:
    """rftgym's per-step numbers from the episodes of one step (empty: no numbers)."""
    if not episodes:
        return {}
    n = len(episodes)
    calls = [e.get("tool_calls", 0) for e in episodes]
    turns = [e.get("turns", 0) for e in episodes]
    rewards = [e["reward"] for e in episodes if e.get("reward") is not None]
    run = sum(e.get("tool_calls_run", 0) for e in episodes)  # calls that ran (and so have a latency)
    return {"episodes": n,
            "reward_mean": sum(rewards) / len(rewards) if rewards else None,
            "reward_masked": n - len(rewards),
            "tool_calls_per_rollout": sum(calls) / n,
            "turns_per_rollout": sum(turns) / n,
            "calls_per_turn": sum(calls) / max(1, sum(turns)),
            "tool_errors_per_rollout": sum(e.get("tool_errors", 0) for e in episodes) / n,
            "tool_latency_ms": 1000 * sum(e.get("tool_latency_s", 0.0) for e in episodes) / run if run else None,
            "grader_errors_per_rollout": sum(bool(e.get("grader_error")) for e in episodes) / n,
            "submitted_frac": sum(bool(e.get("submitted")) for e in episodes) / n}


def tokens_per_call(row: dict[str, Any]) -> float | None:
    """Completion tokens per tool call of a metrics row: TRL's mean completion length per rollout over
    rftgym's tool calls per rollout (None without calls or without TRL's length)."""
    length, calls = row.get("completions/mean_length"), row.get("tool_calls_per_rollout")
    try:
        return round(float(length) / calls, 2) if length is not None and calls else None
    except (TypeError, ValueError):
        return None


def progress_line(row: dict[str, Any]) -> str:
    """The hosted dashboard's numbers of one metrics row, on one line (printed under TRL's progress bar)."""
    def num(key: str, fmt: str = ".3f") -> str:
        v = row.get(key)
        try:
            return format(float(v), fmt)
        except (TypeError, ValueError):
            return "-"

    kl = f" kl {num('kl', '.4f')}" if row.get("kl") is not None else ""
    return (f"[rftgym] step {row['step']} {row['split']}: reward {num('reward_mean')} "
            f"calls/rollout {num('tool_calls_per_rollout', '.2f')} turns {num('turns_per_rollout', '.2f')} "
            f"calls/turn {num('calls_per_turn', '.2f')} tokens/call {num('tokens_per_call', '.1f')} "
            f"tool {num('tool_latency_ms', '.1f')} ms/call tool errors {num('tool_errors_per_rollout', '.2f')} "
            f"grader errors {num('grader_errors_per_rollout', '.2f')}{kl}")


def _callback(metrics_path: Path, envs: dict[str, type]):
    episodes_path = metrics_path.with_name("episodes.jsonl")
    from transformers import TrainerCallback

    class Metrics(TrainerCallback):
        """Writes one metrics.jsonl row per TRL log (train step or evaluation)."""

        def __init__(self) -> None:
            self.seen = {k: len(v.episodes) for k, v in envs.items()}
            self.started = time.monotonic()
            self.phase = "grpo"  # what the evaluations measure: "base", "sft" (after the SFT phase), "grpo"

        def _new(self, key: str) -> list[dict[str, Any]]:
            eps = envs[key].episodes if key in envs else []
            new, self.seen[key] = eps[self.seen.get(key, 0):], len(eps)
            return new

        def on_log(self, args, state, control, logs=None, **kwargs):
            logs = dict(logs or {})
            split = "valid" if any(k.startswith("eval_") for k in logs) else "train"
            if split == "train" and "reward" not in logs:
                return  # the end-of-training summary line: no step of its own
            episodes = self._new(split)
            phase = self.phase if split == "valid" else "grpo"
            row = {"step": state.global_step, "split": split, "phase": phase,
                   "wall_s": round(time.monotonic() - self.started, 2),
                   **{k.removeprefix("eval_"): v for k, v in logs.items()}, **episode_metrics(episodes)}
            row["tokens_per_call"] = tokens_per_call(row)
            print(progress_line(row), flush=True)
            with metrics_path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(row) + "\n")
            with episodes_path.open("a", encoding="utf-8") as f:  # per episode: for intervals over episodes
                f.writelines(json.dumps({"step": state.global_step, "split": split, "phase": phase, **e}) + "\n"
                             for e in episodes)

    return Metrics()


def _trim_metrics(path: Path, step: int) -> None:
    """Keep the rows up to ``step`` (a checkpoint's) and the SFT phase's: a resumed run writes the later
    GRPO ones again."""
    if not path.exists():
        return
    def kept(row: dict) -> bool:
        return row.get("step", 0) <= step or row.get("phase") == "sft"

    rows = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and kept(json.loads(line))]
    path.write_text("".join(r + "\n" for r in rows), encoding="utf-8")


def _evaluated_at(path: Path, step: int) -> bool:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()] \
        if path.exists() else []
    return any(r["split"] == "valid" and r["step"] == step for r in rows)


def _eval_batch(requested: int | None, eval_samples: int) -> int:
    """The evaluation batch: ``requested`` rounded down to a multiple of ``eval_samples`` (TRL
    generates each prompt's samples in one batch), at least one prompt's samples."""
    samples = max(1, eval_samples)
    return max(samples, (requested or samples) // samples * samples)


def last_checkpoint(out: Path) -> Path | None:
    found = [p for p in out.glob("checkpoint-*") if p.is_dir() and p.name.split("-")[-1].isdigit()]
    return max(found, key=lambda p: int(p.name.split("-")[-1])) if found else None


def _settings(cfg: TrainConfig, source: TrainSource) -> dict[str, Any]:
    job = source.job if source.hyperparameters_from_job else None
    pick = (lambda name: getattr(job, name)) if job is not None else (lambda name: getattr(cfg, name))
    lr = job.learning_rate if job is not None else cfg.learning_rate
    seed = cfg.seed if cfg.seed is not None else (job.seed if job is not None else 0)
    return {"batch_size": pick("batch_size"), "compute_multiplier": pick("compute_multiplier"),
            "eval_interval": pick("eval_interval"), "eval_samples": pick("eval_samples"),
            "n_epochs": pick("n_epochs"), "learning_rate": lr, "seed": seed}


def train(cfg: TrainConfig, *, model: Any = None, tokenizer: Any = None,
          source: TrainSource | None = None, reward_funcs: list[Any] | None = None) -> dict[str, Any]:
    """Run (or resume) a training run; see the module docstring. ``model``/``tokenizer`` may be
    given as objects (tests, notebooks) instead of ``cfg.model``; ``source`` (env id + train/valid
    env kwargs: a task list, a grader) instead of reading ``cfg.target``; ``reward_funcs``: TRL
    reward functions added to the env's reward (TRL sums them). Returns the summary
    written to ``out/summary.json``; ``out/episodes.jsonl`` has one row per episode (step, split,
    task id, reward, calls, turns, tool errors)."""
    import os

    import gymnasium as gym
    import torch
    import trl

    from rftgym.integrations.trl import dataset
    from rftgym.train import sft as sft_phase

    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
    out = Path(cfg.out)
    source = source or training_source(cfg.target, env=cfg.env)
    settings = _settings(cfg, source)
    checkpoint = last_checkpoint(out) if cfg.resume else None
    sft_resumed = sft_phase.sft_done(out) if cfg.resume and cfg.sft else None
    if cfg.resume and checkpoint is None and sft_resumed is None:
        started_sft = cfg.sft and (out / "sft").exists()
        raise TrainError(f"--resume: no checkpoint-<step> folder under {out}"
                         + ("; the SFT phase did not finish either (it is not checkpointed)" if started_sft else "")
                         + "; start the run again without --resume (a new --out)")
    if cfg.resume and checkpoint is not None and cfg.sft and sft_resumed is None:
        raise TrainError(f"--resume --sft: the run in {out} has GRPO checkpoints but no finished SFT phase; resume it "
                         "without --sft (or start a new run with --sft)")
    sft_rows = sft_phase.read_sft_rows(cfg.sft) if cfg.sft and sft_resumed is None else None  # bad input: fail fast
    if not cfg.resume and (out / "metrics.jsonl").exists():
        raise TrainError(f"{out} already holds a run (metrics.jsonl); pass --resume to continue it or choose another --out")
    if model is None:
        path = cfg.model or (source.job.model if source.job is not None else None)
        if not path or not Path(path).expanduser().exists():
            raise TrainError(f"model {path!r} is not a local path; pass --model PATH (a saved model folder or a "
                             ".gguf file): hosted model names cannot be trained here")
        model, tokenizer = load_model(path)
    elif tokenizer is None:
        raise TrainError("train(model=...) needs its tokenizer too")
    else:
        _chatml_tools_template(tokenizer)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    out.mkdir(parents=True, exist_ok=True)

    def split_data(kwargs: dict[str, Any], name: str):
        kw = {k: v for k, v in kwargs.items() if k not in ("tasks", "split")}
        data = dataset(source.env_id, kwargs.get("tasks"), kwargs["split"], **kw)
        return data.add_column("environment", [name] * len(data))  # TRL routes each row to envs[name]

    # one env class per split (TRL's dict factory, routed by the rows' "environment" column): the
    # validation rollouts run on the validation tasks and are counted apart
    envs = {"train": _episode_env(source.env_id, source.train, "train")}
    train_data = split_data(source.train, "train")
    valid_data = None
    if source.valid is not None and cfg.eval:
        valid_data = split_data(source.valid, "valid")
        envs["valid"] = _episode_env(source.env_id, source.valid, "valid")
    probe = gym.make(source.env_id, **source.train).unwrapped
    max_turns = probe.max_turns
    probe.close()
    g = settings["compute_multiplier"]
    cuda = torch.cuda.is_available()
    try:
        import vllm  # noqa: F401
        use_vllm = cuda
    except ImportError:
        use_vllm = False
    args = trl.GRPOConfig(
        output_dir=str(out), max_steps=cfg.max_steps or -1, num_train_epochs=settings["n_epochs"],
        per_device_train_batch_size=settings["batch_size"] * g, num_generations=g,
        num_generations_eval=settings["eval_samples"] if valid_data is not None else None,
        per_device_eval_batch_size=_eval_batch(cfg.eval_batch_size, settings["eval_samples"]),
        learning_rate=settings["learning_rate"], beta=cfg.beta, temperature=cfg.temperature,
        max_completion_length=cfg.max_completion_length, max_tool_calling_iterations=max_turns,
        logging_steps=1, report_to=[], save_strategy="steps", save_steps=cfg.save_steps, save_total_limit=2,
        eval_strategy="steps" if valid_data is not None else "no", eval_steps=settings["eval_interval"],
        use_cpu=not cuda, bf16=cuda, seed=settings["seed"], use_vllm=use_vllm,
        vllm_mode="colocate", disable_tqdm=False)
    peft_config = None
    if cfg.lora:
        from peft import LoraConfig

        peft_config = LoraConfig(r=cfg.lora_rank, lora_alpha=2 * cfg.lora_rank, target_modules="all-linear",
                                 task_type="CAUSAL_LM")
    trainer = trl.GRPOTrainer(model=model, processing_class=tokenizer, args=args, train_dataset=train_data,
                              eval_dataset=valid_data, environment_factory=envs, peft_config=peft_config,
                              **({"reward_funcs": list(reward_funcs)} if reward_funcs else {}))
    metrics_path = out / "metrics.jsonl"
    if cfg.resume:
        step = int(checkpoint.name.split("-")[-1]) if checkpoint is not None else 0
        _trim_metrics(metrics_path, step)
        _trim_metrics(out / "episodes.jsonl", step)
    metrics = _callback(metrics_path, envs)
    trainer.add_callback(metrics)
    (out / "config.json").write_text(json.dumps({"config": asdict(cfg), "env_id": source.env_id, "settings": settings,
                                                 "warnings": source.warnings,
                                                 "job": source.job.to_dict() if source.job else None},
                                                indent=2, default=str) + "\n", encoding="utf-8")
    started = time.monotonic()
    if valid_data is not None and not cfg.resume:
        metrics.phase = "base"
        trainer.evaluate()
    sft_summary = sft_resumed
    if sft_resumed is not None:
        sft_phase.load_sft_weights(trainer.model, out)  # a GRPO checkpoint, when there is one, loads over them
    elif sft_rows is not None:
        examples = sft_phase.sft_examples(sft_rows, tokenizer, _env_tools(envs["train"]), cfg.sft)
        sft_summary = sft_phase.run_sft(
            trainer.model, tokenizer, examples, out=out, metrics_path=metrics_path, epochs=cfg.sft_epochs,
            max_steps=cfg.sft_steps, learning_rate=cfg.sft_learning_rate or settings["learning_rate"],
            batch_size=cfg.sft_batch_size, seed=settings["seed"])
        if valid_data is not None:
            metrics.phase = "sft"
            trainer.evaluate()
    metrics.phase = "grpo"
    trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    if valid_data is not None and not _evaluated_at(metrics_path, trainer.state.global_step):
        trainer.evaluate()  # the end of training (unless the trainer's own schedule just did it)
    trainer.save_model(str(out / "final"))
    tokenizer.save_pretrained(str(out / "final"))
    rows = [json.loads(line) for line in metrics_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    valid = [r for r in rows if r["split"] == "valid"]
    after_sft = [r for r in valid if r.get("phase") == "sft"]
    summary = {"env_id": source.env_id, "steps": trainer.state.global_step, "wall_s": round(time.monotonic() - started, 1),
               "resumed_from": str(checkpoint) if checkpoint else None,
               "valid_before": valid[0] if valid else None, "valid_after": valid[-1] if len(valid) > 1 else None,
               "valid_after_sft": after_sft[-1] if after_sft else None, "sft": sft_summary,
               "final": str(out / "final")}
    if valid:  # before / after on the held-out episodes, with intervals (rftgym.train.results)
        from rftgym.train.results import held_out

        summary["held_out"] = held_out(out)
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary
