"""Claim: restoring a workspace costs what the episode changed, not what the repository holds.

Setup: a synthetic repository of 1,000 files (100 packages x 10 modules). An "episode" touches 10
files: 5 edited, 2 deleted, 2 created, 1 chmod-ed. We then restore the pristine tree three ways and
time each, in the same run:

  rftgym      Workspace.reset(): inotify says which paths changed; only those are restored
  git         git reset --hard && git clean -fdx in a git working copy
  fresh copy  delete the tree and copy the snapshot again (what a naive sandbox does)

Targets (issue 2): rftgym median <= 2 ms and >= 20x faster than git reset + clean.
Writes benchmarks/results/bench_reset.json.
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

N_PACKAGES, N_MODULES, LINES = 100, 10, 40
TOUCHED = 10
REPEATS = 60

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
os.environ.setdefault("RFTGYM_CACHE", tempfile.mkdtemp(prefix="bench-cache-"))

from rftgym.sandbox.local import LocalSandbox, workdir_base  # noqa: E402


def git(cwd, *args):
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@x"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def make_repo(base: Path) -> Path:
    repo = base / "big"
    for p in range(N_PACKAGES):
        pkg = repo / f"pkg{p:03d}"
        pkg.mkdir(parents=True)
        for m in range(N_MODULES):
            body = "".join(f"def f{p}_{m}_{i}(x):\n    return x + {i}\n" for i in range(LINES // 2))
            (pkg / f"mod{m}.py").write_text(body)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "big repo")
    return repo


def episode(root: Path, k: int) -> None:
    """Touch 10 files: 5 edits, 2 deletions, 2 new files, 1 mode change."""
    for i in range(5):
        (root / f"pkg{(k + i) % N_PACKAGES:03d}" / "mod1.py").write_text(f"edited {k}\n")
    for i in range(2):
        os.remove(root / f"pkg{(k + 10 + i) % N_PACKAGES:03d}" / "mod2.py")
    for i in range(2):
        (root / f"pkg{(k + 20 + i) % N_PACKAGES:03d}" / f"new{k}.py").write_text("x = 1\n")
    os.chmod(root / f"pkg{(k + 30) % N_PACKAGES:03d}" / "mod3.py", 0o755)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    # Every contender works on the same filesystem: the one rftgym puts workspaces on.
    base = Path(tempfile.mkdtemp(prefix="bench-reset-", dir=workdir_base()))
    repo = make_repo(base)
    files = sum(1 for _ in repo.rglob("*.py"))

    sandbox = LocalSandbox()
    ws = sandbox.open(str(repo), "HEAD")
    ours = []
    for k in range(REPEATS):
        episode(ws.root, k)
        start = time.perf_counter()
        stats = ws.reset()
        ours.append(time.perf_counter() - start)
        assert not stats.full_scan and stats.restored + stats.removed == TOUCHED, stats

    # The same reset with the workspace on the temp dir's disk instead, for comparison.
    disk = LocalSandbox(workdir=tempfile.mkdtemp(prefix="bench-ws-disk-"))
    ws_disk = disk.open(str(repo), "HEAD")
    on_disk = []
    for k in range(REPEATS // 3):
        episode(ws_disk.root, k)
        start = time.perf_counter()
        ws_disk.reset()
        on_disk.append(time.perf_counter() - start)
    disk.close()

    clone = base / "clone"
    git(base, "clone", "-q", str(repo), str(clone))
    gits = []
    for k in range(REPEATS // 3):
        episode(clone, k)
        start = time.perf_counter()
        git(clone, "reset", "-q", "--hard")
        git(clone, "clean", "-q", "-fdx")
        gits.append(time.perf_counter() - start)

    copies = []
    target = base / "copy"
    shutil.copytree(ws.snapshot.tree, target, symlinks=True)
    for k in range(REPEATS // 3):
        episode(target, k)
        start = time.perf_counter()
        shutil.rmtree(target)
        shutil.copytree(ws.snapshot.tree, target, symlinks=True)
        copies.append(time.perf_counter() - start)
    sandbox.close()
    shutil.rmtree(base, ignore_errors=True)

    result = {
        "claim": "Workspace.reset cost follows what changed, not repository size",
        "filesystem": str(workdir_base()), "repo_files": files, "touched_files": TOUCHED, "repeats": REPEATS,
        "rftgym_reset_ms_median": median_ms(ours), "rftgym_reset_ms_p95": sorted(ours)[int(0.95 * len(ours))] * 1000,
        "rftgym_reset_ms_median_on_disk_tmp": median_ms(on_disk),
        "git_reset_clean_ms_median": median_ms(gits), "fresh_copy_ms_median": median_ms(copies),
        "speedup_vs_git": median_ms(gits) / median_ms(ours), "speedup_vs_copy": median_ms(copies) / median_ms(ours),
        "targets": {"rftgym_reset_ms_median_max": 2.0, "speedup_vs_git_min": 20.0},
    }
    result["meets_targets"] = result["rftgym_reset_ms_median"] <= 2.0 and result["speedup_vs_git"] >= 20.0
    out = ROOT / "results" / "bench_reset.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"reset after touching {TOUCHED} of {files} files (median of {REPEATS}, on {workdir_base()}):")
    print(f"  rftgym Workspace.reset   {result['rftgym_reset_ms_median']:8.3f} ms")
    print(f"  git reset --hard + clean {result['git_reset_clean_ms_median']:8.3f} ms   ({result['speedup_vs_git']:.1f}x slower)")
    print(f"  fresh copy               {result['fresh_copy_ms_median']:8.3f} ms   ({result['speedup_vs_copy']:.1f}x slower)")
    print(f"  (rftgym reset with the workspace on {tempfile.gettempdir()}'s disk: {median_ms(on_disk):.3f} ms)")
    print(f"meets targets (<= 2 ms, >= 20x vs git): {result['meets_targets']}")


if __name__ == "__main__":
    main()
