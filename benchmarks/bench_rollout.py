"""Rollout throughput against concurrency, threads vs Ray, with a policy that waits on a 'model'.

Claim: an I/O-bound policy (a hosted model: seconds per turn, no CPU) runs at the throughput its
latency allows, concurrency / episode latency, up to 1,000 episodes in flight on a 2-core machine,
on both backends. Each episode is a real ToolEnv episode on a small git repo: a reset, a turn of two
parallel tool calls (list_dir, read_file), a submit, a FileSetF1 grade. Its tools and grader only
read, so by default the episodes share one workspace per snapshot (``SharedWorkspace``); the rows
with ``"workspaces": "private"`` (1,000 in flight, ``share_workspaces=False``) give each slot its own
pooled copy, reset after each episode, as episodes that write (bug fixing) have.

Each run writes a run folder (trajectories.jsonl fsynced as episodes finish), as `rftgym eval` does.
Measured for each (backend, concurrency): episodes per second over the whole run (end to end: envs,
workspaces and actors created, and torn down, inside the timing) and in steady state (from the
moment the first `concurrency` episodes have finished to the last one: what a long training run
sees), both against the ideal, concurrency / (turns x latency). Ray is started before the timings,
as a cluster would be; its actors are started inside them. The target (issue 16 part 3) is the end
to end figure at 1,000 in flight: ``end_to_end_share_of_ideal`` per backend in the results.

Runs stream (``rollout(stream=True)``, as ``rftgym eval`` does): episodes go to disk, not memory.
Memory: the driver's and each Ray actor's peak RSS, sampled every 0.25 s of a run. Where the time
went: first episode, first round and last episode done, and the teardown after it. Workspaces left
at a run's end are deleted by a background process (``clone.remove_later``); the script waits for
it after each timing (``background_removal_wait_s``) so that no run pays for the one before.
Other users of the machine count: the load average is recorded with each row.

Run: python benchmarks/bench_rollout.py  (about 5 minutes; writes benchmarks/results/bench_rollout.json)
Settings from the environment: BENCH_CONCURRENCY=1000, BENCH_BACKENDS=thread, BENCH_OUT=/tmp/x.json,
BENCH_PRIVATE=0 (no private-workspace rows).
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# -- settings --------------------------------------------------------------------------------------
CONCURRENCY = [int(c) for c in os.environ.get("BENCH_CONCURRENCY", "1,10,100,1000").split(",")]  # in flight
LATENCY_S = 2.0                   # the policy's wait per turn (an asyncio.sleep): a hosted model's latency
TURNS = 2                         # turns per episode: explore (2 parallel calls), then submit
ROUNDS = 3                        # episodes per slot: concurrency x ROUNDS episodes per measurement
WORKERS = 2                       # worker threads (thread backend) or actors (ray backend): one per core
BACKENDS = os.environ.get("BENCH_BACKENDS", "thread,ray").split(",")
# Workspaces on tmpfs when there is one. On this machine's ext4 disk (mounted with discard) a workspace
# copy costs ~16 ms to create and ~100 ms to delete, and LocalSandbox.close deletes them one by one:
# 1,000 of them add minutes to a run's teardown. On tmpfs: ~5 ms and ~1 ms.
WORKDIR = "/dev/shm/rftgym-bench-ws" if os.path.isdir("/dev/shm") else None
OUT = Path(os.environ.get("BENCH_OUT") or Path(__file__).resolve().parent / "results" / "bench_rollout.json")

base = Path(tempfile.mkdtemp(prefix="rftgym-bench-rollout-"))
os.environ.setdefault("RFTGYM_CACHE", str(base / "cache"))  # before rftgym or Ray start: workers inherit it
os.environ["RFTGYM_WORKDIR"] = WORKDIR or str(base / "ws")

import numpy as np  # noqa: E402

from rftgym.policies import Policy  # noqa: E402
from rftgym.rollout import rollout  # noqa: E402
from rftgym.sandbox import clone  # noqa: E402

ENV = "rftgym/FileLocalization-v0"


# -- a small repository and one task per slot -----------------------------------------------------
def make_repo(root: Path) -> str:
    files = {"README.md": "# shop\n", "shop/__init__.py": "",
             "shop/cart.py": "from shop.tax import apply_tax\n\n\nclass Cart:\n    def total(self, items):\n"
                             "        return apply_tax(sum(items))\n",
             "shop/tax.py": "RATE = 0.2\n\n\ndef apply_tax(amount):\n    return amount * (1 + RATE)\n",
             "tests/test_cart.py": "from shop.cart import Cart\n\n\ndef test_total():\n"
                                   "    assert Cart().total([10]) == 12\n"}
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@x"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "shop"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True).stdout.strip()


repo = base / "shop"
commit = make_repo(repo)


def tasks(n: int) -> list[dict]:
    return [{"id": f"t{i:04d}", "prompt": "VAT is added twice to the cart total", "repo": str(repo),
             "commit": commit, "gold_files": ["shop/tax.py"]} for i in range(n)]


# -- the policy: waits LATENCY_S per turn, then plays a fixed two-turn plan ----------------------------
class WaitsOnModel(Policy):
    spec = "bench:waits-on-model"

    def __init__(self, latency: float) -> None:
        self.latency = latency

    def plan(self, conversation: list[dict]) -> dict:
        turn = sum(m["role"] == "assistant" for m in conversation)
        calls = ([("list_dir", {"path": "."}), ("read_file", {"path": "shop/cart.py"})] if turn == 0
                 else [("submit", {"files": ["shop/tax.py"]})])
        return {"role": "assistant", "content": None, "tool_calls": [
            {"id": f"call_{turn}_{i}", "type": "function", "function": {"name": n, "arguments": json.dumps(a)}}
            for i, (n, a) in enumerate(calls)]}

    def act(self, conversation, tools, rng):
        time.sleep(self.latency)
        return self.plan(conversation)

    async def aact(self, conversation, tools, rng):
        await asyncio.sleep(self.latency)
        return self.plan(conversation)


# -- memory: resident set sizes, sampled while a run goes ------------------------------------------
def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:")) / 1024
    except (OSError, StopIteration, ValueError):
        return 0.0


def rollout_actors() -> list[int]:
    """The pids of this process's Ray rollout actors: descendants of it titled ``ray::RolloutActor``
    (other users' Ray runs on the machine are not ours)."""
    parent: dict[int, int] = {}
    titled: list[int] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                parent[int(entry)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                if fh.read(64).startswith(b"ray::RolloutActor"):
                    titled.append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    me, out = os.getpid(), []
    for pid in titled:
        p, seen = pid, 0
        while p > 1 and seen < 64:
            p, seen = parent.get(p, 0), seen + 1
            if p == me:
                out.append(pid)
                break
    return out


def cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used so far."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


class MemorySampler(threading.Thread):
    """Peak RSS of the driver (this process) and of each rollout actor, every 0.25 s of a run, and
    the CPU time each actor had used at its last sample (they end with the run)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.driver_mb = 0.0
        self.actors_mb: dict[int, float] = {}
        self.actors_cpu: dict[int, float] = {}

    def run(self) -> None:
        while not self.stop.wait(0.25):
            self.driver_mb = max(self.driver_mb, rss_mb(os.getpid()))
            for pid in rollout_actors():
                self.actors_mb[pid] = max(self.actors_mb.get(pid, 0.0), rss_mb(pid))
                self.actors_cpu[pid] = max(self.actors_cpu.get(pid, 0.0), cpu_s(pid))


# -- measure ---------------------------------------------------------------------------------------
PRIVATE_ROWS = os.environ.get("BENCH_PRIVATE", "1") != "0"


def measure(backend: str, concurrency: int, share: bool = True) -> dict:
    finished: list[float] = []
    outcomes: list[tuple[bool, bool]] = []  # (failed, not solved) of each episode
    driver_before = rss_mb(os.getpid())
    sampler = MemorySampler()
    sampler.start()
    cpu_before = os.times()
    start = time.monotonic()
    result = rollout(ENV, WaitsOnModel(LATENCY_S), tasks(concurrency), split="all", samples=ROUNDS,
                     workers=WORKERS, concurrency=concurrency, backend=backend,
                     env_kwargs=None if share else {"share_workspaces": False},
                     out=base / f"run-{backend}-{concurrency}-{'shared' if share else 'private'}",  # fsynced, like `rftgym eval`
                     stream=True,  # as `rftgym eval` runs: episodes on disk, not in memory
                     on_episode=lambda traj, n, total: (finished.append(time.monotonic()),
                                                        outcomes.append((traj.error is not None, traj.reward != 1.0))))
    wall = time.monotonic() - start
    cpu_after = os.times()
    driver_cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    sampler.stop.set()
    sampler.join()
    removal_s = clone.wait_removals(300)  # workspaces deleted in the background after the run returned
    n = len(finished)
    ideal = concurrency / (TURNS * LATENCY_S)
    steady = (n - concurrency) / (finished[-1] - finished[concurrency - 1])
    assert result.streamed and result.summary["episodes"] == n
    failed = sum(f for f, _ in outcomes)
    wrong = sum(w for _, w in outcomes)
    actors = sorted(sampler.actors_mb.values())
    return {"backend": backend, "concurrency": concurrency, "workspaces": "shared" if share else "private",
            "episodes": n, "failed": failed, "not_solved": wrong,
            "wall_s": round(wall, 2), "ideal_eps": round(ideal, 2),
            "end_to_end_eps": round(n / wall, 2), "end_to_end_vs_ideal": round(n / wall / ideal, 3),
            "steady_eps": round(steady, 2), "steady_vs_ideal": round(steady / ideal, 3),
            # where the time went: the first round of episodes done (ideal: one episode, TURNS x LATENCY_S),
            # the last episode done, and what came after it (envs, workspaces, actors torn down)
            "first_done_s": round(finished[0] - start, 2), "first_round_done_s": round(finished[concurrency - 1] - start, 2),
            "last_done_s": round(finished[-1] - start, 2), "teardown_s": round(wall - (finished[-1] - start), 2),
            "background_removal_wait_s": round(removal_s, 2),  # waited after the timing, before the next run
            # memory: peak RSS while the run went; per 1,000 episodes in flight where it grows with them
            "driver_rss_peak_mb": round(sampler.driver_mb, 1),
            "driver_rss_growth_mb": round(sampler.driver_mb - driver_before, 1),
            "driver_rss_growth_mb_per_1000_in_flight": round((sampler.driver_mb - driver_before) * 1000 / concurrency, 1),
            "actors": len(actors), "actor_rss_peak_mb": round(actors[-1], 1) if actors else None,
            "actors_rss_total_mb_per_1000_in_flight": round(sum(actors) * 1000 / concurrency, 1) if actors else None,
            # CPU per episode (user + system): what the machine must supply, whatever its load
            "driver_cpu_ms_per_episode": round(driver_cpu * 1000 / n, 2),
            "actors_cpu_ms_per_episode": round(sum(sampler.actors_cpu.values()) * 1000 / n, 2) if actors else None,
            "load_avg_1m": round(os.getloadavg()[0], 2)}


if __name__ == "__main__":
    rows = []
    if "ray" in BACKENDS:
        from rftgym.rollout.ray_backend import connect

        t0 = time.monotonic()
        connect(None, num_cpus=os.cpu_count() or 2)
        ray_start_s = time.monotonic() - t0
    for backend in BACKENDS:
        for c, share in [*((c, True) for c in CONCURRENCY), *([(1000, False)] if PRIVATE_ROWS and 1000 in CONCURRENCY
                                                              else [])]:
            row = measure(backend, c, share)
            rows.append(row)
            print(f"{backend:>6}  c={c:<5} {row['workspaces']:>7} {row['steady_eps']:8.1f} eps/s steady "
                  f"({row['steady_vs_ideal']:.0%} of {row['ideal_eps']:g}), {row['end_to_end_eps']:8.1f} end to end "
                  f"({row['end_to_end_vs_ideal']:.0%}), wall {row['wall_s']}s", flush=True)
    if "ray" in BACKENDS:
        import ray

        ray.shutdown()

    print(f"\nRollout throughput: {LATENCY_S:g}s per model turn x {TURNS} turns = {TURNS * LATENCY_S:g}s per "
          f"episode, {ROUNDS} episodes per slot, {WORKERS} workers, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    header = f"{'backend':>8} {'concurrency':>11} {'workspaces':>10} {'ideal eps/s':>11} {'steady eps/s':>12} " \
             f"{'steady %':>8} {'end-to-end eps/s':>16} {'e2e %':>6} {'wall s':>7} {'failed':>6}"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['backend']:>8} {r['concurrency']:>11} {r['workspaces']:>10} {r['ideal_eps']:>11.2f} {r['steady_eps']:>12.2f} "
              f"{r['steady_vs_ideal']:>8.1%} {r['end_to_end_eps']:>16.2f} {r['end_to_end_vs_ideal']:>6.1%} "
              f"{r['wall_s']:>7.1f} {r['failed']:>6}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "settings": {"concurrency": CONCURRENCY, "latency_s": LATENCY_S, "turns": TURNS, "rounds": ROUNDS,
                     "workers": WORKERS, "workdir": os.environ["RFTGYM_WORKDIR"]},
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": sys.version.split()[0]},
        "ray_start_s": round(ray_start_s, 2) if "ray" in BACKENDS else None,
        "results": rows,
        "target": "concurrency 1000 at >= 90% of ideal end to end (issue 16 part 3; steady state was the earlier one)",
        "end_to_end_share_of_ideal": {b: next((r["end_to_end_vs_ideal"] for r in rows
                                               if r["backend"] == b and r["concurrency"] == 1000
                                               and r["workspaces"] == "shared"), None) for b in BACKENDS},
        "steady_share_of_ideal": {b: next((r["steady_vs_ideal"] for r in rows
                                           if r["backend"] == b and r["concurrency"] == 1000
                                           and r["workspaces"] == "shared"), None) for b in BACKENDS},
        "end_to_end_share_of_ideal_private_workspaces": {b: next((r["end_to_end_vs_ideal"] for r in rows
                                                                  if r["backend"] == b and r["concurrency"] == 1000
                                                                  and r["workspaces"] == "private"), None)
                                                         for b in BACKENDS},
        "target_met": {b: bool(np.all([r["end_to_end_vs_ideal"] >= 0.9 for r in rows
                                       if r["backend"] == b and r["concurrency"] == 1000
                                       and r["workspaces"] == "shared"])) for b in BACKENDS},
        "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
    }, indent=2) + "\n")
    print(f"\nwrote {OUT}")
    shutil.rmtree(base, ignore_errors=True)
