#!/usr/bin/env bash
# rftgym train on a GPU machine: a real instruct model on FileLocalization, vLLM generation (TRL's
# colocate mode, picked by rftgym train when CUDA and vLLM are present), LoRA, before/after on the
# held-out split. NOT RUN YET: written on a CPU-only machine (see the notes); expect to adjust.
#
#   MODEL=/path/to/Qwen2.5-1.5B-Instruct OUT=runs/gpu1 STEPS=50 bash examples/train_gpu.sh
#
# MODEL must be a local folder (rftgym never downloads weights); any instruct model whose chat
# template takes tools (Qwen 2.5/3, Llama 3.1+), or a ChatML model (tools then go in as hermes text).
set -euo pipefail
MODEL=${MODEL:?set MODEL to a local model folder or .gguf file}
OUT=${OUT:-runs/train_gpu}
STEPS=${STEPS:-50}
ENV_ID=${ENV_ID:-rftgym/FileLocalization-v0}

python -m pip install -q -e '.[train]' vllm   # trl, peft, transformers, gguf; vllm for generation
python -c 'import torch; assert torch.cuda.is_available(), "no CUDA device"; print(torch.cuda.get_device_name(0))'

mkdir -p "$OUT"
rftgym export "$ENV_ID" --format openai-rft --out "$OUT/rft"
# batch 4 prompts x 8 rollouts per step; evaluation on valid.jsonl before, every 10 steps, at the end
rftgym train "$OUT/rft" --model "$MODEL" --out "$OUT/run" --lora --max-steps "$STEPS" \
  --batch-size 4 --rollouts 8 --learning-rate 1e-5 --max-completion-length 1024 --save-steps 10

# before/after on held-out tasks from the run's validation rows
python - "$OUT/run" "$MODEL" <<'PY'
import json, sys, pathlib
run, model = pathlib.Path(sys.argv[1]), sys.argv[2]
rows = [json.loads(l) for l in (run / "metrics.jsonl").read_text().splitlines() if l.strip()]
valid = [r for r in rows if r["split"] == "valid"]
keys = ("reward_mean", "turns_per_rollout", "calls_per_turn", "tool_errors_per_rollout")
result = {"model": model, "steps": max(r["step"] for r in rows),
          "wall_s": json.loads((run / "summary.json").read_text())["wall_s"],
          "before": {k: valid[0].get(k) for k in keys}, "after": {k: valid[-1].get(k) for k in keys},
          "note": "one run, no CI over seeds yet"}
out = pathlib.Path("benchmarks/results/train_gpu.json")
out.write_text(json.dumps(result, indent=2) + "\n")
print(json.dumps(result, indent=2))
PY
