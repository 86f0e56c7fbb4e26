"""The local sandbox: workspaces are directories on this machine, commands run as subprocesses.

Isolation is what a process can get without a container: its own session (the whole process group is
killed on timeout and after the command returns), capped output, a scrubbed environment, and no
network through ``unshare -n`` where the kernel allows it. For stronger isolation use ``docker``.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Sequence

from rftgym.sandbox import ExecResult, ResetStats, Sandbox, Workspace, HIDDEN_DIRS
from rftgym.sandbox import repos as _repos
from rftgym.sandbox import confine
from rftgym.sandbox.tracker import REPLACED, inotify

_tokens = itertools.count(1)
_net_prefix: list[str] | None = None
_GIT_EXCLUDES = "__pycache__/\n*.pyc\n.pytest_cache/\n"


def _no_network_prefix() -> list[str]:
    """``unshare -n`` (root) or ``unshare -rn`` (user namespace) if either works here, else nothing."""
    global _net_prefix
    if _net_prefix is None:
        _net_prefix = []
        if shutil.which("unshare") and os.environ.get("RFTGYM_LOCAL_NETWORK") != "1":
            for prefix in (["unshare", "-n"], ["unshare", "-rn"]):
                try:
                    if subprocess.run([*prefix, "true"], capture_output=True, timeout=10).returncode == 0:
                        _net_prefix = prefix
                        break
                except (OSError, subprocess.TimeoutExpired):
                    continue
    return _net_prefix


def workdir_base() -> Path:
    """Where workspaces live: ``$RFTGYM_WORKDIR``, else tmpfs (``/dev/shm``) when it has room, else the
    temp dir. On tmpfs a reset is a memory copy; on a disk mounted with ``discard`` truncating a
    synced file alone costs ~0.5 ms (see benchmarks/bench_reset.py)."""
    if os.environ.get("RFTGYM_WORKDIR"):
        base = Path(os.environ["RFTGYM_WORKDIR"])
    else:
        shm = Path("/dev/shm")
        try:
            roomy = shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > (2 << 30)
        except OSError:
            roomy = False
        base = (shm if roomy else Path(tempfile.gettempdir())) / f"rftgym-ws-{os.getuid()}"
    base.mkdir(parents=True, exist_ok=True)
    return base


def _remove(path: str) -> None:
    if os.path.islink(path) or os.path.isfile(path):
        os.unlink(path)
    elif os.path.isdir(path):
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        os.unlink(path)


def _read_capped(stream, cap: int, sink: list, flag: list) -> None:
    size = 0
    for chunk in iter(lambda: stream.read(65536), b""):
        if size < cap:
            sink.append(chunk[: cap - size])
        if size + len(chunk) > cap:
            flag[0] = True
        size += len(chunk)


def run_capped(argv: list[str], *, cwd: str, env: dict[str, str], timeout: float, stdin: str | None,
               max_output: int) -> ExecResult:
    """Run a command in its own session; kill the whole group on timeout and when it returns."""
    start = time.perf_counter()
    try:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, start_new_session=True,
                                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        return ExecResult(127, "", f"cannot run {argv[0]!r}: {exc}", duration_s=time.perf_counter() - start)
    out, err, cut = [], [], [False]
    readers = [threading.Thread(target=_read_capped, args=(proc.stdout, max_output, out, cut), daemon=True),
               threading.Thread(target=_read_capped, args=(proc.stderr, max_output, err, cut), daemon=True)]
    for r in readers:
        r.start()
    if stdin is not None:
        try:
            proc.stdin.write(stdin.encode())
            proc.stdin.close()
        except OSError:
            pass
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    try:  # background children die with the command
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()
    for r in readers:
        r.join(timeout=2)
    return ExecResult(
        exit_code=-9 if timed_out else proc.returncode,
        stdout=b"".join(out).decode("utf-8", "replace"),
        stderr=b"".join(err).decode("utf-8", "replace"),
        timed_out=timed_out, duration_s=time.perf_counter() - start, truncated=cut[0])


class LocalWorkspace(Workspace):
    """A copy of a snapshot in ``$RFTGYM_WORKDIR`` (default: the temp dir), tracked by inotify."""

    python = sys.executable  # this process's interpreter; its folder leads PATH in exec (see below)

    def __init__(self, snap: _repos.Snapshot, base: Path | None = None, *, home: Path | None = None) -> None:
        """``home``: an existing directory to fill (a container's mount source) instead of a new one in ``base``."""
        self.snapshot = snap
        self.repo, self.commit = snap.repo, snap.commit
        self._home = home or (base or workdir_base()) / f"ws-{uuid.uuid4().hex[:12]}"
        self.root = self._home / "repo"
        self._home.mkdir(parents=True, exist_ok=home is not None)
        shutil.copytree(snap.tree, self.root, symlinks=True, dirs_exist_ok=home is not None)
        self._adopt(self.root)
        (self._home / "tmp").mkdir(exist_ok=home is not None)
        self._token = next(_tokens)
        self._tracker = inotify()
        self._tracked = bool(self._tracker and self._tracker.add_tree(self._token, str(self.root)))
        self._view: tuple[int, frozenset[str]] | None = None
        self._closed = False

    # -- change tracking -------------------------------------------------------------------------
    def changed_paths(self) -> set[str] | None:
        view = self._changed_view()
        return None if view is None else set(view)

    def _changed_view(self) -> frozenset[str] | None:
        if not self._tracked:
            return None
        version, changes, lost = self._tracker.peek(self._token)
        if lost:
            return None
        if self._view is None or self._view[0] != version:
            self._view = (version, frozenset(changes))
        return self._view[1]

    @staticmethod
    def _touched(rel: str, changed: frozenset[str]) -> bool:
        if rel in changed:
            return True
        while "/" in rel:
            rel = rel.rsplit("/", 1)[0]
            if rel in changed:
                return True
        return False

    # -- reads -----------------------------------------------------------------------------------
    def files(self) -> list[str]:
        changed = self._changed_view()
        if changed is None:
            return _repos.walk_visible(self.root)
        if not changed:
            return self.snapshot.files
        result = set(self.snapshot.files)
        for path in sorted(changed, key=lambda p: p.count("/")):
            if any(part in HIDDEN_DIRS for part in path.split("/")):
                continue
            result.discard(path)
            prefix = path + "/"
            result.difference_update([f for f in result if f.startswith(prefix)])
            full = self.root / path
            if full.is_dir() and not full.is_symlink():
                result.update(f"{path}/{f}" for f in _repos.walk_visible(full))
            elif os.path.lexists(full):
                result.add(path)
        return sorted(result)

    def read_text(self, rel: str) -> str | None:
        changed = self._changed_view()
        if changed is not None and not self._touched(rel, changed):
            return self.snapshot.read_text(rel)
        return _repos.read_text_file(self.root / rel)

    @property
    def history_git_dir(self) -> Path:
        return self.snapshot.git_dir

    # -- commands --------------------------------------------------------------------------------
    def exec(self, argv: Sequence[str] | str, timeout: float = 60.0, *, cwd: str = ".",
             env: dict[str, str] | None = None, stdin: str | None = None, max_output: int = 64_000) -> ExecResult:
        if isinstance(argv, str):
            argv = ["bash", "-c", argv] if shutil.which("bash") else ["sh", "-c", argv]
        try:
            workdir = self.resolve(cwd)
        except ValueError as exc:
            return ExecResult(2, "", str(exc))
        full_env = {
            # `python` in a shell command is the interpreter that has this process's packages (pytest).
            "PATH": os.pathsep.join([os.path.dirname(self.python), os.environ.get("PATH", "/usr/bin:/bin")]),
            "HOME": str(self._home / "tmp"),
            "TMPDIR": str(self._home / "tmp"), "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONHASHSEED": "0", "GIT_TERMINAL_PROMPT": "0", **(env or {}),
        }
        protect = [str(self._home), sys.prefix, os.path.dirname(os.path.realpath(self.python))]
        wrapped = confine.wrap(list(argv), protect, writable=[str(self._home)], cwd=str(workdir)) \
            or [*_no_network_prefix(), *argv]
        return run_capped(wrapped, cwd=str(workdir), env=full_env, timeout=timeout, stdin=stdin,
                          max_output=max_output)

    # -- reset and diff --------------------------------------------------------------------------
    def reset(self) -> ResetStats:
        start = time.perf_counter()
        stats = ResetStats()
        if not self.root.is_dir():
            shutil.copytree(self.snapshot.tree, self.root, symlinks=True)
            self._adopt(self.root)
            stats.full_scan = True
        if self._tracked:
            changes, lost = self._tracker.take(self._token)
        else:
            changes, lost = {}, True
        if lost:
            changes = self._scan_changes()
            stats.full_scan = True
        done: list[str] = []
        for path in sorted(changes, key=lambda p: (p.count("/"), p)):
            if any(path.startswith(d + "/") for d in done):
                continue
            if self._restore(path, changes[path], stats):
                done.append(path)
        if self._tracked:  # our own restores produced events; they are not changes
            self._tracker.take(self._token)
            if lost:
                self._tracker.forget(self._token)
                self._tracked = self._tracker.add_tree(self._token, str(self.root))
        self._view = None
        stats.seconds = time.perf_counter() - start
        return stats

    def _adopt(self, path: str | Path) -> None:
        """Called on each path copied from the snapshot; a container backend hands it to its user here."""

    def _restore(self, path: str, flags: int, stats: ResetStats) -> bool:
        """Restore one path from the snapshot. True when a whole directory was replaced."""
        src, dst = os.path.join(self.snapshot.tree, path), os.path.join(self.root, path)
        if not os.path.lexists(src):
            if os.path.lexists(dst):
                _remove(dst)
                stats.removed += 1
            return True
        if os.path.isdir(src) and not os.path.islink(src):
            if flags & REPLACED or os.path.islink(dst) or not os.path.isdir(dst):
                if os.path.lexists(dst):
                    _remove(dst)
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.copytree(src, dst, symlinks=True)
                self._adopt(dst)
                if self._tracked:
                    self._tracker.add_tree(self._token, str(self.root), path)
                stats.restored += 1
                return True
            shutil.copystat(src, dst, follow_symlinks=False)
            stats.restored += 1
            return False
        if os.path.lexists(dst) and (os.path.isdir(dst) and not os.path.islink(dst) or os.path.islink(dst)):
            _remove(dst)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst, follow_symlinks=False)
        self._adopt(dst)
        stats.restored += 1
        return False

    def _scan_changes(self) -> dict[str, int]:
        """Compare the whole tree with the snapshot manifest (the fallback when events were lost)."""
        want, have = self.snapshot.manifest(), _repos.scan_tree(self.root)
        changes = {p: REPLACED for p in have.keys() - want.keys()}
        for p, entry in want.items():
            if have.get(p) != entry:
                changes[p] = REPLACED
        return changes

    def diff(self) -> str:
        """``git diff`` of the workspace against its base commit, computed without touching its ``.git``."""
        scratch = Path(tempfile.mkdtemp(prefix="rftgym-diff-"))
        try:
            (scratch / "objects").mkdir()
            (scratch / "excludes").write_text(_GIT_EXCLUDES)
            env = {**os.environ, "GIT_DIR": str(self.history_git_dir), "GIT_WORK_TREE": str(self.root),
                   "GIT_INDEX_FILE": str(scratch / "index"), "GIT_OBJECT_DIRECTORY": str(scratch / "objects"),
                   "GIT_ALTERNATE_OBJECT_DIRECTORIES": str(self.history_git_dir / "objects")}
            git = ["git", "-c", f"core.excludesFile={scratch / 'excludes'}", "-c", "core.quotePath=false"]
            subprocess.run([*git, "read-tree", self.commit], env=env, check=True, capture_output=True)
            changed = self._changed_view()
            paths = None
            if changed is not None:
                paths = sorted(p for p in changed if not p.split("/")[0] == ".git"
                               and (os.path.lexists(self.root / p) or os.path.lexists(self.snapshot.tree / p)))
            if paths is None or paths:
                for chunk in ([paths[i:i + 500] for i in range(0, len(paths), 500)] if paths else [None]):
                    subprocess.run([*git, "add", "-A", "--", *(chunk or ["."])], env=env, check=True,
                                   capture_output=True, cwd=self.root)
            out = subprocess.run([*git, "diff", "--cached", "--binary", "--no-color", self.commit], env=env,
                                 check=True, capture_output=True, cwd=self.root)
            return out.stdout.decode("utf-8", "replace")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._tracker:
            self._tracker.forget(self._token)
        shutil.rmtree(self._home, ignore_errors=True)


class LocalSandbox(Sandbox):
    """Workspaces on this machine, pooled per snapshot: ``release`` resets one for the next ``open``."""

    name = "local"

    def __init__(self, pool_size: int = 4, workdir: str | Path | None = None) -> None:
        self.pool_size = pool_size
        self._base = Path(workdir) if workdir else None
        self._idle: dict[tuple[str, str], list[LocalWorkspace]] = {}
        self._open: set[LocalWorkspace] = set()
        self._lock = threading.Lock()

    def open(self, repo: str, commit: str, *, image: str | None = None) -> Workspace:
        snap = _repos.snapshot(repo, commit)
        if os.path.isdir(repo):  # a local source repo may hold the fix (later commits, the original code)
            confine.hide(repo)
        with self._lock:
            idle = self._idle.get((snap.repo, snap.commit))
            if idle:
                return idle.pop()
        ws = LocalWorkspace(snap, self._base)
        ws.sandbox = self
        with self._lock:
            self._open.add(ws)
        return ws

    def release(self, ws: Workspace) -> None:
        assert isinstance(ws, LocalWorkspace)
        ws.reset()
        with self._lock:
            idle = self._idle.setdefault((ws.repo, ws.commit), [])
            if len(idle) < self.pool_size:
                idle.append(ws)
                return
            self._open.discard(ws)
        ws.close()

    def close(self) -> None:
        with self._lock:
            workspaces, self._open, self._idle = list(self._open), set(), {}
        if len(workspaces) <= 2:
            for ws in workspaces:
                ws.close()
            return
        # Deleting trees is I/O-bound (on a disk with discard, ~100 ms each): overlap the deletions.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(16, len(workspaces))) as pool:
            list(pool.map(lambda ws: ws.close(), workspaces))
