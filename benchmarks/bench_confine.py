"""Claim: the local sandbox's filesystem view costs tens of milliseconds per command, no more.

A command in a local workspace (``Workspace.exec``) runs at one of three levels of confinement; we
time ``true`` and a short ``git status`` at each, in the same run, on the built-in ``ledger`` repo:

  network   ``unshare -n`` only: the host's files all readable (the baseline)
  cover     private mount namespace, known gold locations covered (the fallback)
  view      private mount + PID namespaces, a filesystem of system + Python + workspace only
            (``rftgym/sandbox/_view.py``), the default where the kernel permits it

Reported: median wall time per command and the view's cost over the baseline, as a ratio and in ms.
Writes benchmarks/results/bench_confine.json.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPEATS = 40
ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
os.environ.setdefault("RFTGYM_CACHE", tempfile.mkdtemp(prefix="bench-cache-"))

from rftgym.sandbox import confine  # noqa: E402
from rftgym.sandbox.local import LocalSandbox, _no_network_prefix  # noqa: E402
from rftgym.sandbox.repos import builtin_commit  # noqa: E402

COMMANDS = {"true": ["true"], "git status": ["git", "status", "--short"]}


def timed(ws, argv) -> float:
    start = time.perf_counter()
    res = ws.exec(argv, timeout=60)
    assert res.ok, res
    return (time.perf_counter() - start) * 1000


def main() -> None:
    probed = confine.mode()
    if probed[0] != "view":
        sys.exit(f"this machine permits only {probed[0]!r} confinement; the view cannot be measured here")
    levels = {"network": ("none", []), "cover": ("cover", confine._covering_prefix()), "view": probed}
    if not _no_network_prefix() or not levels["cover"][1]:
        sys.exit("unshare is not permitted here")
    results: dict[str, dict[str, float]] = {name: {} for name in COMMANDS}
    with LocalSandbox() as sb:
        ws = sb.open("ledger", builtin_commit("ledger"))
        for cmd, argv in COMMANDS.items():
            samples: dict[str, list[float]] = {level: [] for level in levels}
            for _ in range(REPEATS):  # interleaved, so that load from elsewhere hits every level alike
                for level, mode in levels.items():
                    confine._mode = mode
                    samples[level].append(timed(ws, argv))
            for level, times in samples.items():
                results[cmd][level] = round(statistics.median(times), 2)
        confine._mode = probed
        ws.close()
    for cmd, row in results.items():
        row["view_over_network_x"] = round(row["view"] / row["network"], 2)
        row["view_extra_ms"] = round(row["view"] - row["network"], 2)
        print(f"{cmd:12s} network {row['network']:6.2f} ms  cover {row['cover']:6.2f} ms  view {row['view']:6.2f} ms"
              f"  (view: +{row['view_extra_ms']:.1f} ms, {row['view_over_network_x']}x)")
    out = {"repeats": REPEATS, "median_ms": results,
           "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                       "load_avg_1m": round(os.getloadavg()[0], 2)},
           "target": "the view adds at most 50 ms to a command"}
    out["target_met"] = all(row["view_extra_ms"] <= 50 for row in results.values())
    path = ROOT / "results" / "bench_confine.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
