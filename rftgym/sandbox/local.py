"""The local sandbox: workspaces are directories on this machine, commands run as subprocesses.

Isolation is what a process can get without a container: its own session (the whole process group is
killed on timeout and after the command returns), capped output, a scrubbed environment, and no
network through ``unshare -n`` where the kernel allows it. For stronger isolation use ``docker``.

What a reset restores: the repository tree byte for byte (contents, modes, symlinks, xattrs, hard
links broken), and everything else a command can write in its workspace folder: ``$HOME`` and
``$TMPDIR`` (``<workspace>/tmp``) are emptied and anything else created there is removed. Under the
``view`` confinement (``confine.py``) that is all a command can write; ``/tmp`` and ``/dev/shm`` are
fresh for each command. Under ``cover`` or no confinement the host's other folders stay writable.

Exactness: inotify says what changed, and every reset also compares a ``stat`` of every path with the
one taken after the last reset (inode, link count, size, mtime, ctime, mode), which catches what
raises no event (a write through a hard link kept outside the tree, a lost event queue). Restored
files are written to a new inode, so a hard link kept elsewhere no longer reaches the tree.

Crash cleanup: each workspace folder ``ws-<id>`` has a marker ``ws-<id>.owner`` beside it naming its
process (pid and start time); an exit handler removes the live ones, and ``gc_local`` (``rftgym
sandbox gc``) removes those whose owner is gone (``kill -9``).
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from rftgym.sandbox import ExecResult, ResetStats, Sandbox, Workspace, HIDDEN_DIRS
from rftgym.sandbox import repos as _repos
from rftgym.sandbox import clone as _clone
from rftgym.sandbox import confine
from rftgym.sandbox.container_procs import process_alive, process_start_time
from rftgym.sandbox.tracker import ATTRIB, CONTENT, REPLACED, inotify

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
    """Delete a file, link or tree, even one whose directories a command made unreadable (``chmod 000``).

    Symlinks are removed, never followed, and their targets' modes are never touched."""
    if os.path.isdir(path) and not os.path.islink(path):
        _writable_dirs(path)
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        try:
            os.unlink(path)
        except OSError:
            pass


def _writable_dirs(path: str) -> None:
    """Give every real directory under ``path`` (itself included) rwx for its owner, top down."""
    try:
        os.chmod(path, 0o700 | (os.lstat(path).st_mode & 0o7777))
    except OSError:
        return
    for dirpath, dirnames, _ in os.walk(path):
        for d in dirnames:
            full = os.path.join(dirpath, d)
            try:
                st = os.lstat(full)
                if stat.S_ISDIR(st.st_mode) and st.st_mode & 0o700 != 0o700:
                    os.chmod(full, st.st_mode & 0o7777 | 0o700)
            except OSError:
                continue


def _empty(path: str) -> None:
    """Remove what is inside the directory ``path`` but not ``path`` itself."""
    try:
        entries = os.listdir(path)
    except OSError:
        return
    for name in entries:
        _remove(os.path.join(path, name))


def stat_tree(root: str | Path, prefix: str = "") -> dict[str, tuple]:
    """Every path under ``root`` -> (kind, inode, links, size, mtime_ns, ctime_ns, mode, extra).

    Any write changes one of these (a write or an ``mmap`` store the mtime and ctime; ``link``,
    ``chmod`` and ``setxattr`` the ctime), and no command can set a ctime back: comparing two such
    maps finds every change to a file, whether or not an event said so. A directory's ctime moves
    with its children, so directories are compared by inode, mode and xattrs (``extra``) instead;
    a link's ``extra`` is its target. ``prefix``: prepended to every key (a subtree's own path)."""
    out: dict[str, tuple] = {}
    stack = [(str(root), prefix)]
    while stack:
        dirpath, rel_dir = stack.pop()
        try:
            entries = list(os.scandir(dirpath))
        except OSError:
            continue
        for entry in entries:
            rel = f"{rel_dir}{entry.name}"
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            mode = st.st_mode
            if stat.S_ISDIR(mode):
                out[rel] = ("dir", st.st_ino, 0, 0, 0, 0, mode, _xattrs(entry.path))
                stack.append((entry.path, rel + "/"))
            elif stat.S_ISLNK(mode):
                out[rel] = ("link", st.st_ino, 1, 0, 0, st.st_ctime_ns, 0, os.readlink(entry.path))
            else:
                out[rel] = ("file", st.st_ino, st.st_nlink, st.st_size, st.st_mtime_ns, st.st_ctime_ns, mode, None)
    return out


def _stat_one(full: str, rel: str) -> dict[str, tuple]:
    """``stat_tree``'s entries for one path and, for a directory, everything under it; {} if it is gone."""
    try:
        st = os.lstat(full)
    except OSError:
        return {}
    if stat.S_ISDIR(st.st_mode):
        return {rel: ("dir", st.st_ino, 0, 0, 0, 0, st.st_mode, _xattrs(full)), **stat_tree(full, rel + "/")}
    if stat.S_ISLNK(st.st_mode):
        return {rel: ("link", st.st_ino, 1, 0, 0, st.st_ctime_ns, 0, os.readlink(full))}
    return {rel: ("file", st.st_ino, st.st_nlink, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_mode, None)}


def _xattrs(path: str) -> tuple:
    """The extended attributes of ``path`` (not followed) as sorted (name, value) pairs; () without support."""
    try:
        names = os.listxattr(path, follow_symlinks=False)
        if not names:
            return ()
        return tuple(sorted((n, os.getxattr(path, n, follow_symlinks=False)) for n in names))
    except OSError:
        return ()


def _compare(before: dict[str, tuple], after: dict[str, tuple]) -> dict[str, int]:
    """Paths that differ between two ``stat_tree`` maps -> tracker flags (a new inode is a replacement)."""
    changes = {p: REPLACED for p in before.keys() ^ after.keys()}
    for p, was in before.items():
        now = after.get(p)
        if now is None or now == was:
            continue
        if now[:2] != was[:2]:
            changes[p] = REPLACED
        else:
            changes[p] = ATTRIB if now[0] == "dir" else CONTENT
    return changes


def _copy_dir_meta(src: str, dst: str) -> None:
    """Mode, times and xattrs of directory ``src`` onto ``dst``, dropping xattrs ``src`` lacks."""
    shutil.copystat(src, dst, follow_symlinks=False)
    try:
        extra = set(os.listxattr(dst, follow_symlinks=False)) - set(os.listxattr(src, follow_symlinks=False))
        for name in extra:
            os.removexattr(dst, name, follow_symlinks=False)
    except OSError:  # no xattrs on this filesystem
        pass


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
    env_root: str | None = None  # a recipe's venv (rftgym.sandbox.recipes), shown read-only to commands

    def __init__(self, snap: _repos.Snapshot, base: Path | None = None, *, home: Path | None = None) -> None:
        """``home``: an existing directory to fill (a container's mount source) instead of a new one in ``base``."""
        self.snapshot = snap
        self.repo, self.commit = snap.repo, snap.commit
        self._home = home or (base or workdir_base()) / f"ws-{uuid.uuid4().hex[:12]}"
        self.root = self._home / "repo"
        self._home.mkdir(parents=True, exist_ok=home is not None)
        self._marker = None if home is not None else write_owner_marker(self._home)
        self._pid = os.getpid()  # a forked child's exit must not remove its parent's workspaces
        self._closed = False
        _live_workspaces.add(self)
        layout = None
        try:
            layout = _clone.plan(snap.tree) if home is None else None
            if layout is not None:  # replayed from the snapshot's layout, copy-on-write where possible
                _clone.copy(layout, self.root)
            else:
                shutil.copytree(snap.tree, self.root, symlinks=True, dirs_exist_ok=home is not None)
            self._adopt(self.root)
            (self._home / "tmp").mkdir(exist_ok=home is not None)
        except BaseException:
            if home is None:
                self.close()
            raise
        self._tmp_mode = stat.S_IMODE(os.lstat(self._home / "tmp").st_mode)
        self._root_mode = stat.S_IMODE(os.lstat(snap.tree).st_mode)
        self._token = next(_tokens)
        self._tracker = inotify()
        self._tracked = self._watch(layout)
        self._baseline = stat_tree(self.root)
        # Whether a command ever ran here. Writes that raise no event (through a hard link, an mmap
        # store) need a process; this process's own writes into the tree do raise them. Sticky: a
        # command may leave a process behind that writes later.
        self.commands_ran = False
        self._view: tuple[int, frozenset[str]] | None = None

    def _watch(self, layout: _clone.Plan | None = None) -> bool:
        """Watch the tree (changes) and the rest of the workspace folder (hard links made there).
        ``layout``: the plan the tree was just copied from, whose directories are then watched
        without walking the copy (the folder holds only ``repo`` and ``tmp`` then)."""
        if not self._tracker:
            return False
        if layout is not None:
            return (self._tracker.add_dirs(self._token, str(self.root), [".", *(d[0] for d in layout.dirs)])
                    and self._tracker.add_dirs(self._token, str(self._home), [".", "tmp"], side=True))
        if not self._tracker.add_tree(self._token, str(self.root)):
            return False
        return self._tracker.add_tree(self._token, str(self._home), side=True, skip=str(self.root))

    # -- change tracking -------------------------------------------------------------------------
    def changed_paths(self) -> set[str] | None:
        """Every path changed since the last reset. Never ``None`` here.

        The events say it where every place a command can write is watched (the ``view``
        confinement, a container); elsewhere a command may keep a hard link out of sight, and the
        events are completed by a ``stat`` comparison of the tree (~1 ms per 150 paths)."""
        view = self._changed_view()
        if view is not None and self._writes_watched():
            return set(view)
        verified = set(_compare(self._baseline, stat_tree(self.root)))
        return verified if view is None else set(view) | verified

    def _writes_watched(self) -> bool:
        """Whether commands can write only where the tracker watches (the workspace folder)."""
        return confine.mode()[0] == "view"

    def _changed_view(self) -> frozenset[str] | None:
        """What the read tools and ``diff`` trust: the events, checked by ``stat`` once a file that
        may be a hard link appeared (writes through it raise no event on the tree)."""
        if not self._tracked:
            return None
        version, changes, lost = self._tracker.peek(self._token)
        if lost:
            return None
        if self._tracker.is_linked(self._token) or not self._writes_watched():
            # Not cached: a write through a link changes the tree without bumping the version.
            return frozenset(changes) | frozenset(_compare(self._baseline, stat_tree(self.root)))
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
        self.commands_ran = True
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
        protect = [str(self._home), sys.prefix, os.path.dirname(os.path.realpath(self.python)),
                   *([self.env_root] if self.env_root else [])]
        wrapped = confine.wrap(list(argv), protect, writable=[str(self._home)], cwd=str(workdir)) \
            or [*_no_network_prefix(), *argv]
        return run_capped(wrapped, cwd=str(workdir), env=full_env, timeout=timeout, stdin=stdin,
                          max_output=max_output)

    # -- reset and diff --------------------------------------------------------------------------
    def reset(self) -> ResetStats:
        """Restore the pristine tree and empty the rest of the workspace folder (``$HOME``, ``$TMPDIR``).

        The paths to restore are the union of the tracked events and a ``stat`` comparison of the whole
        tree with the one taken after the last reset, so a change that raised no event is restored too.
        The comparison is skipped while no command ever ran in the workspace (``commands_ran``) and
        the events are whole: then nothing could write without raising one (read-only episodes:
        localization, questions)."""
        start = time.perf_counter()
        stats = ResetStats()
        self._clear_outside()
        if not self.root.is_dir() or os.path.islink(self.root):
            _remove(str(self.root))
            shutil.copytree(self.snapshot.tree, self.root, symlinks=True)
            self._adopt(self.root)
            stats.full_scan = True
        elif (stat.S_IMODE(os.lstat(self.root).st_mode) != self._root_mode
              or _xattrs(str(self.root)) != _xattrs(str(self.snapshot.tree))):
            _copy_dir_meta(str(self.snapshot.tree), str(self.root))  # a `chmod 000 .` must not stop the restore
        if self._tracked:
            changes, lost = self._tracker.take(self._token)
        else:
            changes, lost = {}, True
        if lost:
            changes = self._scan_changes()
            stats.full_scan = True
        if lost or not self._tracked or self.commands_ran:  # else every change raised an event
            for path, flags in _compare(self._baseline, stat_tree(self.root)).items():
                changes[path] = changes.get(path, 0) | flags
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
                self._tracked = self._watch()
        if stats.full_scan:
            self._baseline = stat_tree(self.root)
        else:
            self._refresh_baseline(changes)
        self._view = None
        stats.seconds = time.perf_counter() - start
        return stats

    def _refresh_baseline(self, restored: dict[str, int]) -> None:
        """Re-``stat`` the restored paths (and the subtrees of restored directories) into the baseline."""
        for path in sorted(restored, key=lambda p: (p.count("/"), p)):
            prefix = path + "/"
            for old in [p for p in self._baseline if p.startswith(prefix)] if restored[path] & REPLACED else ():
                del self._baseline[old]
            self._baseline.pop(path, None)
            self._baseline.update(_stat_one(os.path.join(self.root, path), path))

    def _clear_outside(self) -> None:
        """Empty ``tmp`` (the commands' ``$HOME`` and ``$TMPDIR``) and remove anything else a command
        created in the workspace folder beside ``repo``; ``tmp`` gets its first mode back."""
        tmp = self._home / "tmp"
        try:
            names = os.listdir(self._home)
        except OSError:
            return
        for name in names:
            if name != "repo" and not (name == "tmp" and tmp.is_dir() and not tmp.is_symlink()):
                _remove(str(self._home / name))
        if not tmp.is_dir():
            tmp.mkdir()
            self._adopt_tmp(tmp)
        os.chmod(tmp, self._tmp_mode | 0o700)
        _empty(str(tmp))
        os.chmod(tmp, self._tmp_mode)

    def _adopt_tmp(self, tmp: Path) -> None:
        """Called when ``tmp`` had to be made anew; a container backend hands it to its user here."""

    def _adopt(self, path: str | Path) -> None:
        """Called on each path copied from the snapshot; a container backend hands it to its user here."""

    def _restore(self, path: str, flags: int, stats: ResetStats) -> bool:
        """Restore one path from the snapshot. True when a whole directory was replaced.

        A file is always written to a new inode: a hard link an agent kept to the old one (in
        ``$TMPDIR``, or under another name in the tree) then no longer reaches the tree."""
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
            _copy_dir_meta(src, dst)
            stats.restored += 1
            return False
        if os.path.lexists(dst):
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
        _live_workspaces.discard(self)
        if getattr(self, "_tracker", None):
            self._tracker.forget(self._token)
        _remove(str(self._home))
        if self._marker is not None:
            self._marker.unlink(missing_ok=True)

    def close_into(self, trash: Path) -> bool:
        """Close by moving the workspace folder into ``trash`` (a folder on the same filesystem that
        someone deletes later) instead of deleting it now. False, with nothing done, when it cannot be
        moved there (another filesystem, a container's folder); the caller then calls ``close``."""
        if self._closed or self._marker is None or self._pid != os.getpid():
            return False
        try:
            os.rename(self._home, trash / self._home.name)
        except OSError:
            return False
        self._closed = True
        _live_workspaces.discard(self)
        if getattr(self, "_tracker", None):
            self._tracker.forget(self._token)
        self._marker.unlink(missing_ok=True)
        return True


def _untouched(ws: LocalWorkspace) -> bool:
    """Whether nothing changed the shared workspace ``ws`` since it was made. Its events are whole
    (no command ever runs in it: the first one moves its episode to a private copy); without
    change tracking, a ``stat`` comparison of the tree says it."""
    if ws._tracked:
        _, changes, lost = ws._tracker.peek(ws._token)
        return not changes and not lost
    return not _compare(ws._baseline, stat_tree(ws.root))


@dataclass
class _Shared:
    """A workspace that read-only episodes share, the handles out on it, and whether it was retired
    (it changed under its readers: closed when the last handle comes back)."""

    ws: LocalWorkspace
    handles: int = 0
    retired: bool = False


class SharedWorkspace(Workspace):
    """One episode's handle on a workspace that every read-only episode of a snapshot shares
    (``LocalSandbox.open(..., shared=True)``): no copy of the repository per episode, and nothing
    to reset after it. Copy-on-write at the level of the workspace: the first command (``exec``)
    gives this episode a private workspace, pristine like the shared one, and from then on every
    call goes to that copy. Reads see the shared tree; anything else is the backing workspace's.

    The episode's own state (``episode``: the trace id and task row remote tools key by) stays on
    the handle. Sharing is for episodes whose tools and grader only read (``ToolEnv`` decides, see
    ``Tool.meta["read_only"]`` and ``Grader.workspace_read_only``); the sandbox stops handing out a
    shared workspace that changed (an outside process wrote it) and makes a fresh one."""

    def __init__(self, entry: "_Shared", sandbox: "LocalSandbox") -> None:
        self._entry: _Shared | None = entry  # None once released
        self._base = entry.ws
        self._private: LocalWorkspace | None = None
        self._sandbox = sandbox
        self.episode: Any = None

    @property
    def _backing(self) -> LocalWorkspace:
        return self._private if self._private is not None else self._base

    def __getattr__(self, name: str) -> Any:  # everything the handle does not hold is the backing's
        if name.startswith("__") or name in ("_entry", "_base", "_private", "_sandbox"):
            raise AttributeError(name)
        return getattr(self._backing, name)

    # what callers read as attributes (the base class defines defaults for some of them)
    root = property(lambda self: self._backing.root)
    repo = property(lambda self: self._backing.repo)
    commit = property(lambda self: self._backing.commit)
    python = property(lambda self: self._backing.python)
    sandbox = property(lambda self: self._sandbox)

    @property
    def shared(self) -> bool:
        """Whether this episode still reads the shared workspace (no command ran in it)."""
        return self._private is None

    def exec(self, argv: Sequence[str] | str, timeout: float = 60.0, *, cwd: str = ".",
             env: dict[str, str] | None = None, stdin: str | None = None, max_output: int = 64_000) -> ExecResult:
        if self._private is None:
            self._private = self._sandbox._private_copy(self._base)
        return self._private.exec(argv, timeout, cwd=cwd, env=env, stdin=stdin, max_output=max_output)

    def reset(self) -> ResetStats:
        return self._private.reset() if self._private is not None else ResetStats()

    def diff(self) -> str:
        return self._backing.diff()

    def changed_paths(self) -> set[str] | None:
        return self._backing.changed_paths()

    def files(self) -> list[str]:
        return self._backing.files()

    def read_text(self, rel: str) -> str | None:
        return self._backing.read_text(rel)

    @property
    def history_git_dir(self) -> Path:
        return self._backing.history_git_dir

    def close(self) -> None:
        self._sandbox.release(self)


# -- crash cleanup -------------------------------------------------------------------------------
_live_workspaces: "weakref.WeakSet[LocalWorkspace]" = weakref.WeakSet()
_MARKER = ".owner"


def write_owner_marker(home: Path) -> Path:
    """Write ``<home>.owner`` beside a workspace folder: this process's pid and start time, one line.

    Beside rather than inside, so that no command run in the workspace can rewrite it."""
    marker = home.with_name(home.name + _MARKER)
    pid = os.getpid()
    if _owner_line[0] != pid:  # read /proc once per process (a forked child is another owner)
        _owner_line[:] = [pid, f"{pid} {process_start_time(pid)}\n"]
    marker.write_text(_owner_line[1])
    return marker


_owner_line: list = [None, ""]  # [pid, the marker line for it]


@atexit.register
def _close_live_workspaces() -> None:
    """On a normal exit, remove the workspace folders this process still holds (pooled ones too)."""
    for ws in list(_live_workspaces):
        if ws._marker is None or ws._pid != os.getpid():
            continue  # a container's folder (the docker sandbox's exit handler removes it), or a parent's
        try:
            ws.close()
        except Exception:  # exiting anyway; gc_local reaps what is left
            pass


def workdir_bases() -> list[Path]:
    """Every folder local workspaces of this user may lie in (``$RFTGYM_WORKDIR``, tmpfs, the temp dir)."""
    bases = [Path("/dev/shm") / f"rftgym-ws-{os.getuid()}", Path(tempfile.gettempdir()) / f"rftgym-ws-{os.getuid()}"]
    if os.environ.get("RFTGYM_WORKDIR"):
        bases.insert(0, Path(os.environ["RFTGYM_WORKDIR"]))
    return [b for b in dict.fromkeys(bases) if b.is_dir()]


def gc_local(everything: bool = False, bases: list[Path] | None = None) -> tuple[list[str], int]:
    """Remove local workspace folders whose owner process is gone (``kill -9``, an OOM kill).

    A folder counts when its ``ws-<id>.owner`` marker names a dead pid (or a pid reused by another
    process); ``everything`` removes live runs' folders too. Folders without a marker (made by an
    older rftgym) are left alone. Returns (removed folder paths, folders kept for live owners)."""
    removed, kept = [], 0
    for base in bases if bases is not None else workdir_bases():
        for marker in sorted(base.glob(f"ws-*{_MARKER}")):
            try:
                pid_s, _, start = marker.read_text().strip().partition(" ")
                pid = int(pid_s)
            except (OSError, ValueError):
                pid, start = 0, ""
            if not everything and process_alive(pid, start):
                kept += 1
                continue
            home = marker.with_name(marker.name[: -len(_MARKER)])
            _remove(str(home))
            marker.unlink(missing_ok=True)
            removed.append(str(home))
    return removed, kept


class LocalSandbox(Sandbox):
    """Workspaces on this machine, pooled per snapshot: ``release`` resets one for the next ``open``."""

    name = "local"

    supports_shared = True  # open(..., shared=True): one workspace for every read-only episode of a snapshot

    def __init__(self, pool_size: int = 4, workdir: str | Path | None = None) -> None:
        self.pool_size = pool_size
        self._base = Path(workdir) if workdir else None
        self._idle: dict[tuple[str, str], list[LocalWorkspace]] = {}
        self._open: set[LocalWorkspace] = set()
        self._lock = threading.Lock()
        self._shared: dict[tuple, _Shared] = {}  # (repo, commit, python, env root) -> the shared workspace
        self._hidden: set[str] = set()  # local source repos covered already (confine.hide is for good)

    def open(self, repo: str, commit: str, *, image: str | None = None, shared: bool = False) -> Workspace:
        """A workspace of ``repo`` at ``commit``; ``image`` naming an environment recipe
        (``rftgym.sandbox.recipes``) runs its commands in the recipe's venv, other images are ignored.
        ``shared``: a ``SharedWorkspace`` handle on the one workspace every shared episode of the
        snapshot reads (no copy; the first command of an episode gives it a private copy)."""
        from rftgym.sandbox.recipes import local_env

        env = local_env(image)
        python = env.python if env else LocalWorkspace.python
        env_root = env.root if env else None
        if shared:
            return self._open_shared(repo, commit, python, env_root)
        ws = self._checkout(repo, commit)
        ws.python, ws.env_root = python, env_root
        return ws

    def _open_shared(self, repo: str, commit: str, python: str, env_root: str | None) -> SharedWorkspace:
        snap = self._snapshot(repo, commit)
        key = (snap.repo, snap.commit, python, env_root)
        with self._lock:
            entry = self._shared.get(key)
            if entry is not None and not _untouched(entry.ws):  # written from outside: stop handing it out
                del self._shared[key]
                entry.retired = True
                self._close_if_unused(entry)
                entry = None
            if entry is None:
                ws = LocalWorkspace(snap, self._base)
                ws.sandbox, ws.python, ws.env_root = self, python, env_root
                self._open.add(ws)
                entry = self._shared[key] = _Shared(ws)
            entry.handles += 1
            return SharedWorkspace(entry, self)

    def _close_if_unused(self, entry: "_Shared") -> None:
        """Close a retired shared workspace once no handle holds it (called under the lock)."""
        if entry.retired and entry.handles == 0:
            self._open.discard(entry.ws)
            entry.ws.close()

    def _private_copy(self, base: LocalWorkspace) -> LocalWorkspace:
        """A pristine private workspace like ``base``, for a shared episode that runs a command."""
        ws = self._checkout(base.snapshot.repo, base.commit)
        ws.python, ws.env_root = base.python, base.env_root
        return ws

    def _release_shared(self, handle: SharedWorkspace) -> None:
        private, handle._private = handle._private, None
        if private is not None:
            self.release(private)
        entry, handle._entry = handle._entry, None
        if entry is None:  # released already
            return
        with self._lock:
            entry.handles -= 1
            self._close_if_unused(entry)

    def _snapshot(self, repo: str, commit: str) -> _repos.Snapshot:
        snap = _repos.snapshot(repo, commit)
        if repo not in self._hidden and os.path.isdir(repo):  # a local source repo may hold the fix
            confine.hide(repo)  # (later commits, the original code); once per repo, not per episode
            self._hidden.add(repo)
        return snap

    def _checkout(self, repo: str, commit: str) -> LocalWorkspace:
        snap = self._snapshot(repo, commit)
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
        if isinstance(ws, SharedWorkspace):
            self._release_shared(ws)
            return
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
            workspaces, self._open, self._idle, self._shared = list(self._open), set(), {}, {}
        if len(workspaces) <= 2:
            for ws in workspaces:
                ws.close()
            return
        if len(workspaces) >= _REMOVE_LATER_MIN:
            workspaces = _close_into_trash(workspaces)
            if not workspaces:
                return
        # Deleting trees is I/O-bound (on a disk with discard, ~100 ms each): overlap the deletions.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(16, len(workspaces))) as pool:
            list(pool.map(lambda ws: ws.close(), workspaces))


# Closing this many workspaces at once moves them aside and deletes them in the background
# (clone.remove_later): a run's end does not wait for a thousand trees to be deleted.
_REMOVE_LATER_MIN = 32


def _close_into_trash(workspaces: list) -> list:
    """Close ``workspaces`` by moving their folders into one trash folder per workspace base, deleted
    by a detached process. Returns those that could not be moved (the caller closes them)."""
    by_base: dict[Path, list] = {}
    for ws in workspaces:
        by_base.setdefault(ws._home.parent, []).append(ws)
    left = []
    for base, group in by_base.items():
        trash = base / f"ws-trash-{uuid.uuid4().hex[:12]}"
        try:
            trash.mkdir()
        except OSError:
            left.extend(group)
            continue
        marker = write_owner_marker(trash)  # gc_local reaps the trash should its remover die
        left.extend(ws for ws in group if not ws.close_into(trash))
        _clone.remove_later(trash, marker)
    return left

