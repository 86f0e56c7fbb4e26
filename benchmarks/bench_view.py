"""Claim: `rftgym view` opens a large run (10,000 episodes, about 100 MB of JSONL) in under 2 s, and
pages, filters and opens episodes lazily (issue 15).

A real rollout (scripted:parallel on a few test tasks of FileLocalization-v0) gives the episode
shape; its episodes are replicated with distinct task ids and samples, and tool outputs padded, to
10,000 lines of ~10 KB. Measured over real HTTP on 127.0.0.1: "open" = index the folder + bind +
GET /api/runs + the first page of 50 rows + the front-end page; then a deep page, a filtered sorted
page, one full episode, and a refresh after 100 appended episodes (the live path).

Writes benchmarks/results/bench_view.json.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

EPISODES, TARGET_MB, TARGET_OPEN_S = 10_000, 100, 2.0

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
os.environ.setdefault("RFTGYM_CACHE", tempfile.mkdtemp(prefix="bench-cache-"))

from rftgym.rollout import rollout  # noqa: E402
from rftgym.tasks import load_tasks  # noqa: E402
from rftgym.view import make_server  # noqa: E402


def make_run(folder: Path) -> tuple[int, float]:
    """Write a run folder of EPISODES lines totalling about TARGET_MB; returns (lines, MB)."""
    seed_dir = folder.parent / "seed-run"
    tasks = load_tasks(None, kind="localization", split="test")[:6]
    rollout("rftgym/FileLocalization-v0", "scripted:parallel", tasks, split="all", workers=2, out=seed_dir)
    base = [json.loads(x) for x in (seed_dir / "trajectories.jsonl").read_text().splitlines() if x.strip()]
    folder.mkdir(parents=True)
    for name in ("manifest.json", "summary.json", "tasks.jsonl"):
        if (seed_dir / name).exists():
            (folder / name).write_bytes((seed_dir / name).read_bytes())
    per_line = TARGET_MB * 1_000_000 // EPISODES
    rng = random.Random(0)
    with open(folder / "trajectories.jsonl", "w") as fh:
        for i in range(EPISODES):
            ep = dict(base[i % len(base)])
            ep["task_id"], ep["sample"] = f"{ep['task_id']}-{i // 8:04d}", i % 8
            ep["reward"] = round(rng.random(), 3)
            ep["messages"] = fit(ep["messages"], per_line - len(json.dumps({**ep, "messages": []})))
            fh.write(json.dumps(ep, sort_keys=True) + "\n")
    return EPISODES, (folder / "trajectories.jsonl").stat().st_size / 1e6


def fit(messages: list[dict], budget: int) -> list[dict]:
    """``messages`` with tool outputs cut or padded so that they take about ``budget`` characters of JSON."""
    fixed = len(json.dumps([m for m in messages if m["role"] != "tool"]))
    tools = [m for m in messages if m["role"] == "tool"]
    each = max(20, (budget - fixed) // max(1, len(tools)) - 60)
    out = []
    for m in messages:
        if m["role"] == "tool":
            text = m["content"] or ""
            m = {**m, "content": (text * (each // max(1, len(text)) + 1))[:each]}
        out.append(m)
    return out


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.read()


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-view-"))
    run = work / "big"
    n, mb = make_run(run)
    results: dict = {"episodes": n, "jsonl_mb": round(mb, 1), "target_open_s": TARGET_OPEN_S}

    def open_run():
        server = make_server(run, port=0)
        server.start()
        get(server.url + "api/runs")
        first = json.loads(get(server.url + "api/runs/0/episodes?offset=0&limit=50"))
        get(server.url)
        return server, first

    results["open_s"], (server, first) = timed(open_run)
    assert first["total"] == n and len(first["rows"]) == 50
    u = server.url
    results["deep_page_s"] = timed(lambda: get(u + f"api/runs/0/episodes?offset={n - 50}&limit=50"))[0]
    results["filter_sort_page_s"] = timed(lambda: get(u + "api/runs/0/episodes?min_reward=0.5&sort=reward&desc=1"))[0]
    results["episode_s"] = timed(lambda: get(u + f"api/runs/0/episodes/{n // 2}"))[0]
    results["groups_s"] = timed(lambda: get(u + "api/runs/0/groups"))[0]
    # text search: a needle in no episode (the whole file scanned) and one in every episode (one hit
    # each), against decoding every line and searching its text (what a naive viewer would do)
    for name, needle in (("rare", "no episode holds this text"), ("common", "tool_call_id")):
        results[f"text_search_{name}_s"], page = timed(
            lambda: json.loads(get(u + "api/runs/0/episodes?limit=50&text=" + urllib.parse.quote(needle))))
        results[f"text_search_{name}_hits"] = page["total"]
        results[f"text_search_{name}_baseline_s"], hits = timed(lambda: sum(
            needle.lower() in json.dumps(json.loads(line)).lower()
            for line in (run / "trajectories.jsonl").open("rb")))
        assert hits == page["total"], (name, hits, page["total"])
    lines = (run / "trajectories.jsonl").open("rb").readlines()[:100]
    with open(run / "trajectories.jsonl", "ab") as fh:
        fh.writelines(lines)
    results["refresh_100_appended_s"] = timed(lambda: get(u + "api/runs"))[0]
    assert json.loads(get(u + "api/runs"))[0]["episodes"] == n + 100
    server.shutdown()
    server.server_close()
    shutil.rmtree(work, ignore_errors=True)
    results["open_under_target"] = results["open_s"] < TARGET_OPEN_S
    out = ROOT / "results" / "bench_view.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
