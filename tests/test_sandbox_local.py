"""The local sandbox against real git repositories: snapshots, confinement, exec, reset, diff."""

import os
import subprocess

import pytest

from rftgym.sandbox import PathError, SandboxError
from rftgym.sandbox.local import LocalSandbox
from rftgym.sandbox.repos import scan_tree, snapshot


def assert_pristine(ws):
    want, have = scan_tree(ws.snapshot.tree), scan_tree(ws.root)
    assert set(have) == set(want), (set(have) ^ set(want))
    for path, entry in want.items():
        assert have[path] == entry, path
        if entry[0] == "file":
            assert (ws.root / path).read_bytes() == (ws.snapshot.tree / path).read_bytes(), path


def test_workspace_has_history_up_to_commit_only(workspace, shop_repo):
    assert workspace.commit == shop_repo["commit"]
    log = subprocess.run(["git", "log", "--format=%s"], cwd=workspace.root, capture_output=True, text=True).stdout
    assert log.split("\n")[:2] == ["Add flat discounts", "Initial shop"]
    probe = subprocess.run(["git", "cat-file", "-t", shop_repo["future"]], cwd=workspace.root, capture_output=True)
    assert probe.returncode != 0, "a later commit leaked into the workspace"
    assert not (workspace.root / "shop/secret_future.py").exists()
    assert not (workspace.root / ".git" / "FETCH_HEAD").exists()


def test_reset_restores_edits_deletions_new_files_and_modes(workspace):
    root = workspace.root
    (root / "shop/cart.py").write_text("broken\n")
    os.remove(root / "shop/pricing/tax.py")
    (root / "new_file.py").write_text("x = 1\n")
    (root / "newdir/deep").mkdir(parents=True)
    (root / "newdir/deep/f.txt").write_text("f")
    os.chmod(root / "README.md", 0o755)
    subprocess.run(["rm", "-rf", str(root / "tests")], check=True)
    os.rename(root / "shop/pricing/discount.py", root / "shop/moved.py")
    os.symlink("/etc/passwd", root / "link_out")
    stats = workspace.reset()
    assert not stats.full_scan
    assert_pristine(workspace)
    assert workspace.changed_paths() == set()


def test_reset_cost_follows_what_changed(workspace):
    (workspace.root / "shop/cart.py").write_text("changed\n")
    stats = workspace.reset()
    assert stats.restored + stats.removed == 1
    assert workspace.reset().restored == 0


def test_reset_falls_back_to_a_full_scan_when_events_are_lost(workspace):
    workspace._tracker.lost.add(workspace._token)
    (workspace.root / "shop/cart.py").write_text("changed\n")
    (workspace.root / "extra.txt").write_text("x")
    stats = workspace.reset()
    assert stats.full_scan
    assert_pristine(workspace)
    (workspace.root / "README.md").write_text("again")
    assert workspace.reset().full_scan is False  # tracking resumes after the scan
    assert_pristine(workspace)


def test_reset_after_exec_changes(workspace):
    r = workspace.exec("mkdir -p build && echo hi > build/out.txt && rm shop/cart.py && chmod 700 shop")
    assert r.ok, r
    workspace.reset()
    assert_pristine(workspace)


@pytest.mark.parametrize("path", ["../outside.txt", "/etc/passwd", "shop/../../x", "C:/windows"])
def test_paths_outside_are_refused(workspace, path):
    with pytest.raises(PathError):
        workspace.resolve(path)


def test_symlink_escape_is_refused(workspace):
    os.symlink("/etc", workspace.root / "etc_link")
    with pytest.raises(PathError, match="symlink"):
        workspace.resolve("etc_link/passwd")
    os.symlink("shop", workspace.root / "inner_link")
    assert workspace.resolve("inner_link/cart.py").name == "cart.py"


def test_exec_timeout_kills_the_process_group(workspace):
    r = workspace.exec("sleep 31.4159 & sleep 31.4159; echo never", timeout=0.5)
    assert r.timed_out and "never" not in r.stdout
    assert r.duration_s < 5
    ps = subprocess.run(["pgrep", "-f", "sleep 31.4159"], capture_output=True, text=True)
    assert ps.stdout.strip() == ""


def test_exec_caps_output_and_never_raises(workspace):
    r = workspace.exec(["python3", "-c", "print('x' * 200000)"], max_output=1000)
    assert r.truncated and len(r.stdout) == 1000
    assert workspace.exec(["/no/such/binary"]).exit_code == 127
    assert workspace.exec("exit 3").exit_code == 3
    assert workspace.exec("ls", cwd="../").exit_code == 2


def test_exec_has_no_network_where_unshare_works(workspace):
    from rftgym.sandbox.local import _no_network_prefix

    if not _no_network_prefix():
        pytest.skip("unshare -n is not permitted on this machine")
    code = "import socket; s=socket.socket(); s.settimeout(2); s.connect(('127.0.0.1', 22))"
    r = workspace.exec(["python3", "-c", code])
    assert r.exit_code != 0 and ("unreachable" in r.stderr or "refused" in r.stderr or "Errno" in r.stderr)


def test_diff_is_a_git_patch_against_the_base(workspace):
    (workspace.root / "shop/cart.py").write_text("changed\n")
    (workspace.root / "added.py").write_text("y = 2\n")
    os.remove(workspace.root / "README.md")
    patch = workspace.diff()
    assert "diff --git a/shop/cart.py b/shop/cart.py" in patch
    assert "new file mode" in patch and "added.py" in patch
    assert "deleted file mode" in patch
    assert "__pycache__" not in patch
    workspace.reset()
    assert workspace.diff() == ""


def test_pool_reuses_reset_workspaces(shop_repo):
    with LocalSandbox(pool_size=1) as sb:
        ws = sb.open(str(shop_repo["path"]), shop_repo["commit"])
        (ws.root / "junk").write_text("x")
        sb.release(ws)
        again = sb.open(str(shop_repo["path"]), shop_repo["commit"])
        assert again is ws and not (ws.root / "junk").exists()


def test_unknown_repo_and_commit_give_clear_errors(tmp_path, shop_repo):
    with pytest.raises(SandboxError, match="not a built-in repo"):
        snapshot(str(tmp_path / "missing"), "HEAD")
    (tmp_path / "plain").mkdir()
    with pytest.raises(SandboxError, match="not a git repository"):
        snapshot(str(tmp_path / "plain"), "HEAD")
    with pytest.raises(SandboxError, match="not found"):
        snapshot(str(shop_repo["path"]), "0" * 40)


def test_files_view_tracks_changes(workspace):
    before = workspace.files()
    assert "shop/cart.py" in before and not any(f.startswith(".git/") for f in before)
    (workspace.root / "shop/new.py").write_text("z = 3\n")
    os.remove(workspace.root / "shop/cart.py")
    after = workspace.files()
    assert "shop/new.py" in after and "shop/cart.py" not in after
    assert workspace.read_text("shop/new.py") == "z = 3\n"


def test_commands_cannot_read_gold_data(workspace, tmp_path):
    from rftgym.sandbox import confine
    from rftgym.sandbox.repos import builtin_repos_dir, cache_dir

    if not confine._covering_prefix():
        pytest.skip("mount namespaces are not permitted here; use the docker sandbox for isolation")
    secret_dir = tmp_path / "gold"
    secret_dir.mkdir()
    (secret_dir / "tasks.jsonl").write_text('{"gold_patch": "SECRET"}\n')
    lone = tmp_path / "answers.jsonl"
    lone.write_text("SECRET\n")
    confine.hide(secret_dir / "tasks.jsonl")  # a file inside a covered folder is covered with it
    confine.hide(secret_dir)
    confine.hide(lone)
    for target in (secret_dir / "tasks.jsonl", lone, builtin_repos_dir(), cache_dir()):
        r = workspace.exec(["sh", "-c", f"cat {target} 2>&1; ls {target} 2>&1"])
        assert "SECRET" not in r.stdout and "localization.jsonl" not in r.stdout and "snapshots" not in r.stdout, r
    r = workspace.exec("cat shop/cart.py && python3 -c 'print(1)'")
    assert r.ok and "class Cart" in r.stdout, r


def test_commands_see_only_the_system_python_and_their_workspace(shop_repo, tmp_path):
    """The view (where the kernel permits it): nothing of the host beyond the system folders, the
    Python environment and the command's own workspace; its own /proc, /tmp and /dev/shm."""
    from rftgym.sandbox import confine

    if confine.mode()[0] != "view":
        pytest.skip("no PID namespace or pivot_root permitted here; commands run with known places covered")
    stray = tmp_path / "stray-copy.jsonl"  # gold somewhere rftgym was never told of
    stray.write_text('{"gold_patch": "SECRET"}\n')
    with LocalSandbox() as sb:
        ws, other = sb.open(str(shop_repo["path"]), shop_repo["commit"]), sb.open(str(shop_repo["path"]),
                                                                                    shop_repo["commit"])
        try:
            r = ws.exec(f"cat {stray} 2>&1; ls {tmp_path} 2>&1; ls {other.root} 2>&1; ls {shop_repo['path']} 2>&1")
            assert "SECRET" not in r.stdout and "cart.py" not in r.stdout, r
            assert r.stdout.count("No such file or directory") == 4, r  # none of the four exists in the view
            r = ws.exec("ls /proc | grep -c '^[0-9]'; cat /proc/1/cmdline | tr '\\0' ' '; echo; ls -A /tmp /dev/shm")
            processes, cmdline, *listing = r.stdout.splitlines()
            assert int(processes) <= 4 and "ls /proc" in cmdline, r  # only this command's processes
            # /tmp and /dev/shm are empty but for the folders leading to what the view binds there
            bound = [os.path.realpath(ws.root), *confine._python_paths()]  # a venv may live in /tmp
            leading = {p[len(base):].split("/")[0] for p in bound for base in ("/tmp/", "/dev/shm/")
                       if p.startswith(base)}
            assert {line for line in listing if line and not line.endswith(":")} <= leading, r
            r = ws.exec("touch /etc/rftgym-x /usr/rftgym-x /rftgym-x 2>&1; echo ok > shop/made.txt; echo t > /tmp/t;"
                        " cat /tmp/t; cd .. && pwd")
            assert r.stdout.count("Read-only file system") == 3 and (ws.root / "shop/made.txt").exists(), r
            assert not os.path.exists("/tmp/t") or open("/tmp/t").read() != "t\n"
            # Even as root, the command cannot undo the view: mounts are locked, devices refused.
            copies = [c for c in confine.wrap(["true"], [], writable=[str(tmp_path)], cwd=str(tmp_path))
                      if c.endswith("/rftgym/_builtin_repos")]  # covered inside the venv (editable installs)
            mark = f"/usr/rftgym-{os.getpid()}-{tmp_path.name}"
            r = ws.exec(f"umount /usr {' '.join(copies)} 2>&1; mount -o remount,rw,bind /usr 2>&1;"
                        f" touch {mark} 2>&1; mknod /tmp/disk b 8 0 2>&1; ls {' '.join(copies)}; echo end")
            written = os.path.exists(mark)
            if written:  # the host's /usr was written through the view: clean up, then fail
                os.remove(mark)
            assert "Read-only file system" in r.stdout and "mknod" in r.stdout and r.stdout.rstrip().endswith("end")
            assert "ledger" not in r.stdout and not written, r
            r = ws.exec("python -c 'import pytest, sys; print(sys.prefix)' && git log --format=%s -1", cwd="shop")
            assert r.ok and "Add flat discounts" in r.stdout, r
        finally:
            ws.close()
            other.close()
