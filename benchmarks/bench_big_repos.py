"""Read tools on big real codebases (issue 13 part 2): installed package sources as git repos.

For each package (default: ``transformers``, ~3,000 files; ``--packages`` for more, e.g. ``ray``),
copies its installed source files (no ``__pycache__``, no binaries) into a fresh git repo and measures,
with a fresh rftgym cache:

- snapshot creation, the indexes built at that time (the default, ``RFTGYM_INDEX_AT_SNAPSHOT=1``),
  then the first ``search_code`` / ``find_symbol`` in this process and as a new process (loading the
  persisted indexes); the same for a second commit with ``RFTGYM_INDEX_AT_SNAPSHOT=0``, whose first
  calls build the indexes;
- warm calls of every read tool, calls after an edit (incremental index), reset;
- 8 read calls in one turn (threads; worker processes, with each grep split over the workers and
  without) against the same 8 in 8 turns, rounds alternating, and the memory of each read worker;
- ``rg`` / ``git grep`` on the same tree in the same run.

    python benchmarks/bench_big_repos.py [--packages transformers ray] [--out benchmarks/results/bench_big_repos.json]
    python benchmarks/bench_big_repos.py --only 8reads [--rounds 15]   # just the turn of 8 reads (~1 min)

Run it under ``taskset -c 0,1`` to measure "on 2 cores" on a bigger machine (the pool sizes itself
to the usable cores).
"""

from __future__ import annotations

import argparse
import importlib.util
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

_SKIP_DIRS = {"__pycache__", ".git"}
_SKIP_EXT = {".so", ".pyc", ".pyd", ".dll", ".dylib", ".a", ".o", ".bin", ".pt", ".png", ".jpg", ".whl"}


def materialise(package: str, dest: Path) -> tuple[Path, int]:
    """Copy ``package``'s installed sources into a new git repo at ``dest``; (path, file count)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"package {package!r} is not installed in {sys.prefix}")
    src = Path(list(spec.submodule_search_locations)[0])
    count = 0
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        for name in filenames:
            p = Path(dirpath) / name
            if p.suffix in _SKIP_EXT or p.is_symlink() or p.stat().st_size > 1_000_000:
                continue
            out = dest / package / p.relative_to(src)
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, out)
            count += 1
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@x"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", f"{package} sources"]):
        subprocess.run(["git", *args], cwd=dest, check=True, env=env, capture_output=True)
    return dest, count


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return (time.perf_counter() - t) * 1000, out


def median_ms(fn, n: int = 5) -> float:
    return round(statistics.median(timed(fn)[0] for _ in range(n)), 2)


def _eight_reads(package: str) -> list:
    """8 real read calls with different queries (3 search_code, 3 grep, 2 find_symbol)."""
    from rftgym.types import ToolCall

    if package == "transformers":
        spec = [("search_code", {"query": "attention mask padding token"}),
                ("grep", {"pattern": r"def forward\("}),
                ("find_symbol", {"name": "PreTrainedModel"}),
                ("search_code", {"query": "rotary position embedding cache"}),
                ("grep", {"pattern": r"raise ValueError\(f?\"", "glob": "*.py"}),
                ("find_symbol", {"name": "from_pretrained"}),
                ("search_code", {"query": "tokenizer special tokens decode"}),
                ("grep", {"pattern": "gradient_checkpointing", "fixed_string": True})]
    else:
        spec = [("search_code", {"query": "actor scheduling resources"}), ("grep", {"pattern": r"def remote\("}),
                ("find_symbol", {"name": "ActorHandle"}), ("search_code", {"query": "object store memory spill"}),
                ("grep", {"pattern": r"raise ValueError\(", "glob": "*.py"}), ("find_symbol", {"name": "get"}),
                ("search_code", {"query": "placement group bundle"}), ("grep", {"pattern": "num_cpus", "fixed_string": True})]
    return [ToolCall(f"call_{i}", name, json.dumps(args)) for i, (name, args) in enumerate(spec)]


def _version(package: str) -> str | None:
    try:
        from importlib.metadata import version

        return version(package)
    except Exception:  # noqa: BLE001 - informational only
        return None


def _worker_rss(ws, procpool) -> list:
    """Resident memory of each read worker once it has loaded ``ws``'s snapshot."""
    os.environ["RFTGYM_READ_PROCESSES"] = str(procpool.usable_cores())
    try:
        pool = procpool.shared_pool()
        pool.warm(ws)
        rss = [_rss_mb(w.proc.pid) for w in pool._idle]
        procpool.close_shared_pool()
        return rss
    finally:
        del os.environ["RFTGYM_READ_PROCESSES"]


def bench_turn_of_8(ws, package: str, rounds: int = 5) -> dict:
    """8 read calls as 8 turns of one call (the sequential baseline) against one turn of 8 through
    ``ToolExecutor``: every call on its own thread (the executor before the pool), with the pool off
    (``RFTGYM_READ_PROCESSES=0``: the CPU-bound reads one at a time), and on the worker processes
    (``procpool``): as it runs by default (the turn's last long grep split over the workers), with
    each grep on one worker, and with every long grep split; medians of ``rounds`` alternating runs, results checked equal across paths.

    Reported apart: the first turn of 8 on the snapshot with no worker started (it runs here, one
    read at a time; then the workers start and load the snapshot's persisted indexes and texts), and
    when the workers were ready, counted from the start of that turn."""
    from rftgym.tools import READ_TOOLS, get_tool, procpool
    from rftgym.tools.executor import ToolExecutor

    calls = _eight_reads(package)
    ex = ToolExecutor([get_tool(n) for n in READ_TOOLS])
    cores = str(procpool.usable_cores())

    def contents(results):
        assert not [r for r in results if r.error], [r.content for r in results if r.error]
        return [r.content for r in results]

    def turn(processes: str, min_files: str = "300"):
        os.environ["RFTGYM_READ_PROCESSES"] = processes
        os.environ["RFTGYM_READ_POOL_MIN_FILES"] = min_files
        try:
            return ex.run(calls, ws)
        finally:
            del os.environ["RFTGYM_READ_PROCESSES"], os.environ["RFTGYM_READ_POOL_MIN_FILES"]

    reference = [c for call in calls for c in contents(ex.run([call], ws))]
    procpool.close_shared_pool()
    os.environ["RFTGYM_READ_PROCESSES"] = cores  # (the default RFTGYM_READ_POOL_MIN_FILES)
    t0 = time.perf_counter()
    first = ex.run(calls, ws)  # no worker has the snapshot: here, then the workers start and load it
    first_ms = (time.perf_counter() - t0) * 1000
    pool = procpool.shared_pool()
    while not pool.ready(ws):
        time.sleep(0.005)
    ready_ms = (time.perf_counter() - t0) * 1000
    del os.environ["RFTGYM_READ_PROCESSES"]
    assert contents(first) == reference
    seq, threads, serial, pooled, unsplit, split_all = [], [], [], [], [], []
    split_at = procpool.SPLIT_GREP_S

    def pooled_turn(split: str) -> float:
        """``last``: the default (the last long grep of the turn split); ``always``: every long grep
        split; ``never``: each grep on one worker (the pool before grep splitting)."""
        procpool.SPLIT_GREP_S = float("inf") if split == "never" else split_at
        procpool.SPLIT_ONLY_THE_LAST = split != "always"
        try:
            t, out = timed(turn, cores)
        finally:
            procpool.SPLIT_GREP_S, procpool.SPLIT_ONLY_THE_LAST = split_at, True
        assert contents(out) == reference
        return t

    for k in range(rounds):
        t, _ = timed(lambda: [r for call in calls for r in ex.run([call], ws)])
        seq.append(t)
        t, out = timed(turn, "0", str(10**9))  # not eligible: every call on its own thread (the old way)
        threads.append(t)
        assert contents(out) == reference
        t, out = timed(turn, "0")  # pool off: the CPU-bound reads one at a time (the lock lane)
        serial.append(t)
        assert contents(out) == reference
        modes = ("last", "never", "always")
        for split in modes[k % 3:] + modes[:k % 3]:  # none always goes first
            {"last": pooled, "never": unsplit, "always": split_all}[split].append(pooled_turn(split))
    procpool.close_shared_pool()
    seq_ms, thr_ms, ser_ms, pool_ms, uns_ms, all_ms = (round(statistics.median(x), 1)
                                                       for x in (seq, threads, serial, pooled, unsplit, split_all))
    return {"calls": [c.name for c in calls], "workers": int(cores), "eight_turns_ms": seq_ms,
            "one_turn_threads_ms": thr_ms, "one_turn_pool_off_ms": ser_ms, "one_turn_processes_ms": pool_ms,
            "one_turn_processes_greps_unsplit_ms": uns_ms, "one_turn_processes_every_grep_split_ms": all_ms,
            "speedup_threads": round(seq_ms / thr_ms, 2), "speedup_pool_off": round(seq_ms / ser_ms, 2),
            "speedup_processes": round(seq_ms / pool_ms, 2), "speedup_processes_greps_unsplit": round(seq_ms / uns_ms, 2),
            "speedup_processes_every_grep_split": round(seq_ms / all_ms, 2),
            "speedup_processes_median_of_rounds": round(statistics.median(a / b for a, b in zip(seq, pooled)), 2),
            "speedup_processes_greps_unsplit_median_of_rounds": round(
                statistics.median(a / b for a, b in zip(seq, unsplit)), 2),
            "rounds_ms": {"eight_turns": [round(x, 1) for x in seq], "one_turn_processes": [round(x, 1) for x in pooled],
                          "one_turn_processes_greps_unsplit": [round(x, 1) for x in unsplit],
                          "one_turn_processes_every_grep_split": [round(x, 1) for x in split_all]},
            "first_turn_on_snapshot_ms": round(first_ms, 1), "workers_ready_after_ms": round(ready_ms, 1),
            "rounds": rounds}


def _rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(round(int(line.split()[1]) / 1024, 1) for line in f if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return None


def bench_eight_reads_only(package: str, work: Path, rounds: int) -> dict:
    """Only ``one_turn_of_8_reads`` (``--only 8reads``): materialise, snapshot, one workspace, the turn."""
    os.environ["RFTGYM_CACHE"] = str(work / "cache")
    os.environ["RFTGYM_WORKDIR"] = str(work / "ws")
    from rftgym.sandbox import repos as R
    from rftgym.sandbox.local import LocalSandbox

    repo, n_files = materialise(package, work / f"src-{package}")
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    R.snapshot(str(repo), sha)
    with LocalSandbox() as sb:
        ws = sb.open(str(repo), sha)
        load = round(os.getloadavg()[0], 2)
        res = {"package": package, "version": _version(package), "files": n_files, "load_avg_1m_before": load,
               "one_turn_of_8_reads": bench_turn_of_8(ws, package, rounds)}
        res["load_avg_1m_after"] = round(os.getloadavg()[0], 2)
        ws.close()
    return res


def bench_package(package: str, work: Path, previous_impl: bool = False, rounds: int = 5) -> dict:
    os.environ["RFTGYM_CACHE"] = str(work / "cache")
    os.environ["RFTGYM_WORKDIR"] = str(work / "ws")
    from rftgym.sandbox import repos as R
    from rftgym.sandbox.local import LocalSandbox
    from rftgym.sandbox.safepath import reader
    from rftgym.tools import get_tool, procpool
    from rftgym.tools import index as I
    from rftgym.tools.search import index_for

    t0 = time.perf_counter()
    repo, n_files = materialise(package, work / f"src-{package}")
    print(f"{package}: {n_files} files materialised in {time.perf_counter() - t0:.1f}s", file=sys.stderr, flush=True)
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    res: dict = {"package": package, "version": _version(package), "files": n_files,
                 "mb": round(sum(p.stat().st_size for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts) / 1e6, 1)}

    def call(ws, tool_name, **args):
        return get_tool(tool_name).run(ws, args)

    query = "attention mask padding token" if package == "transformers" else "actor scheduling resources"
    symbol = "PreTrainedModel" if package == "transformers" else "ActorHandle"
    pattern = r"def forward\(" if package == "transformers" else r"def remote\("

    # Default: the indexes are built when the snapshot is created (RFTGYM_INDEX_AT_SNAPSHOT=1).
    res["snapshot_create_ms_index_included"], snap = timed(R.snapshot, str(repo), sha)
    res["snapshot_create_ms_index_included"] = round(res["snapshot_create_ms_index_included"], 1)
    res["index_file_mb"] = {k: round(I.index_path(snap, k).stat().st_size / 1e6, 1) for k in ("bm25", "symbols")}
    print(f"{package}: snapshot with index {res['snapshot_create_ms_index_included']:.0f} ms", file=sys.stderr, flush=True)
    some_py = next(f for f in snap.files if f.endswith(".py") and "/" in f and f.count("/") >= 2)
    with LocalSandbox() as sb:
        res["workspace_open_ms"] = round(timed(sb.open, str(repo), sha)[0], 1)
        ws = sb.open(str(repo), sha)
        from rftgym.sandbox import confine

        res["confinement"] = confine.mode()[0]  # where not "view", each change view stats the tree
        res["change_view_ms"] = median_ms(ws.changed_paths)
        res["first_search_code_ms"] = round(timed(call, ws, "search_code", query=query)[0], 1)
        res["first_find_symbol_ms"] = round(timed(call, ws, "find_symbol", name=symbol)[0], 1)
        snap.derived.pop("bm25", None)  # as in a new process: the persisted indexes are loaded
        snap.derived.pop("symbols", None)
        res["first_search_code_ms_new_process"] = round(timed(call, ws, "search_code", query=query)[0], 1)
        res["first_find_symbol_ms_new_process"] = round(timed(call, ws, "find_symbol", name=symbol)[0], 1)
        res["warm_ms"] = {
            "search_code": median_ms(lambda: call(ws, "search_code", query=query)),
            "find_symbol": median_ms(lambda: call(ws, "find_symbol", name=symbol)),
            "grep": median_ms(lambda: call(ws, "grep", pattern=pattern), 3),
            "grep_fixed_glob": median_ms(lambda: call(ws, "grep", pattern="import torch", fixed_string=True,
                                                      glob="*.py"), 3),
            "find_files": median_ms(lambda: call(ws, "find_files", pattern="**/test_*.py")),
            "list_dir": median_ms(lambda: call(ws, "list_dir", path=package, depth=2)),
            "read_file": median_ms(lambda: call(ws, "read_file", path=some_py)),
        }
        res["one_turn_of_8_reads"] = bench_turn_of_8(ws, package, rounds)
        res["one_turn_of_8_reads"]["worker_rss_mb"] = _worker_rss(ws, procpool)
        edit = ws.exec(f"printf '\\ndef bench_added_symbol():\\n    return 1\\n' >> {some_py}", timeout=30)
        assert edit.ok, edit.combined()
        res["after_edit_ms"] = {
            "search_code": median_ms(lambda: call(ws, "search_code", query=query)),
            "find_symbol": median_ms(lambda: call(ws, "find_symbol", name="bench_added_symbol")),
        }
        if previous_impl:
            res["after_edit_ms"]["previous_impl_full_rebuild_per_call"] = round(
                timed(lambda: index_for(reader(ws)).search(query))[0], 1)
        res["reset_after_edit_ms"] = round(timed(ws.reset)[0], 1)
        ws.close()

    # RFTGYM_INDEX_AT_SNAPSHOT=0: a new commit (a fresh snapshot) whose first calls build the indexes.
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "second"], cwd=repo, check=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "b",
                        "GIT_COMMITTER_EMAIL": "b@x"})
    sha2 = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    os.environ["RFTGYM_INDEX_AT_SNAPSHOT"] = "0"
    try:
        lazy_ms, _ = timed(R.snapshot, str(repo), sha2)
        with LocalSandbox() as sb:
            ws = sb.open(str(repo), sha2)
            res["index_at_first_call"] = {
                "snapshot_create_ms": round(lazy_ms, 1),
                "first_search_code_ms": round(timed(call, ws, "search_code", query=query)[0], 1),
                "first_find_symbol_ms": round(timed(call, ws, "find_symbol", name=symbol)[0], 1)}
            ws.close()
    finally:
        del os.environ["RFTGYM_INDEX_AT_SNAPSHOT"]
    tree = str(snap.tree)
    rg = shutil.which("rg")
    res["load_avg_1m_at_end"] = round(os.getloadavg()[0], 2)
    res["external_ms"] = {
        "rg": median_ms(lambda: subprocess.run([rg, "-n", pattern, tree], capture_output=True), 3) if rg else None,
        "git_grep": median_ms(lambda: subprocess.run(["git", "-C", tree, "grep", "-n", "-E", pattern],
                                                     capture_output=True), 3),
    }
    try:
        import resource

        res["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    except ImportError:
        pass
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--packages", nargs="+", default=["transformers"])
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "bench_big_repos.json"))
    ap.add_argument("--previous-impl", action="store_true",
                    help="also time the previous implementation's full rebuild per call (tens of seconds)")
    ap.add_argument("--note", default="", help="where and how this ran (stored with the results)")
    ap.add_argument("--only", choices=["8reads"], default=None,
                    help="8reads: only the turn of 8 read calls (written to results/bench_big_repos_8reads.json)")
    ap.add_argument("--rounds", type=int, default=None, help="rounds of the 8-reads comparison (default 5; "
                    "15 with --only 8reads)")
    args = ap.parse_args()
    if args.only and args.out == ap.get_default("out"):
        args.out = str(Path(__file__).parent / "results" / "bench_big_repos_8reads.json")
    from rftgym.tools.procpool import usable_cores

    results = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                           "usable_cores": usable_cores(), "load_avg_1m_at_start": round(os.getloadavg()[0], 2),
                           "platform": platform.platform(), "note": args.note}, "packages": []}
    for package in args.packages:
        with tempfile.TemporaryDirectory(prefix=f"rftgym-bench-{package}-") as tmp:
            if args.only:
                r = bench_eight_reads_only(package, Path(tmp), args.rounds or 15)
            else:
                r = bench_package(package, Path(tmp), args.previous_impl, args.rounds or 5)
            print(json.dumps(r, indent=2), flush=True)
            results["packages"].append(r)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
