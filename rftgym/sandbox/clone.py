"""Fast copies of a snapshot tree into a new workspace: what ``LocalWorkspace`` creation costs.

A snapshot never changes after it is built, so its layout is read once (``plan``) and every copy
replays it: directories made, files written, links made, then modes and times set, without walking
or ``stat``-ing the source again. Each file is cloned copy-on-write where the filesystem offers it
(``FICLONE``: btrfs, XFS with reflink, bcachefs; the same as ``cp --reflink=auto``), else written from
memory (small files; the contents are read once per snapshot) or copied in the kernel
(``copy_file_range``). Hard-link farms are never used: an agent writing through a hard link would
write the snapshot, and every other workspace with it.

The copy has what ``shutil.copytree(symlinks=True)`` with ``copy2`` gives: contents, modes, access
and modification times, symlinks as links. A snapshot with extended attributes or special files
(fifos, devices) is not planned (``plan`` returns None) and the caller falls back to ``copytree``.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import threading
from dataclasses import dataclass, field
from pathlib import Path

_FICLONE = 0x40049409  # linux/fs.h: _IOW(0x94, 9, int)
_MEMORY_FILE_MAX = 1 << 20      # files up to this size are kept in memory for the copies
_MEMORY_TOTAL_MAX = 64 << 20    # ... and at most this much per snapshot

_plans: dict[str, "Plan | None"] = {}
_plans_lock = threading.Lock()
_reflink_ok: dict[int, bool] = {}  # st_dev of a workspace folder -> whether FICLONE worked there


@dataclass
class Plan:
    """The layout of one snapshot tree, top-down: directories, files (with contents when small), links."""

    root: str
    root_mode: int
    root_times: tuple[int, int]
    dirs: list[tuple[str, int, int, int]] = field(default_factory=list)        # rel, mode, atime, mtime
    files: list[tuple[str, int, int, int, bytes | None]] = field(default_factory=list)  # + contents
    links: list[tuple[str, str, int, int]] = field(default_factory=list)       # rel, target, atime, mtime


def plan(tree: str | Path) -> Plan | None:
    """The copy plan of the snapshot tree ``tree`` (read once, then cached), or None when the tree
    holds something a plain copy would lose (extended attributes, fifos, sockets, devices)."""
    key = str(tree)
    with _plans_lock:
        if key in _plans:
            return _plans[key]
    made = _scan(key)
    with _plans_lock:
        return _plans.setdefault(key, made)


def _has_xattrs(path: str) -> bool:
    try:
        return bool(os.listxattr(path, follow_symlinks=False))
    except OSError:  # no xattr support here: nothing to lose
        return False


def _scan(root: str) -> Plan | None:
    if _has_xattrs(root):
        return None
    top = os.lstat(root)
    out = Plan(root=root, root_mode=stat.S_IMODE(top.st_mode), root_times=(top.st_atime_ns, top.st_mtime_ns))
    in_memory = 0
    stack = [("", root)]
    while stack:
        rel_dir, path = stack.pop()
        with os.scandir(path) as it:
            entries = sorted(it, key=lambda e: e.name)
        for entry in entries:
            rel = f"{rel_dir}{entry.name}"
            st = entry.stat(follow_symlinks=False)
            if (not stat.S_ISLNK(st.st_mode)) and _has_xattrs(entry.path):
                return None
            if stat.S_ISDIR(st.st_mode):
                out.dirs.append((rel, stat.S_IMODE(st.st_mode), st.st_atime_ns, st.st_mtime_ns))
                stack.append((rel + "/", entry.path))
            elif stat.S_ISLNK(st.st_mode):
                out.links.append((rel, os.readlink(entry.path), st.st_atime_ns, st.st_mtime_ns))
            elif stat.S_ISREG(st.st_mode):
                data = None
                if st.st_size <= _MEMORY_FILE_MAX and in_memory + st.st_size <= _MEMORY_TOTAL_MAX:
                    with open(entry.path, "rb") as fh:
                        data = fh.read()
                    in_memory += len(data)
                out.files.append((rel, stat.S_IMODE(st.st_mode), st.st_atime_ns, st.st_mtime_ns, data))
            else:
                return None
    out.dirs.sort()  # parents before children
    return out


def _reflink(src: str, dst: str, mode: int) -> bool:
    """Clone ``src`` to the new file ``dst`` copy-on-write. False where the filesystem cannot."""
    with open(src, "rb") as s:
        fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            fcntl.ioctl(fd, _FICLONE, s.fileno())
        except OSError:
            os.close(fd)
            os.unlink(dst)
            return False
        os.fchmod(fd, mode)
        os.close(fd)
    return True


def _write(dst: str, mode: int, data: bytes | None, src: str) -> None:
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        if data is not None:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        else:
            with open(src, "rb") as s:
                _copy_fd(s.fileno(), fd, os.fstat(s.fileno()).st_size)
        os.fchmod(fd, mode)
    finally:
        os.close(fd)


def _copy_fd(src: int, dst: int, size: int) -> None:
    """Copy ``size`` bytes from ``src`` to ``dst`` in the kernel: ``copy_file_range``, which Linux
    before 5.19 and some filesystems refuse across filesystems (``EXDEV``: a snapshot on disk, the
    workspace on tmpfs) or at all; then ``sendfile``; then plain reads and writes."""
    copied = 0
    for how in ("copy_file_range", "sendfile", "read"):
        try:
            while copied < size:
                if how == "copy_file_range":
                    n = os.copy_file_range(src, dst, size - copied, copied, copied)
                elif how == "sendfile":
                    n = os.sendfile(dst, src, copied, size - copied)
                else:
                    os.lseek(src, copied, os.SEEK_SET)
                    data = os.read(src, min(size - copied, 1 << 20))
                    n = len(data) and os.write(dst, data)
                if n == 0:
                    return
                copied += n
            return
        except OSError as exc:
            if how == "read" or exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
                raise
            os.lseek(dst, copied, os.SEEK_SET)


def reflinks_here(folder: str | Path) -> bool | None:
    """Whether copy-on-write clones worked in ``folder``'s filesystem (None: not tried yet there)."""
    try:
        return _reflink_ok.get(os.stat(folder).st_dev)
    except OSError:
        return None


def copy(p: Plan, dst: str | Path) -> str:
    """Make ``dst`` (which must not exist; its parent must) a copy of the planned tree. Returns how
    its files were copied: ``"reflink"`` or ``"copy"``. On an error the partial copy is left for the
    caller to remove."""
    dst = str(dst)
    os.mkdir(dst, 0o700)
    for rel, _mode, _a, _m in p.dirs:
        os.mkdir(os.path.join(dst, rel), 0o700)
    dev = os.stat(dst).st_dev
    use_reflink = _reflink_ok.get(dev, True)
    for rel, mode, atime, mtime, data in p.files:
        target = os.path.join(dst, rel)
        if use_reflink:
            ok = _reflink(os.path.join(p.root, rel), target, mode)
            if dev not in _reflink_ok:
                _reflink_ok[dev] = ok
            use_reflink = ok
            if not ok:
                _write(target, mode, data, os.path.join(p.root, rel))
        else:
            _write(target, mode, data, os.path.join(p.root, rel))
        os.utime(target, ns=(atime, mtime))
    for rel, link, atime, mtime in p.links:
        target = os.path.join(dst, rel)
        os.symlink(link, target)
        os.utime(target, ns=(atime, mtime), follow_symlinks=False)
    for rel, mode, atime, mtime in reversed(p.dirs):  # children first: a read-only directory ends the writes
        target = os.path.join(dst, rel)
        os.chmod(target, mode)
        os.utime(target, ns=(atime, mtime))
    os.chmod(dst, p.root_mode)
    os.utime(dst, ns=p.root_times)
    return "reflink" if use_reflink and p.files else "copy"


# -- removal in the background -----------------------------------------------------------------------
# Deleting a workspace costs more than making one (~1.5 ms of CPU each on tmpfs, ~100 ms of I/O on a
# disk mounted with discard): a run that ends with 1,000 workspaces would spend seconds on it before
# returning. ``remove_later`` moves the folders aside into one trash folder (a rename each) and a
# detached process deletes it; the trash folder has an owner marker like a workspace's, so that
# ``gc_local`` (``rftgym sandbox gc``) reaps it should that process die.

_REMOVER = r"""
import os, shutil, stat, subprocess, sys
trash, marker = sys.argv[1], sys.argv[2]
try:  # rm -rf first: twice as fast as rmtree; it never follows a symlink
    subprocess.run(["rm", "-rf", "--", trash], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=3600)
except (OSError, subprocess.SubprocessError):
    pass
if os.path.lexists(trash):  # a command left directories unreadable (chmod 000): open them, then delete
    try:
        os.chmod(trash, 0o700)
    except OSError:
        pass
    for top, dirs, _ in os.walk(trash):
        for d in dirs:
            p = os.path.join(top, d)
            try:
                st = os.lstat(p)
                if stat.S_ISDIR(st.st_mode) and st.st_mode & 0o700 != 0o700:
                    os.chmod(p, stat.S_IMODE(st.st_mode) | 0o700)
            except OSError:
                pass
    shutil.rmtree(trash, ignore_errors=True)
try:
    os.unlink(marker)
except OSError:
    pass
"""

_removals: list = []  # the remover processes started by this process (see wait_removals)
_handed_over: list | None = None  # while set (hand_over_removals), the removals to hand to another process


def remove_later(trash: str | Path, marker: str | Path):
    """Start a detached process that deletes the folder ``trash`` (symlinks removed, never followed;
    directories a command made unreadable made readable first), then its owner marker ``marker``.
    Returns the ``subprocess.Popen``; the caller does not wait for it. Inside ``hand_over_removals``
    nothing starts: the pair is collected for a longer-lived process of the same machine (None)."""
    import subprocess
    import sys

    if _handed_over is not None:
        _handed_over.append((str(trash), str(marker)))
        return None
    proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", _REMOVER, str(trash), str(marker)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, close_fds=True)
    _removals.append(proc)
    return proc


@contextlib.contextmanager
def hand_over_removals():
    """Collect the removals started inside the block instead of starting them; yields the list of
    ``(trash, marker)`` pairs, for ``remove_later`` in a process that outlives this one on the same
    machine. A Ray actor's exit kills its children: rather than wait for its removers, it hands
    them to the driver. Not thread-safe: for a process closing its last sandbox."""
    global _handed_over
    _handed_over = collected = []
    try:
        yield collected
    finally:
        _handed_over = None


def wait_removals(timeout: float | None = None) -> float:
    """Wait (at most ``timeout`` seconds in all) for the background removals this process started;
    returns the seconds waited. For benchmarks and tests that must see the disk clean, and for a
    process whose exit kills its children (a Ray worker: its raylet reaps them); a removal still
    running at the timeout goes on (``gc_local`` reaps what a killed one leaves)."""
    import subprocess
    import time

    start = time.monotonic()
    while _removals:
        proc = _removals[-1]
        try:
            proc.wait(None if timeout is None else max(0.0, timeout - (time.monotonic() - start)))
        except subprocess.TimeoutExpired:
            break
        _removals.pop()
    return time.monotonic() - start
