"""Repositories on every node (issue 16 part 2): a task whose repo is a local path of the driver's
machine runs on a node that lacks that path, through a git bundle of its snapshot.

The simulation of "the path is not on that node" is real as far as the node can tell: the second
node of the cluster is started in its own mount namespace (``unshare -m``) where the folder holding
the repository is covered by an empty bind mount, so the path does not exist for its raylet, its
workers or any git they run; it also gets its own cache and work dir (``RFTGYM_CACHE``,
``RFTGYM_WORKDIR``), so nothing the head node built is found there. What stays shared is the kernel
and the network (loopback), as on any two machines.

The in-process tests take the same code path without a cluster: the repo is packed, then its folder
is moved away (the path is really gone) and a fresh cache is used; a bundle that cannot be fetched
or arrives damaged must fail each episode with a clear error, not the run.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from rftgym.rollout import bundles, rollout
from rftgym.sandbox import repos
from tests.conftest import git
from tests.test_ray_cluster import BIN, _free_port, _pids_of, _raylet_with

ENV_ID = "rftgym/FileLocalization-v0"


def _own_repo(shop_repo, folder: Path) -> Path:
    """A clone of the shop repo at ``folder/shop`` (a folder the test may hide or move)."""
    folder.mkdir(parents=True)
    dst = folder / "shop"
    git(folder, "clone", "-q", str(shop_repo["path"]), str(dst))
    return dst


def _tasks(repo: Path, commit: str) -> list[dict]:
    return [{"id": f"t{i}", "split": "test", "prompt": prompt, "repo": str(repo), "commit": commit, "gold_files": [gold]}
            for i, (prompt, gold) in enumerate([("VAT is added twice when I call total() on a cart", "shop/pricing/tax.py"),
                                                 ("Cart.add ignores the quantity argument", "shop/cart.py")])]


def _become_another_node(monkeypatch, cache: Path) -> None:
    """From here on this process is "another node": an empty cache, no snapshot or provider known
    (the tables are restored after the test)."""
    monkeypatch.setenv("RFTGYM_CACHE", str(cache))
    monkeypatch.setattr(repos, "_snapshots", {})
    monkeypatch.setattr(repos, "_providers", {})


def test_a_repo_whose_path_is_gone_runs_from_its_bundle(shop_repo, tmp_path, monkeypatch):
    src = _own_repo(shop_repo, tmp_path / "driver" / "src")
    tasks = _tasks(src, shop_repo["commit"])
    before = rollout(ENV_ID, "scripted:parallel", tasks, split="all", samples=2)
    entries = bundles.pack([(t["repo"], t["commit"]) for t in tasks], put=lambda data: data)
    assert len(entries) == 1 and entries[0]["sha"] == shop_repo["commit"]
    # "This node" from here on: the path is gone and the cache is empty.
    os.rename(tmp_path / "driver", tmp_path / "elsewhere")
    assert not src.exists()
    _become_another_node(monkeypatch, tmp_path / "node-cache")
    bundles.install(entries, get=lambda data: data)
    after = rollout(ENV_ID, "scripted:parallel", tasks, split="all", samples=2)
    assert [t.error for t in after.trajectories] == [None] * 4
    assert [(t.task_id, t.reward, t.messages) for t in after.trajectories] == \
        [(t.task_id, t.reward, t.messages) for t in before.trajectories]
    assert (tmp_path / "node-cache" / "bundles" / f"{shop_repo['commit']}.git").is_dir()
    # Only the pinned commit and its history travelled: the source's later commit did not.
    log = subprocess.run(["git", "--git-dir", str(tmp_path / "node-cache" / "bundles" / f"{shop_repo['commit']}.git"),
                          "cat-file", "-e", f"{shop_repo['future']}^{{commit}}"], capture_output=True)
    assert log.returncode != 0


def test_built_in_repos_and_urls_are_not_shipped(shop_repo):
    names = repos.builtin_repo_names()
    assert names, "no built-in repos to check"
    assert not bundles.needs_shipping(names[0])
    assert not bundles.needs_shipping("https://example.invalid/x.git")
    assert bundles.needs_shipping(str(shop_repo["path"]))


@pytest.mark.parametrize("fault", ["lost", "damaged"])
def test_a_node_that_cannot_get_the_repo_fails_each_episode_clearly(shop_repo, tmp_path, monkeypatch, fault):
    src = _own_repo(shop_repo, tmp_path / "driver" / "src")
    tasks = _tasks(src, shop_repo["commit"])
    entries = bundles.pack([(t["repo"], t["commit"]) for t in tasks], put=lambda data: data)
    shutil.rmtree(tmp_path / "driver")
    _become_another_node(monkeypatch, tmp_path / "node-cache")
    if fault == "damaged":
        entries[0]["ref"] = entries[0]["ref"][:-10] + b"0123456789"

    def get(handle):
        if fault == "lost":
            raise ConnectionError("the object's owner died")
        return handle

    bundles.install(entries, get=get)
    result = rollout(ENV_ID, "scripted:parallel", tasks, split="all", samples=2, max_retries=0)
    assert len(result.trajectories) == 4 and result.summary["episodes_scored"] == 0
    want = "could not be fetched: ConnectionError" if fault == "lost" else "arrived damaged"
    for traj in result.trajectories:
        assert traj.error and "is not on node" in traj.error and want in traj.error, traj.error


# -- on a real two-node cluster ------------------------------------------------------------------------
def _can_hide_folders() -> bool:
    probe = tempfile.mkdtemp()
    try:
        done = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                               f"mount --bind {probe} {probe}"], capture_output=True, timeout=20)
        return done.returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False
    finally:
        os.rmdir(probe)


@pytest.fixture
def cluster_without(tmp_path):
    """A head node that sees ``tmp_path/driver`` and a second node (own raylet, own label, own cache
    and work dir) in a mount namespace where that folder is covered by an empty one."""
    ray = BIN / "ray"
    if not ray.exists():
        pytest.skip("the ray CLI is not installed in this environment")
    if not _can_hide_folders():
        pytest.skip("cannot make a mount namespace here (unshare -m): no way to hide a folder from one node")
    hidden, empty = tmp_path / "driver", tmp_path / "empty"
    hidden.mkdir()
    empty.mkdir()
    root = tempfile.mkdtemp(prefix="rftray", dir="/tmp")
    label = "rftgym_node2_" + secrets.token_hex(3)
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32),
           "RAY_USAGE_STATS_ENABLED": "0"}
    node2_env = {**env, "RFTGYM_CACHE": str(tmp_path / "node2-cache"), "RFTGYM_WORKDIR": str(tmp_path / "node2-ws")}
    port = _free_port()
    head = [str(ray), "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}", "--num-cpus=1",
            "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={root}"]
    second = [str(ray), "start", f"--address=127.0.0.1:{port}", "--node-ip-address=127.0.0.1", "--num-cpus=1",
              f"--resources={json.dumps({label: 1})}", "--disable-usage-stats"]
    # The second node's `ray start` (and every process it starts) sees an empty folder at `hidden`.
    hide = ["unshare", "-m", "--propagation", "private", "sh", "-c",
            'mount --bind "$1" "$2" && shift 2 && exec "$@"', "sh", str(empty), str(hidden), *second]
    try:
        for argv, argv_env in ((head, env), (hide, node2_env)):
            done = subprocess.run(argv, env=argv_env, capture_output=True, text=True, timeout=180)
            assert done.returncode == 0, f"{' '.join(argv)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        yield {"address": f"127.0.0.1:{port}", "env": env, "label": label, "root": root, "hidden": hidden,
               "node2_cache": tmp_path / "node2-cache"}
    finally:
        for pid in _pids_of(root):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(root, ignore_errors=True)


def test_a_local_repo_reaches_a_node_that_lacks_its_path(cluster_without, shop_repo, tmp_path):
    src = _own_repo(shop_repo, cluster_without["hidden"] / "src")
    raylet = _raylet_with(cluster_without["label"], cluster_without["root"])
    assert raylet, "the second node's raylet was not found"
    assert not Path(f"/proc/{raylet}/root{src}").exists(), "the second node can see the repo: no simulation"
    assert Path(f"/proc/{os.getpid()}/root{src}").exists()
    tasks_file = tmp_path / "tasks.jsonl"
    tasks_file.write_text("".join(json.dumps(t) + "\n" for t in _tasks(src, shop_repo["commit"])))

    def evaluate(out: Path, *extra: str) -> dict:
        argv = [str(BIN / "rftgym"), "eval", ENV_ID, "--policy", "scripted:parallel", "--tasks", str(tasks_file),
                "--split", "all", "--samples", "3", "--workers", "2", "--concurrency", "4", "--seed", "7",
                "--out", str(out), *extra]
        done = subprocess.run(argv, env=cluster_without["env"], capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        rows = [json.loads(line) for line in (out / "trajectories.jsonl").read_text().splitlines() if line.strip()]
        return {(r["task_id"], r["sample"]): r for r in rows}

    threads = evaluate(tmp_path / "threads")
    on_ray = evaluate(tmp_path / "ray", "--address", cluster_without["address"])
    assert set(on_ray) == set(threads)
    assert [k for k, r in on_ray.items() if r.get("error")] == [], [r["error"] for r in on_ray.values() if r.get("error")]
    for key, row in threads.items():
        assert on_ray[key]["reward"] == row["reward"] and on_ray[key]["messages"] == row["messages"], key
    nodes = {r["node"] for r in on_ray.values()}
    assert len(nodes) == 2, f"episodes ran on {nodes}: expected both nodes"
    # The second node got the repo from the bundle, into its own cache.
    assert (cluster_without["node2_cache"] / "bundles" / f"{shop_repo['commit']}.git").is_dir()


def test_deciding_what_to_ship_clones_nothing(tmp_path, monkeypatch):
    """A URL (or an owner/name behind a URL template) is cloned per node, never by the driver to decide."""
    monkeypatch.setenv("RFTGYM_CACHE", str(tmp_path / "cache"))  # other tests fill the shared cache's repos/
    monkeypatch.setenv("RFTGYM_REPO_URL_TEMPLATE", "https://example.invalid/{owner}/{name}.git")
    monkeypatch.setenv("GIT_TERMINAL_PROMPT", "0")
    assert not bundles.needs_shipping("someone/project")
    assert not bundles.needs_shipping("https://example.invalid/x.git")
    mirrors = tmp_path / "mirrors"
    (mirrors / "someone__project").mkdir(parents=True)
    monkeypatch.setenv("RFTGYM_REPO_MIRRORS", str(mirrors))
    assert bundles.needs_shipping("someone/project")  # a mirror is a folder of this machine
    assert not (repos.cache_dir() / "repos").exists() or not any((repos.cache_dir() / "repos").iterdir())
