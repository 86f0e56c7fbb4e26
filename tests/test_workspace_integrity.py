"""Workspace integrity (issue 12 items 3, 5, 6), on both backends where a workspace is involved.

- Nothing a command writes survives a reset: ``$HOME``, ``$TMPDIR``, the rest of the workspace folder
  (and ``/dev/shm`` where the backend gives one per workspace).
- Writes the event tracker cannot see (hard links, ``mmap``, a real inotify queue overflow, edits
  that keep size and mtime) still show in ``changed_paths()``/``diff()`` and are undone by a reset,
  which leaves a byte-identical tree (contents, modes, symlinks, xattrs).
- Local workspace folders of a ``kill -9``-ed process are removed by ``rftgym sandbox gc``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rftgym.sandbox.local import LocalSandbox, gc_local
from rftgym.sandbox.repos import scan_tree

REPO_ROOT = Path(__file__).resolve().parent.parent


def _xattrs(path: Path) -> dict:
    try:
        return {n: os.getxattr(path, n, follow_symlinks=False) for n in os.listxattr(path, follow_symlinks=False)}
    except OSError:
        return {}


def assert_pristine(ws) -> None:
    """The workspace tree equals its snapshot: paths, kinds, modes, sizes, mtimes, bytes, xattrs, one link each."""
    want, have = scan_tree(ws.snapshot.tree), scan_tree(ws.root)
    assert set(have) == set(want), set(have) ^ set(want)
    for path, entry in want.items():
        assert have[path] == entry, path
        if entry[0] == "file":
            assert (ws.root / path).read_bytes() == (ws.snapshot.tree / path).read_bytes(), path
            assert os.lstat(ws.root / path).st_nlink == 1, f"{path} is still hard-linked"
        if entry[0] != "link":
            assert _xattrs(ws.root / path) == _xattrs(ws.snapshot.tree / path), path


def run(ws, script: str):
    r = ws.exec(script, timeout=60)
    assert not r.timed_out, r
    return r


# -- item 3: state outside the repository ---------------------------------------------------------
def test_notes_in_home_and_tmpdir_do_not_reach_the_next_episode(workspace):
    r = run(workspace, 'echo secret > "$HOME/.note" && echo secret > "$TMPDIR/note" && mkdir -p "$TMPDIR/d/e" '
                       '&& echo secret > "$TMPDIR/d/e/f" && chmod 000 "$TMPDIR/d" && echo secret > /dev/shm/note '
                       '&& (echo secret > "$HOME/../stash" 2>/dev/null; true)')
    assert r.ok, r
    workspace.reset()
    r = run(workspace, 'cat "$HOME/.note" "$TMPDIR/note" /dev/shm/note 2>&1; ls -A "$TMPDIR"; '
                       'cat "$HOME/../stash" 2>&1; echo done')
    assert "secret" not in r.stdout, r.stdout
    assert r.stdout.strip().endswith("done")
    assert run(workspace, 'touch "$TMPDIR/x" && echo ok').stdout == "ok\n"  # still writable after a chmod


def test_a_pooled_local_workspace_starts_with_an_empty_home(shop_repo):
    with LocalSandbox(pool_size=1) as sb:
        ws = sb.open(str(shop_repo["path"]), shop_repo["commit"])
        assert run(ws, 'echo from-episode-1 > "$HOME/note"').ok
        sb.release(ws)
        again = sb.open(str(shop_repo["path"]), shop_repo["commit"])
        assert again is ws  # the pool handed the same folder back
        assert "from-episode-1" not in run(again, 'cat "$HOME/note" 2>&1').stdout
        assert sorted(os.listdir(ws._home)) == ["repo", "tmp"]
        assert os.listdir(ws._home / "tmp") == []


# -- item 5: writes the tracker misses -------------------------------------------------------------
def test_writes_through_hard_links_are_seen_and_undone(workspace):
    r = run(workspace, "ln shop/cart.py shop/alias.py && echo '# evil-in-tree' >> shop/alias.py; "
                       "ln README.md \"$TMPDIR/alias\" 2>/dev/null && echo '# evil-outside' >> \"$TMPDIR/alias\"; "
                       "ln tests/test_cart.py \"$TMPDIR/gone\" 2>/dev/null && echo '# evil-gone' >> \"$TMPDIR/gone\" "
                       "&& rm \"$TMPDIR/gone\"; true")
    assert r.ok, r
    cross = (workspace.root / "README.md").read_text().endswith("# evil-outside\n")  # not across docker mounts
    changed = workspace.changed_paths()
    assert {"shop/cart.py", "shop/alias.py"} <= changed
    assert "# evil-in-tree" in workspace.read_text("shop/cart.py")  # reads are not served from the cache
    diff = workspace.diff()
    assert "+# evil-in-tree" in diff.split("b/shop/cart.py", 1)[1]
    if cross:
        assert {"README.md", "tests/test_cart.py"} <= changed
        assert "# evil-outside" in workspace.read_text("README.md")
        assert "+# evil-outside" in diff and "+# evil-gone" in diff
    workspace.reset()
    assert_pristine(workspace)
    assert workspace.changed_paths() == set()
    # The next episode: whatever link an agent kept no longer reaches the tree.
    run(workspace, "echo '# later' >> \"$TMPDIR/alias\" 2>/dev/null; true")
    assert_pristine(workspace)


def test_a_workspace_no_command_ran_in_is_restored_from_its_events(shop_repo):
    """No command ran (a read-only episode): the reset trusts the events, and everything this process
    wrote into the tree is still undone."""
    with LocalSandbox(pool_size=1) as sb:
        ws = sb.open(str(shop_repo["path"]), shop_repo["commit"])
        (ws.root / "shop" / "cart.py").write_text("broken\n")
        (ws.root / "new.txt").write_text("x")
        os.remove(ws.root / "README.md")
        os.rename(ws.root / "tests", ws.root / "tests2")
        os.chmod(ws.root / "shop", 0o700)
        assert not ws.commands_ran
        ws.reset()
        assert_pristine(ws)


def test_a_command_once_run_keeps_every_later_reset_a_full_comparison(shop_repo, tmp_path):
    """A command may leave a process behind that writes through a hard link in a later episode that
    runs no command (no event): the reset still finds it, because ``commands_ran`` stays set."""
    with LocalSandbox(pool_size=1) as sb:
        ws = sb.open(str(shop_repo["path"]), shop_repo["commit"])
        assert run(ws, "true").ok
        sb.release(ws)
        again = sb.open(str(shop_repo["path"]), shop_repo["commit"])
        assert again is ws and ws.commands_ran
        alias = tmp_path / "alias"  # what the left-behind process holds, out of the tracker's sight
        os.link(ws.root / "README.md", alias)
        with open(alias, "a") as fh:
            fh.write("# evil-later\n")
        assert "# evil-later" in (ws.root / "README.md").read_text()
        ws.reset()
        assert_pristine(ws)


def test_writes_through_mmap_are_seen_and_undone(workspace):
    script = textwrap.dedent("""\
        import mmap, os
        fd = os.open("shop/cart.py", os.O_RDWR)
        m = mmap.mmap(fd, 0)
        os.close(fd)
        m[0:7] = b"#MMAP#\\n"
        m.flush()
        m.close()
        """)
    assert run(workspace, ["python3", "-c", script]).ok
    assert "shop/cart.py" in workspace.changed_paths()
    assert workspace.read_text("shop/cart.py").startswith("#MMAP#")
    assert "+#MMAP#" in workspace.diff()
    workspace.reset()
    assert_pristine(workspace)


def test_renames_new_dirs_modes_and_xattrs_are_undone(workspace):
    script = textwrap.dedent("""\
        import os
        os.rename("shop/pricing", "shop/p2")
        os.makedirs("a/b/c")
        open("a/b/c/f.txt", "w").write("x")
        os.link("README.md", "a/b/readme")
        os.chmod("tests", 0o500)
        os.chmod("shop/cart.py", 0o600)
        os.symlink("/etc/passwd", "shop/link")
        for p in ("shop/cart.py", "shop", "."):
            try:
                os.setxattr(p, "user.rftgym", b"1")
            except OSError:
                pass
        """)
    assert run(workspace, ["python3", "-c", script]).ok, "the agent's script failed"
    assert {"shop/pricing", "shop/p2", "a", "tests", "shop/cart.py", "shop/link"} <= workspace.changed_paths()
    workspace.reset()
    assert_pristine(workspace)
    assert _xattrs(workspace.root) == _xattrs(workspace.snapshot.tree)


def test_a_real_inotify_overflow_still_gives_a_pristine_tree(workspace):
    limit = int(Path("/proc/sys/fs/inotify/max_queued_events").read_text())
    count = limit // 2 + 1000  # each file raises three events (create, modify, close): the queue overflows
    script = textwrap.dedent(f"""\
        import os
        for i in range({count}):
            with open(f"shop/bulk_{{i}}.py", "w") as f:
                f.write("x")
        # An edit that keeps size and mtime: only the ctime tells.
        st = os.stat("README.md")
        data = open("README.md", "rb").read()
        open("README.md", "wb").write(data[::-1])
        os.utime("README.md", ns=(st.st_atime_ns, st.st_mtime_ns))
        """)
    assert run(workspace, ["python3", "-c", script]).ok
    assert workspace._tracker.peek(workspace._token)[2], "the kernel queue did not overflow"
    assert "README.md" in workspace.changed_paths()
    stats = workspace.reset()
    assert stats.full_scan
    assert_pristine(workspace)
    (workspace.root / "README.md").write_text("tracked again")
    assert workspace.changed_paths() == {"README.md"}
    assert workspace.reset().full_scan is False
    assert_pristine(workspace)


# -- item 6: local workspaces of a killed process ---------------------------------------------------
_OWNER = """
import sys, time
from rftgym.sandbox.local import LocalSandbox
sb = LocalSandbox()
ws = sb.open(sys.argv[1], sys.argv[2])
print(ws._home, flush=True)
if sys.argv[3] == "hang":
    time.sleep(120)
"""


def _owner(shop_repo, base: Path, mode: str) -> subprocess.Popen:
    env = {**os.environ, "RFTGYM_WORKDIR": str(base), "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.Popen([sys.executable, "-c", _OWNER, str(shop_repo["path"]), shop_repo["commit"], mode],
                            env=env, stdout=subprocess.PIPE, text=True)


def test_gc_removes_the_workspaces_of_a_kill_9ed_process(shop_repo, tmp_path):
    base = tmp_path / "ws"
    proc = _owner(shop_repo, base, "hang")
    try:
        home = Path(proc.stdout.readline().strip())
        assert (home / "repo" / "README.md").is_file()
        assert gc_local(bases=[base]) == ([], 1)  # its owner lives: kept
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert home.is_dir(), "a SIGKILLed process cannot clean up; gc must"
    with LocalSandbox(workdir=base) as sb:  # a live workspace beside the orphan is left alone
        live = sb.open(str(shop_repo["path"]), shop_repo["commit"])
        env = {**os.environ, "RFTGYM_WORKDIR": str(base), "PYTHONPATH": str(REPO_ROOT),
               "DOCKER_HOST": "unix:///nonexistent/docker.sock"}
        out = subprocess.run([sys.executable, "-m", "rftgym.cli", "sandbox", "gc"], env=env, capture_output=True,
                             text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        # gc also scans the default bases, where orphans of earlier killed runs may lie: at least ours
        removed = re.search(r"removed (\d+) local workspace", out.stdout)
        assert removed and int(removed.group(1)) >= 1, out.stdout
        assert not home.exists() and not home.with_name(home.name + ".owner").exists()
        assert (live.root / "README.md").is_file()


def test_a_normal_exit_removes_pooled_and_open_workspaces(shop_repo, tmp_path):
    base = tmp_path / "ws"
    proc = _owner(shop_repo, base, "exit")
    home = Path(proc.stdout.readline().strip())
    assert proc.wait(timeout=60) == 0
    assert not home.exists()
    assert list(base.iterdir()) == []


def test_a_link_made_written_and_removed_in_one_command_is_still_seen(workspace):
    r = run(workspace, "ln shop/cart.py \"$TMPDIR/x\" 2>/dev/null || ln shop/cart.py x; "
                       "f=\"$TMPDIR/x\"; [ -e \"$f\" ] || f=x; echo '# via-link' >> \"$f\" && rm \"$f\"")
    assert r.ok, r
    assert "shop/cart.py" in workspace.changed_paths()
    assert "# via-link" in workspace.read_text("shop/cart.py")
    assert "+# via-link" in workspace.diff()
    workspace.reset()
    assert_pristine(workspace)


@pytest.mark.docker
def test_ipc_objects_and_message_queues_do_not_survive_a_container_reset(docker_sandbox, shop_repo):
    ws = docker_sandbox.open(str(shop_repo["path"]), shop_repo["commit"])
    try:
        r = run(ws, "ipcmk -M 64 && ipcmk -Q && python3 -c \"import os; "
                    "open('/dev/mqueue/note', 'w') if os.access('/dev/mqueue', os.W_OK) else None\"; ipcs -m -q")
        assert r.ok and "agent" in r.stdout, r
        ws.reset()
        r = run(ws, "ipcs -m -q; ls -A /dev/mqueue 2>/dev/null; echo done")
        assert "agent" not in r.stdout and "note" not in r.stdout, r.stdout
    finally:
        docker_sandbox.release(ws)
