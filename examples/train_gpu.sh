#!/usr/bin/env bash
# rftgym train on a GPU machine: a real instruct model on FileLocalization, LoRA, vLLM generation (TRL's
# colocate mode, which rftgym train picks when CUDA and vLLM are present; plain generate otherwise),
# held-out before/after with 95% intervals, over one or more training seeds.
#
#   MODEL=/path/to/Qwen2.5-1.5B-Instruct bash examples/train_gpu.sh
#   MODEL=... SEEDS="0 1 2" STEPS=50 RESULT=benchmarks/results/train_gpu.json bash examples/train_gpu.sh
#
# Status: run end to end on a 2-core CPU with the SmolLM2-135M GGUF and tiny settings (ALLOW_CPU=1,
# see the README); never run on a GPU yet (no device was lent to the sessions that wrote it), so vLLM
# generation through this script is untested.
#
# MODEL: a local folder or .gguf file (rftgym never downloads weights); any instruct model whose chat
# template takes tools (Qwen 2.5/3, Llama 3.1+), or a ChatML model (tools then go in as hermes text).
# Knobs (environment): OUT (runs/train_gpu), RESULT (benchmarks/results/train_gpu.json), SEEDS ("0"),
# STEPS (50), BATCH (4 prompts a step), ROLLOUTS (8 per prompt), LR (1e-5), MAXLEN (1024 tokens a
# rollout), SAVE (10), N_TRAIN / N_VALID (tasks of the train / test split; empty: all), ENV_ID
# (rftgym/FileLocalization-v0), THREADS (torch CPU threads), ALLOW_CPU=1 (run without CUDA: a check
# of the script, not a GPU result), INSTALL (auto: pip-install only what is missing; 0: install
# nothing), WHEELS=DIR (a folder of wheels, e.g. from examples/gpu_prepare.sh: installed with no index
# and no dependency resolution into SITE, default /tmp/rftgym-site, and this checkout runs from
# PYTHONPATH: for machines without a network), MODEL_PARTS="FILE FILE ..." (a .gguf carried in parts:
# joined into $OUT/model.gguf and, with MODEL_SHA256, checked) instead of MODEL.
set -euo pipefail
OUT=${OUT:-runs/train_gpu}
if [ -z "${MODEL:-}" ] && [ -n "${MODEL_PARTS:-}" ]; then
  mkdir -p "$OUT"
  # shellcheck disable=SC2086  (a list of files)
  cat $MODEL_PARTS > "$OUT/model.gguf"
  if [ -n "${MODEL_SHA256:-}" ] && [ "$(sha256sum "$OUT/model.gguf" | cut -d' ' -f1)" != "$MODEL_SHA256" ]; then
    echo "the joined model's sha256 is not MODEL_SHA256: a part is missing, out of order or damaged" >&2
    exit 2
  fi
  MODEL="$OUT/model.gguf"
fi
MODEL=${MODEL:?set MODEL to a local model folder or .gguf file (or MODEL_PARTS to the parts of one)}
RESULT=${RESULT:-benchmarks/results/train_gpu.json}
SEEDS=${SEEDS:-0}
STEPS=${STEPS:-50}
BATCH=${BATCH:-4}
ROLLOUTS=${ROLLOUTS:-8}
LR=${LR:-1e-5}
MAXLEN=${MAXLEN:-1024}
SAVE=${SAVE:-10}
N_TRAIN=${N_TRAIN:-}
N_VALID=${N_VALID:-}
ENV_ID=${ENV_ID:-rftgym/FileLocalization-v0}
INSTALL=${INSTALL:-auto}
PY=${PYTHON:-python3}

missing() {  # the import names among "$@" that this Python lacks
  "$PY" - "$@" <<'PY'
import importlib.util, sys
print(" ".join(n for n in sys.argv[1:] if importlib.util.find_spec(n) is None))
PY
}
if [ -n "${WHEELS:-}" ]; then
  SITE=${SITE:-/tmp/rftgym-site}
  "$PY" -m pip install -q --no-index --no-deps --no-compile --upgrade --target "$SITE" "$WHEELS"/*.whl
  export PYTHONPATH="$PWD:$SITE${PYTHONPATH:+:$PYTHONPATH}"
elif [ "$INSTALL" != 0 ]; then
  if [ -n "$(missing rftgym trl peft transformers gguf datasets)" ]; then
    "$PY" -m pip install -q -e '.[train]'
  fi
  if [ -n "$(missing vllm)" ]; then
    "$PY" -m pip install -q vllm || echo "vllm did not install: generation falls back to plain generate" >&2
  fi
fi
NEEDED="rftgym trl peft datasets transformers gymnasium git gguf typer rich regex matplotlib"
if [ -n "$(missing $NEEDED)" ]; then
  echo "missing Python modules: $(missing $NEEDED); install '.[train]' (or INSTALL=auto / WHEELS=DIR)" >&2
  exit 2
fi
command -v git >/dev/null || { echo "no git executable: the built-in repos are git commits; install git" >&2; exit 2; }
"$PY" - "${ALLOW_CPU:-0}" <<'PY'
import importlib.util, sys
import torch
if torch.cuda.is_available():
    print("GPU:", torch.cuda.get_device_name(0), "| vLLM:", "yes" if importlib.util.find_spec("vllm") else "no (plain generate)")
elif sys.argv[1] == "1":
    print("no CUDA device: ALLOW_CPU=1, so this runs on the CPU (a check of the script, not a GPU result)")
else:
    sys.exit("no CUDA device (set ALLOW_CPU=1 to check the script on a CPU)")
PY

mkdir -p "$OUT"
# The task file: N_TRAIN tasks of the train split and N_VALID of the test split (the held-out ones).
"$PY" - "$ENV_ID" "$OUT/tasks.jsonl" "$N_TRAIN" "$N_VALID" <<'PY'
import json, sys
import gymnasium as gym
import rftgym.envs  # noqa: F401  (registers the built-in envs)
env_id, path, n_train, n_valid = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
rows = []
for split, n in (("train", n_train), ("test", n_valid)):
    env = gym.make(env_id, split=split).unwrapped
    try:
        rows += [{**t.to_dict(), "split": split} for t in env.tasks[: int(n) if n else None]]
    finally:
        env.close()
with open(path, "w") as f:
    f.writelines(json.dumps(r) + "\n" for r in rows)
print(f"{sum(r['split'] == 'train' for r in rows)} train and {sum(r['split'] == 'test' for r in rows)} held-out tasks")
PY
rm -rf "$OUT/rft"
"$PY" -m rftgym export "$ENV_ID" --format openai-rft --out "$OUT/rft" --tasks "$OUT/tasks.jsonl"

results=()
for seed in $SEEDS; do
  run="$OUT/seed$seed"
  resume=()
  [ -f "$run/config.json" ] && resume=(--resume)  # a crashed or stopped run goes on from its last checkpoint
  "$PY" -m rftgym train "$OUT/rft" --model "$MODEL" --out "$run" --lora --max-steps "$STEPS" --seed "$seed" \
    --batch-size "$BATCH" --rollouts "$ROLLOUTS" --learning-rate "$LR" --max-completion-length "$MAXLEN" \
    --save-steps "$SAVE" ${THREADS:+--threads "$THREADS"} "${resume[@]}" --result "$OUT/result_seed$seed.json"
  results+=("$OUT/result_seed$seed.json")
done
mkdir -p "$(dirname "$RESULT")"
if [ "${#results[@]}" -gt 1 ]; then
  "$PY" -m rftgym.train.results "${results[@]}" --out "$RESULT"   # intervals over seeds
else
  cp "${results[0]}" "$RESULT"                                    # one seed: intervals over episodes
fi
echo "result: $RESULT"
