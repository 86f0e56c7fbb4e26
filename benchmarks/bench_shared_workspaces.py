"""What a read-only episode pays for its workspace on a big real repository: a private copy each
(``share_workspaces=False``) against a handle on the snapshot's shared workspace (the default for
FileLocalization and CodeQA), in the same run.

Repository: the installed sources of ``transformers`` (thousands of files, ~49 MB) materialised as a
git repo (``bench_big_repos.materialise``). The snapshot is created first, outside the timings.
Measured: the first episode's reset (a fresh sandbox: the private copy is made, the shared workspace
is made once); ``ROUNDS`` more episodes on the same env, one after the other (what one slot of a run
does: a private copy is reset and taken back from the pool, a shared handle returned and taken);
the reset of each further slot once ``INFLIGHT`` episodes are in flight (a private copy each, or a
handle); and the work dir's size with those ``INFLIGHT`` episodes in flight (``du``).

Run: python benchmarks/bench_shared_workspaces.py  (about 2 minutes; writes
benchmarks/results/bench_shared_workspaces.json). BENCH_PACKAGE=ray to use another package.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PACKAGE = os.environ.get("BENCH_PACKAGE", "transformers")
ROUNDS = 10
INFLIGHT = 8
OUT = Path(__file__).resolve().parent / "results" / "bench_shared_workspaces.json"

base = Path(tempfile.mkdtemp(prefix="rftgym-bench-shared-"))
os.environ.setdefault("RFTGYM_CACHE", str(base / "cache"))
os.environ["RFTGYM_WORKDIR"] = str(Path("/dev/shm") / f"rftgym-bench-shared-{os.getpid()}"
                                   if os.path.isdir("/dev/shm") else base / "ws")
Path(os.environ["RFTGYM_WORKDIR"]).mkdir(parents=True, exist_ok=True)
sys.path.insert(0, str(Path(__file__).resolve().parent))

import gymnasium as gym  # noqa: E402

import rftgym.envs  # noqa: E402,F401
from bench_big_repos import materialise  # noqa: E402
from rftgym.sandbox import clone, repos  # noqa: E402
from rftgym.sandbox.local import LocalSandbox  # noqa: E402

ENV = "rftgym/FileLocalization-v0"


def du_mb(path: str) -> float:
    out = subprocess.run(["du", "-sm", path], capture_output=True, text=True).stdout.split()
    return float(out[0]) if out else 0.0


def measure(repo: Path, commit: str, tasks: list[dict], share: bool) -> dict:
    kw = {"share_workspaces": share}
    sandbox = LocalSandbox(pool_size=INFLIGHT)
    env = gym.make(ENV, tasks=tasks, split="all", sandbox=sandbox, **kw).unwrapped
    t = time.perf_counter()
    env.reset(seed=0, options={"task_id": tasks[0]["id"]})
    first = (time.perf_counter() - t) * 1000
    times = []
    for i in range(ROUNDS):
        t = time.perf_counter()
        env.reset(seed=i + 1, options={"task_id": tasks[(i + 1) % len(tasks)]["id"]})
        times.append((time.perf_counter() - t) * 1000)
    envs = [gym.make(ENV, tasks=tasks, split="all", sandbox=sandbox, **kw).unwrapped for _ in range(INFLIGHT - 1)]
    t = time.perf_counter()
    for k, e in enumerate(envs):  # more slots in flight: each needs a workspace of its own, or a handle
        e.reset(seed=100 + k, options={"task_id": tasks[k % len(tasks)]["id"]})
    new_slot = (time.perf_counter() - t) * 1000 / len(envs)
    disk = du_mb(os.environ["RFTGYM_WORKDIR"])
    for e in [env, *envs]:
        e.close()
    sandbox.close()
    clone.wait_removals(120)
    return {"workspaces": "shared" if share else "private", "first_reset_ms": round(first, 1),
            "reset_ms_median": round(statistics.median(times), 2), "reset_ms_max": round(max(times), 2),
            "new_slot_reset_ms": round(new_slot, 2),
            f"workdir_mb_with_{INFLIGHT}_in_flight": disk}


if __name__ == "__main__":
    repo, files = materialise(PACKAGE, base / "repo")
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    t = time.perf_counter()
    repos.snapshot(str(repo), commit)
    snapshot_s = time.perf_counter() - t
    tasks = [{"id": f"t{i}", "prompt": "where is the attention mask built", "repo": str(repo), "commit": commit,
              "gold_files": [f"{PACKAGE}/__init__.py"]} for i in range(INFLIGHT)]
    rows = [measure(repo, commit, tasks, share) for share in (False, True)]
    private, shared = rows
    result = {"package": PACKAGE, "files": files, "snapshot_create_s": round(snapshot_s, 1), "rounds": ROUNDS,
              "rows": rows,
              "new_slot_speedup": round(private["new_slot_reset_ms"] / max(shared["new_slot_reset_ms"], 1e-3), 1),
              "workdir_ratio": round(private[f"workdir_mb_with_{INFLIGHT}_in_flight"]
                                     / max(shared[f"workdir_mb_with_{INFLIGHT}_in_flight"], 1e-3), 1),
              "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": sys.version.split()[0],
                          "load_avg_1m": round(os.getloadavg()[0], 2)}}
    for r in rows:
        print(f"{r['workspaces']:>8}: first reset {r['first_reset_ms']:8.1f} ms, same slot again {r['reset_ms_median']:6.2f} ms, "
              f"a new slot {r['new_slot_reset_ms']:8.2f} ms, work dir with {INFLIGHT} in flight "
              f"{r[f'workdir_mb_with_{INFLIGHT}_in_flight']:.0f} MB")
    print(f"a new slot's reset {result['new_slot_speedup']}x faster shared, work dir {result['workdir_ratio']}x smaller "
          f"({files} files, load {result['machine']['load_avg_1m']})")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {OUT}")
    shutil.rmtree(base, ignore_errors=True)
    shutil.rmtree(os.environ["RFTGYM_WORKDIR"], ignore_errors=True)
