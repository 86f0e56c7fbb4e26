"""Workspace creation and removal at scale (issue 16 part 3): a workspace copied from a snapshot's
plan is watched from the plan (no walk of the copy), and closing many workspaces at once moves them
aside and deletes them in a detached process.

Real git repo, real inotify, real processes: a change deep in a copied tree must be seen and undone
by reset; a closed run must leave nothing in the work dir, follow no symlink out of it, remove
folders a command made unreadable, and leave a trash folder ``gc_local`` can reap if its remover dies.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rftgym.sandbox import clone
from rftgym.sandbox.local import LocalSandbox, gc_local


def test_workspace_watched_from_its_plan_sees_nested_changes(shop_repo, tmp_path):
    sb = LocalSandbox(workdir=tmp_path / "ws")
    try:
        ws = sb.open(str(shop_repo["path"]), shop_repo["commit"])
        assert clone.plan(ws.snapshot.tree) is not None  # the plan path, not copytree
        assert ws._tracked
        tax = ws.root / "shop/pricing/tax.py"
        original = tax.read_text()
        tax.write_text("TAX_RATE = 0\n")
        (ws.root / "shop/pricing/new.py").write_text("x = 1\n")
        (ws.root / "shop/pricing/sub").mkdir()
        (ws.root / "shop/pricing/sub/deeper.py").write_text("y = 2\n")
        changed = ws.changed_paths()
        assert changed is not None
        assert {"shop/pricing/tax.py", "shop/pricing/new.py", "shop/pricing/sub"} <= changed
        stats = ws.reset()
        assert not stats.full_scan  # the events were complete: no fallback to a whole-tree scan
        assert tax.read_text() == original
        assert not (ws.root / "shop/pricing/new.py").exists() and not (ws.root / "shop/pricing/sub").exists()
        assert ws.diff() == ""
    finally:
        sb.close()
        clone.wait_removals(60)


def test_closing_many_workspaces_removes_them_in_the_background(shop_repo, tmp_path):
    base = tmp_path / "ws"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("precious\n")
    os.chmod(outside, 0o555)  # a remover that followed the link would fail here or empty it
    sb = LocalSandbox(workdir=base, pool_size=100)
    wss = [sb.open(str(shop_repo["path"]), shop_repo["commit"]) for _ in range(40)]
    # What agents leave behind: a link out of the workspace, a folder made unreadable, files in $TMPDIR.
    os.symlink(outside, wss[0].root / "escape")
    locked = wss[1].root / "shop" / "locked"
    locked.mkdir()
    (locked / "f.txt").write_text("x\n")
    os.chmod(locked, 0)
    (wss[2]._home / "tmp" / "scratch.txt").write_text("tmp\n")
    homes = [ws._home for ws in wss]
    sb.close()
    try:
        assert not any(h.exists() for h in homes)  # moved aside at once
        assert clone.wait_removals(60) >= 0
        assert sorted(os.listdir(base)) == []  # trees, trash folder and every marker gone
        assert (outside / "keep.txt").read_text() == "precious\n"
    finally:
        os.chmod(outside, 0o755)


def test_closing_a_few_workspaces_still_deletes_them_now(shop_repo, tmp_path):
    base = tmp_path / "ws"
    sb = LocalSandbox(workdir=base)
    wss = [sb.open(str(shop_repo["path"]), shop_repo["commit"]) for _ in range(3)]
    sb.close()
    assert sorted(os.listdir(base)) == [] and all(ws._closed for ws in wss)


def test_a_trash_folder_whose_remover_died_is_reaped_by_gc(tmp_path):
    base = tmp_path / "ws"
    trash = base / "ws-trash-deadbeef0000"
    (trash / "ws-aaaa" / "repo").mkdir(parents=True)
    (trash / "ws-aaaa" / "repo" / "a.py").write_text("a\n")
    Path(str(trash) + ".owner").write_text("999999999 0\n")  # an owner pid that cannot exist
    removed, kept = gc_local(bases=[base])
    assert removed == [str(trash)] and kept == 0
    assert os.listdir(base) == []


def test_a_ray_run_leaves_no_workspace_behind(shop_tasks):
    """An actor's sandbox defers its removals too; the raylet would kill a remover the actor leaves
    running, so an actor on the driver's node hands them to the driver, which starts them once the
    actors are gone (the run's end does not wait for the deletions): nothing is left in the work dir."""
    pytest.importorskip("ray")
    from rftgym.rollout import rollout

    workdir = Path(os.environ["RFTGYM_WORKDIR"])
    before = set(os.listdir(workdir)) if workdir.is_dir() else set()
    samples = -(-40 // len(shop_tasks))  # 40+ slots on one actor: past the deferred-removal threshold
    result = rollout("rftgym/FileLocalization-v0", "scripted:parallel", shop_tasks, split="all", samples=samples,
                     workers=1, concurrency=samples * len(shop_tasks), backend="ray",
                     env_kwargs={"share_workspaces": False})  # a workspace per slot, as writing episodes have
    assert result.summary["episodes_scored"] == samples * len(shop_tasks)
    assert clone._removals, "the actor's removals were not handed to the driver"
    clone.wait_removals(60)
    left = set(os.listdir(workdir)) - before
    assert left == set(), f"left in the work dir: {sorted(left)[:5]}"


def test_the_remover_falls_back_to_python_without_rm(tmp_path, monkeypatch):
    """Where ``rm`` cannot run, the remover opens unreadable folders itself and deletes the tree,
    still without following a link out of it."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("precious\n")
    trash = tmp_path / "ws-trash-000000000001"
    (trash / "ws-a" / "repo" / "locked").mkdir(parents=True)
    (trash / "ws-a" / "repo" / "locked" / "f.txt").write_text("x\n")
    os.chmod(trash / "ws-a" / "repo" / "locked", 0)
    os.symlink(outside, trash / "ws-a" / "repo" / "escape")
    marker = Path(str(trash) + ".owner")
    marker.write_text(f"{os.getpid()} 0\n")
    monkeypatch.setenv("PATH", str(tmp_path / "no-such-bin"))  # no rm to run
    clone.remove_later(trash, marker)
    clone.wait_removals(60)
    assert not trash.exists() and not marker.exists()
    assert (outside / "keep.txt").read_text() == "precious\n"


def test_big_files_copy_into_a_workspace_on_another_filesystem(tmp_path):
    """A snapshot in the cache on disk, the workspace on tmpfs: the kernel copy of files too big to
    keep in memory refuses to cross filesystems (EXDEV) and falls back; every byte arrives."""
    import subprocess
    import uuid

    from rftgym.sandbox import repos

    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(repos.cache_dir()).st_dev:
        pytest.skip("needs /dev/shm on another filesystem than the rftgym cache")
    repo = tmp_path / "bigfiles"
    repo.mkdir()
    big = os.urandom(3 << 20)  # over the per-file in-memory limit
    (repo / "data.bin").write_bytes(big)
    (repo / "small.py").write_text("x = 1\n")
    for cmd in (["init", "-q"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "big"]):
        subprocess.run(["git", *cmd], cwd=repo, check=True)
    base = shm / f"rftgym-test-{uuid.uuid4().hex[:8]}"
    try:
        with LocalSandbox(workdir=base) as sb:
            ws = sb.open(str(repo), "HEAD")
            assert (ws.root / "data.bin").read_bytes() == big
            assert (ws.root / "small.py").read_text() == "x = 1\n"
    finally:
        import shutil

        shutil.rmtree(base, ignore_errors=True)


def test_a_threaded_run_makes_one_workspace_per_slot(shop_tasks, monkeypatch):
    """Slots keep their workspace between episodes, across every worker (one sandbox serves them
    all): 16 slots on 2 workers that finish together, 48 episodes of one task: 16 workspaces made."""
    from rftgym.rollout import rollout
    from rftgym.sandbox import local
    from tests.test_rollout import SlowAsync

    made = []
    original = local.LocalWorkspace.__init__

    def counting(self, *args, **kwargs):
        made.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(local.LocalWorkspace, "__init__", counting)
    tasks = shop_tasks[:1]  # one snapshot: every slot's workspace goes back to the same pool
    policy = SlowAsync(0.3)  # a 'model' to wait on: every slot is in flight at once
    result = rollout("rftgym/FileLocalization-v0", policy, tasks, split="all", samples=48, workers=2,
                     concurrency=16, env_kwargs={"share_workspaces": False})  # private workspaces, pooled
    assert policy.peak == 16
    assert len(result.trajectories) == 48 and all(t.error is None for t in result.trajectories)
    assert len(made) <= 16, len(made)
