"""Claims: (1) the calls of one turn run concurrently; (2) the framework adds little per step;
(3) in-process grep over the snapshot's cached texts beats spawning ripgrep per call.

1. 8 calls of a tool that takes 100 ms: one turn with all 8 (concurrent) against 8 turns of one call
   (sequential), through ToolExecutor. Target (issue 2): >= 6x.
2. ToolEnv.step with one call of a no-op tool, averaged over many steps: the framework overhead
   (parse, validate, execute, record, observe). Target (issue 2): <= 100 us.
3. The grep tool against `rg` on the same built-in repository and patterns (skipped without rg).

Writes benchmarks/results/bench_tools.json.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SLOW_SECONDS, SLOW_CALLS = 0.1, 8
STEPS, TURNS_PER_EPISODE = 3000, 20
GREP_PATTERNS = ["def ", r"raise \w+Error", "return None", "class [A-Z]\\w+\\(", "import"]

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
os.environ.setdefault("RFTGYM_CACHE", tempfile.mkdtemp(prefix="bench-cache-"))

import gymnasium as gym  # noqa: E402

import rftgym  # noqa: E402
from rftgym.sandbox.repos import builtin_repo_names  # noqa: E402
from rftgym.tools import get_tool, tool  # noqa: E402
from rftgym.tools.executor import ToolExecutor  # noqa: E402
from rftgym.types import ToolCall  # noqa: E402


@tool(parallel_safe=True, register=False)
def slow(ws) -> str:
    """Sleep 100 ms (a stand-in for a tool that waits on I/O)."""
    time.sleep(SLOW_SECONDS)
    return "ok"


@tool(parallel_safe=True, register=False)
def noop(ws) -> str:
    """Do nothing."""
    return "ok"


def bench_concurrency() -> dict:
    ex = ToolExecutor([slow])
    calls = [ToolCall(f"c{i}", "slow", "{}") for i in range(SLOW_CALLS)]
    ex.run(calls[:2], None)  # warm the pool
    start = time.perf_counter()
    ex.run(calls, None)
    concurrent = time.perf_counter() - start
    start = time.perf_counter()
    for c in calls:
        ex.run([c], None)
    sequential = time.perf_counter() - start
    ex.close()
    return {"calls": SLOW_CALLS, "tool_seconds": SLOW_SECONDS, "concurrent_s": concurrent,
            "sequential_s": sequential, "speedup": sequential / concurrent}


def bench_step_overhead() -> dict:
    repo = builtin_repo_names()[0]
    env = gym.make("rftgym/FileLocalization-v0", split="all", repos=[repo], tools=[noop],
                   max_turns=TURNS_PER_EPISODE + 1).unwrapped
    action = {"role": "assistant", "content": None,
              "tool_calls": [{"id": "c", "type": "function", "function": {"name": "noop", "arguments": "{}"}}]}
    samples = []
    done = 0
    while done < STEPS:
        env.reset(seed=done)
        for _ in range(TURNS_PER_EPISODE):
            start = time.perf_counter()
            env.step(action)
            samples.append(time.perf_counter() - start)
            done += 1
    env.close()
    return {"steps": len(samples), "mean_us": statistics.mean(samples) * 1e6,
            "median_us": statistics.median(samples) * 1e6}


def bench_grep() -> dict:
    from rftgym.sandbox.local import LocalSandbox
    from rftgym.sandbox.repos import builtin_commit

    repo = builtin_repo_names()[0]
    with LocalSandbox() as sb:
        ws = sb.open(repo, builtin_commit(repo))
        grep = get_tool("grep")
        for p in GREP_PATTERNS:  # warm the text cache once, as an episode's first call does
            grep.run(ws, {"pattern": p})
        rows = {}
        rg = shutil.which("rg")
        for p in GREP_PATTERNS:
            start = time.perf_counter()
            for _ in range(20):
                grep.run(ws, {"pattern": p, "max_results": 100})
            ours = (time.perf_counter() - start) / 20
            theirs = None
            if rg:
                start = time.perf_counter()
                for _ in range(20):
                    subprocess.run([rg, "-n", "--sort", "path", "-m", "100", "-e", p, "."], cwd=ws.root,
                                   capture_output=True)
                theirs = (time.perf_counter() - start) / 20
            rows[p] = {"in_process_ms": ours * 1000, "ripgrep_ms": theirs * 1000 if theirs else None}
        return {"repo": repo, "files": len(ws.files()), "patterns": rows}


def main() -> None:
    conc = bench_concurrency()
    step = bench_step_overhead()
    grep = bench_grep()
    result = {"concurrency": conc, "step_overhead": step, "grep": grep,
              "targets": {"concurrency_speedup_min": 6.0, "step_overhead_us_max": 100.0}}
    result["meets_targets"] = conc["speedup"] >= 6.0 and step["median_us"] <= 100.0
    out = ROOT / "results" / "bench_tools.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{SLOW_CALLS} calls of a {SLOW_SECONDS * 1000:.0f} ms tool: concurrent {conc['concurrent_s']:.3f} s, "
          f"sequential {conc['sequential_s']:.3f} s -> {conc['speedup']:.1f}x")
    print(f"ToolEnv.step overhead with a no-op tool: median {step['median_us']:.1f} us, mean {step['mean_us']:.1f} us "
          f"over {step['steps']} steps")
    print(f"grep on {grep['repo']} ({grep['files']} files): in-process vs ripgrep per call")
    for p, row in grep["patterns"].items():
        rg = f"{row['ripgrep_ms']:.2f} ms" if row["ripgrep_ms"] is not None else "n/a (rg not installed)"
        print(f"  {p!r:24} {row['in_process_ms']:.2f} ms   vs   {rg}")
    print(f"meets targets (>= 6x, <= 100 us): {result['meets_targets']}")


if __name__ == "__main__":
    main()
