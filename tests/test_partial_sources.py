"""Sources that are not whole: shallow clones, partial clones and mirrors missing objects still give
snapshots (of the task commit alone, with ``git_log`` saying history is limited), and a task whose
repository cannot be had is one failed episode with its error while the rest of the run goes on."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from rftgym.rollout import rollout
from rftgym.sandbox.local import LocalSandbox
from rftgym.sandbox.repos import history_limited, snapshot
from rftgym.tools.git import git_log
from tests.conftest import git


@pytest.fixture(scope="module")
def upstream(tmp_path_factory) -> Path:
    """A repo of three commits serving filters over file:// (like a hosting site does)."""
    root = tmp_path_factory.mktemp("upstream") / "up"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    for i in (1, 2, 3):
        (root / f"mod{i}.py").write_text(f"VALUE = {i}\n")
        (root / "common.py").write_text(f"LAST = {i}\n")
        git(root, "add", "-A")
        git(root, "commit", "-qm", f"commit {i}")
    git(root, "config", "uploadpack.allowFilter", "true")
    git(root, "config", "uploadpack.allowAnySHA1InWant", "true")
    return root


def clone(upstream: Path, dest: Path, *flags: str) -> Path:
    subprocess.run(["git", "clone", "-q", *flags, f"file://{upstream}", str(dest)], check=True, capture_output=True)
    return dest


def rev(repo: Path, what: str) -> str:
    return git(repo, "rev-parse", what).strip()


def log_of(repo: str, commit: str) -> str:
    with LocalSandbox() as sb:
        ws = sb.open(repo, commit)
        try:
            return git_log.run(ws, {})
        finally:
            sb.release(ws)


def test_shallow_clone_gives_a_limited_snapshot_of_its_tip(upstream, tmp_path):
    src = clone(upstream, tmp_path / "shallow", "--depth", "1")
    snap = snapshot(str(src), rev(src, "HEAD"))
    assert (snap.tree / "mod3.py").read_text() == "VALUE = 3\n" and snap.commit == rev(upstream, "HEAD")
    assert history_limited(snap.git_dir)
    assert "history is limited" in log_of(str(src), rev(src, "HEAD"))


def test_partial_clone_snapshots_an_old_commit_whose_blobs_it_lacks(upstream, tmp_path):
    src = clone(upstream, tmp_path / "partial", "--filter=blob:none")
    old = rev(src, "HEAD~1")
    snap = snapshot(str(src), old)
    assert (snap.tree / "common.py").read_text() == "LAST = 2\n" and not (snap.tree / "mod3.py").exists()
    assert snap.commit == old


def test_mirror_missing_an_old_object_still_snapshots_later_commits(upstream, tmp_path):
    src = clone(upstream, tmp_path / "broken", "--no-local")
    subprocess.run(["git", "-C", str(src), "unpack-objects", "-q"], input=b"", capture_output=True)
    first_blob = git(src, "rev-parse", "HEAD~2:common.py").strip()
    # Make every object loose, then delete one old blob: "possible repository corruption" upstream.
    packs = list((src / ".git/objects/pack").glob("*.pack"))
    for pack in packs:
        os.rename(pack, tmp_path / pack.name)
        subprocess.run(["git", "-C", str(src), "unpack-objects", "-q"], stdin=open(tmp_path / pack.name, "rb"),
                       check=True)
    for idx in (src / ".git/objects/pack").glob("*"):
        idx.unlink()
    (src / ".git/objects" / first_blob[:2] / first_blob[2:]).unlink()
    head = rev(src, "HEAD")
    snap = snapshot(str(src), head)
    assert (snap.tree / "common.py").read_text() == "LAST = 3\n" and history_limited(snap.git_dir)
    assert "history is limited" in log_of(str(src), head)


def test_unmaterialisable_repo_is_one_failed_episode_and_the_run_goes_on(upstream, tmp_path):
    src = clone(upstream, tmp_path / "only-tip", "--depth", "1")
    good = {"id": "good", "prompt": "find it", "repo": str(upstream), "commit": rev(upstream, "HEAD"),
            "gold_files": ["mod1.py"]}
    bad = {"id": "bad", "prompt": "find it", "repo": str(src), "commit": rev(upstream, "HEAD~2"),
           "gold_files": ["mod1.py"]}
    result = rollout("rftgym/FileLocalization-v0", "scripted:parallel", [good, bad], split="all", workers=1)
    by_id = {t.task_id: t for t in result.trajectories}
    assert set(by_id) == {"good", "bad"}
    assert by_id["good"].error is None
    assert by_id["bad"].error and "not found" in by_id["bad"].error and by_id["bad"].reward == 0.0
