"""Read-only episodes share one workspace per snapshot (``SharedWorkspace``): no copy, no reset.

Real git repo, real inotify, real processes. What must hold: episodes whose tools and grader only
read get handles on one workspace; a command gives its episode a private pristine copy that no
other episode sees; a shared workspace written from outside is not handed out again; envs with
tools or graders that may write never share; a whole run gives the same trajectories either way.
"""

from __future__ import annotations

import os

import gymnasium as gym
import pytest

from rftgym.rollout import rollout
from rftgym.sandbox import clone
from rftgym.sandbox.local import LocalSandbox, SharedWorkspace
from tests.conftest import tool_call

ENV = "rftgym/FileLocalization-v0"


def _open(sb, shop_repo):
    return sb.open(str(shop_repo["path"]), shop_repo["commit"], shared=True)


def test_read_only_episodes_get_handles_on_one_workspace(shop_repo):
    with LocalSandbox() as sb:
        a, b = _open(sb, shop_repo), _open(sb, shop_repo)
        assert isinstance(a, SharedWorkspace) and a.shared and b.shared
        assert a.root == b.root and a is not b
        a.episode, b.episode = {"trace_id": "a"}, {"trace_id": "b"}  # each episode keeps its own state
        assert (a.episode["trace_id"], b.episode["trace_id"]) == ("a", "b")
        assert "shop/cart.py" in a.files() and a.read_text("shop/cart.py") == b.read_text("shop/cart.py")
        assert a.changed_paths() == set() and a.diff() == ""
        root = a.root
        sb.release(a)
        sb.release(b)
        again = _open(sb, shop_repo)
        assert again.root == root  # kept for the next episodes
        sb.release(again)
    assert not root.exists()  # closing the sandbox removes it


def test_a_command_gives_its_episode_a_private_pristine_copy(shop_repo):
    with LocalSandbox() as sb:
        a, b = _open(sb, shop_repo), _open(sb, shop_repo)
        shared_root = a.root
        r = a.exec("echo broken > shop/cart.py && touch new.txt")
        assert r.ok, r
        assert not a.shared and a.root != shared_root
        assert a.read_text("shop/cart.py") == "broken\n" and {"shop/cart.py", "new.txt"} <= a.changed_paths()
        assert b.shared and b.root == shared_root and "broken" not in b.read_text("shop/cart.py")
        assert not (shared_root / "new.txt").exists()
        sb.release(a)  # the private copy is reset and pooled; the shared one was never written
        c = _open(sb, shop_repo)
        assert c.root == shared_root and c.changed_paths() == set()
        sb.release(b)
        sb.release(c)


def test_a_shared_workspace_written_from_outside_is_not_handed_out_again(shop_repo):
    with LocalSandbox() as sb:
        a = _open(sb, shop_repo)
        old_root = a.root
        (old_root / "shop" / "cart.py").write_text("tampered\n")  # a process outside the model
        b = _open(sb, shop_repo)
        assert b.root != old_root and "tampered" not in b.read_text("shop/cart.py")
        assert old_root.exists()  # a's episode still holds it
        sb.release(a)
        assert not old_root.exists()  # closed when its last handle came back
        sb.release(b)


def test_envs_share_only_when_their_tools_and_grader_only_read(shop_tasks):
    loc = gym.make(ENV, tasks=shop_tasks, split="all").unwrapped
    shell = gym.make(ENV, tasks=shop_tasks, split="all", tools=["read_file", "run_shell"]).unwrapped
    off = gym.make(ENV, tasks=shop_tasks, split="all", share_workspaces=False).unwrapped
    bug = gym.make("rftgym/BugFix-v0", split="test").unwrapped
    try:
        assert loc.share_workspaces and not shell.share_workspaces and not off.share_workspaces
        assert not bug.share_workspaces
        loc.reset(seed=0, options={"task_id": "shop-1"})
        off.reset(seed=0, options={"task_id": "shop-1"})
        assert isinstance(loc.workspace, SharedWorkspace) and not isinstance(off.workspace, SharedWorkspace)
        with pytest.raises(ValueError, match="share_workspaces=True needs a grader that only reads"):
            gym.make("rftgym/BugFix-v0", split="test", share_workspaces=True)
    finally:
        for env in (loc, shell, off, bug):
            env.close()


def test_a_forced_share_moves_an_episode_that_runs_a_command_to_its_own_copy(shop_tasks):
    """``share_workspaces=True`` with a shell tool: the episode that writes gets its own copy; the
    next episode reads the pristine tree."""
    env = gym.make(ENV, tasks=shop_tasks, split="all", tools=["read_file", "run_shell"],
                   share_workspaces=True).unwrapped
    try:
        env.reset(seed=0, options={"task_id": "shop-1"})
        shared_root = env.workspace.root
        env.step({"role": "assistant", "tool_calls": [tool_call("run_shell", command="echo evil > shop/cart.py")]})
        assert env.workspace.root != shared_root and "evil" in env.workspace.read_text("shop/cart.py")
        env.reset(seed=1, options={"task_id": "shop-2"})
        assert env.workspace.root == shared_root and "evil" not in env.workspace.read_text("shop/cart.py")
    finally:
        env.close()


def _workspaces() -> set[str]:
    workdir = os.environ.get("RFTGYM_WORKDIR")
    if not workdir or not os.path.isdir(workdir):
        return set()
    return {n for n in os.listdir(workdir) if n.startswith("ws-") and os.path.isdir(os.path.join(workdir, n, "repo"))}


def test_a_run_gives_the_same_trajectories_with_and_without_sharing(shop_tasks, tmp_path):
    before = _workspaces()  # other tests' workspaces may still be open
    kw = dict(split="all", samples=2, workers=2, concurrency=6)
    shared = rollout(ENV, "scripted:parallel", shop_tasks, **kw)
    private = rollout(ENV, "scripted:parallel", shop_tasks, env_kwargs={"share_workspaces": False}, **kw)

    def view(result):
        return [(t.task_id, t.sample, t.reward, [m.get("content") for m in t.messages if m["role"] == "tool"])
                for t in result.trajectories]

    assert view(shared) == view(private)
    assert all(t.error is None for t in shared.trajectories) and len(shared.trajectories) == 6
    clone.wait_removals(60)
    assert _workspaces() - before == set(), "workspaces left behind"
