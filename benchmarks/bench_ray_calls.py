"""What a Ray call per episode costs, against one call per batch of free slots (``RolloutActor.play``).

Claim: at 1,000 episodes in flight on 2 actors, handing an actor the next episodes of all its free
slots in one call, whose finished episodes stream back in batches (a Ray generator), costs a
fraction of the CPU of one call per episode, on the actors and on the driver, and keeps the run at
its ideal length. Bare async actors, no rftgym env: each "episode" is a 2 s ``asyncio.sleep`` (a
model's latency) that returns a 3 KB line (a trajectory), 3 rounds of 1,000. The driver keeps every
slot full as ``run_ray`` does. Both ways run twice, alternating, in one Ray runtime.

Run: python benchmarks/bench_ray_calls.py  (about 40 s; writes benchmarks/results/bench_ray_calls.json)
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import time
from pathlib import Path

IN_FLIGHT, ROUNDS, LATENCY_S, ACTORS = 1000, 3, 2.0, 2
LINE = "x" * 3000
OUT = Path(__file__).resolve().parent / "results" / "bench_ray_calls.json"


class Episodes:
    """An actor whose episodes only wait: what is left is the cost of the calls."""

    async def one(self, job: int) -> str:
        await asyncio.sleep(LATENCY_S)
        return LINE

    async def batch(self, jobs: list[int]):
        finished: asyncio.Queue = asyncio.Queue()
        for job in jobs:
            asyncio.ensure_future(self.one(job)).add_done_callback(lambda f, j=job: finished.put_nowait((j, f)))
        left = len(jobs)
        while left:
            done = [await finished.get()]
            while not finished.empty():
                done.append(finished.get_nowait())
            left -= len(done)
            yield [(j, f.result()) for j, f in done]

    def cpu_s(self) -> float:
        t = os.times()
        return t.user + t.system


def per_episode(ray, actors, jobs: list[int]) -> None:
    pending, inflight, load, cap = list(jobs), {}, [0] * len(actors), IN_FLIGHT // len(actors)
    while pending or inflight:
        for a, actor in enumerate(actors):
            while pending and load[a] < cap:
                inflight[actor.one.remote(pending.pop())] = a
                load[a] += 1
        ready, _ = ray.wait(list(inflight), num_returns=1)
        ready, _ = ray.wait(list(inflight), num_returns=len(inflight), timeout=0)
        for ref in ready:
            load[inflight.pop(ref)] -= 1
            ray.get(ref)


def batched(ray, actors, jobs: list[int]) -> None:
    pending, gens, load, cap = list(jobs), {}, [0] * len(actors), IN_FLIGHT // len(actors)
    while pending or gens:
        for a, actor in enumerate(actors):
            free = min(cap - load[a], len(pending))
            if free > 0:
                gens[actor.batch.remote([pending.pop() for _ in range(free)])] = a
                load[a] += free
        ready, _ = ray.wait(list(gens), num_returns=1)
        ready, _ = ray.wait(list(gens), num_returns=len(gens), timeout=0)
        for gen in ready:
            try:
                load[gens[gen]] -= len(ray.get(next(gen)))
            except StopIteration:
                del gens[gen]


def measure(ray, remote_cls, way: str, play) -> dict:
    actors = [remote_cls.options(max_concurrency=IN_FLIGHT + 8).remote() for _ in range(ACTORS)]
    before = ray.get([a.cpu_s.remote() for a in actors])
    driver = os.times()
    start = time.monotonic()
    play(ray, actors, list(range(IN_FLIGHT * ROUNDS)))
    wall = time.monotonic() - start
    after, driver_after = ray.get([a.cpu_s.remote() for a in actors]), os.times()
    for a in actors:
        ray.kill(a)
    n = IN_FLIGHT * ROUNDS
    return {"way": way, "wall_s": round(wall, 3), "ideal_s": ROUNDS * LATENCY_S,
            "actor_cpu_ms_per_episode": round(1000 * (sum(after) - sum(before)) / n, 3),
            "driver_cpu_ms_per_episode": round(1000 * (driver_after.user + driver_after.system
                                                       - driver.user - driver.system) / n, 3)}


def main() -> None:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import ray

    ray.init(address="local", num_cpus=os.cpu_count() or 2, include_dashboard=False, log_to_driver=False)
    remote_cls = ray.remote(Episodes)
    rows = []
    try:
        for _ in range(2):
            rows.append(measure(ray, remote_cls, "a call per episode", per_episode))
            rows.append(measure(ray, remote_cls, "a call per batch of free slots", batched))
    finally:
        ray.shutdown()

    def mean(way: str, key: str) -> float:
        vals = [r[key] for r in rows if r["way"] == way]
        return sum(vals) / len(vals)

    ratios = {key: round(mean("a call per episode", key) / max(1e-9, mean("a call per batch of free slots", key)), 1)
              for key in ("actor_cpu_ms_per_episode", "driver_cpu_ms_per_episode")}
    result = {"settings": {"in_flight": IN_FLIGHT, "rounds": ROUNDS, "latency_s": LATENCY_S, "actors": ACTORS,
                           "line_bytes": len(LINE)},
              "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_avg_1m": os.getloadavg()[0]},
              "rows": rows, "per_episode_over_batched": ratios}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    for r in rows:
        print(f"{r['way']:32s} wall {r['wall_s']:6.2f} s (ideal {r['ideal_s']:.1f})  actor "
              f"{r['actor_cpu_ms_per_episode']:.3f} ms  driver {r['driver_cpu_ms_per_episode']:.3f} ms per episode")
    print(f"per episode / batched: {ratios}\nwrote {OUT}")


if __name__ == "__main__":
    main()
