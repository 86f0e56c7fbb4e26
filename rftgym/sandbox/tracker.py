"""Change tracking for workspaces, so that a reset costs what changed rather than what exists.

One Linux inotify instance per process watches every directory of every workspace (instances are
scarce: 128 per user by default; watches are not). Events are drained on demand and filed under the
workspace they belong to as ``relative path -> flags``. When inotify is unavailable, a watch cannot be
added, or the kernel queue overflows, the workspace is marked untracked and its next reset falls back
to comparing the whole tree with the snapshot's manifest.

Some writes raise no event on the workspace's directories: a write through a hard link that lives
elsewhere (``ln pkg/a.py $TMPDIR/alias``), a ``link()`` itself. The tracker notices the creation of
a multiply linked regular file anywhere it watches (the workspace and its *side* trees, such as the
workspace's ``$TMPDIR``), or of a file already gone when the event is read (a link made, written
through and removed by one command), and marks the workspace ``linked``; the workspace then checks its tree by
``stat`` (see ``LocalWorkspace._verify``). Writes through ``mmap`` are caught as ``IN_CLOSE_WRITE``
(the mapping holds the file open until it goes away).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import stat
import struct
import sys
import threading

IN_MODIFY = 0x00000002
IN_CLOSE_WRITE = 0x00000008
IN_ATTRIB = 0x00000004
IN_MOVED_FROM = 0x00000040
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_DELETE = 0x00000200
IN_Q_OVERFLOW = 0x00004000
IN_IGNORED = 0x00008000
IN_ONLYDIR = 0x01000000
IN_DONT_FOLLOW = 0x02000000
IN_EXCL_UNLINK = 0x04000000
IN_ISDIR = 0x40000000
_IN_NONBLOCK = 0o4000
_IN_CLOEXEC = 0o2000000

_WATCH_MASK = (IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE
               | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK)
_EVENT = struct.Struct("iIII")

# Flags a path can carry: its content changed, its metadata changed, or it was replaced
# (created, deleted or moved): a replaced directory is restored as a whole.
CONTENT, ATTRIB, REPLACED = 1, 2, 4


class _Inotify:
    def __init__(self) -> None:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        self._add = libc.inotify_add_watch
        self._add.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
        self._rm = libc.inotify_rm_watch
        self._rm.argtypes = [ctypes.c_int, ctypes.c_int]
        fd = libc.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
        if fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        self.fd = fd
        self.pid = os.getpid()
        self.lock = threading.RLock()
        self.wds: dict[int, tuple[int, str, str, bool]] = {}  # wd -> (token, relative dir, root, side)
        self.by_ws: dict[int, set[int]] = {}              # workspace token -> its wds
        self.changes: dict[int, dict[str, int]] = {}      # workspace token -> path -> flags
        self.lost: set[int] = set()                       # workspaces whose events may be incomplete
        self.version: dict[int, int] = {}                 # workspace token -> bumps on each new event
        self.linked: set[int] = set()                     # workspaces where a hard-linked file appeared

    def add_tree(self, token: int, root: str, rel: str = ".", *, side: bool = False,
                 skip: str | None = None) -> bool:
        """Watch ``root/rel`` and every directory below it (but ``skip``, an absolute path).

        ``side``: a tree outside the workspace (its ``$TMPDIR``) whose events are not changes; only
        the appearance of hard links there is noted. False when a watch could not be added.
        """
        start = root if rel == "." else os.path.join(root, rel)
        with self.lock:
            for dirpath, dirnames, filenames in os.walk(start):
                dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))
                               and os.path.join(dirpath, d) != skip]
                wd = self._add(self.fd, dirpath.encode(), _WATCH_MASK)
                if wd < 0:
                    err = ctypes.get_errno()
                    if err in (errno.ENOENT, errno.ENOTDIR):
                        continue
                    self.lost.add(token)
                    return False
                reldir = os.path.relpath(dirpath, root).replace(os.sep, "/")
                self.wds[wd] = (token, reldir, root, side)
                self.by_ws.setdefault(token, set()).add(wd)
                if rel != "." and any(_multiply_linked(os.path.join(dirpath, f)) for f in filenames):
                    self._mark_linked(token)  # a new directory filled before its watch was added
        return True

    def add_dirs(self, token: int, root: str, reldirs: list[str], *, side: bool = False) -> bool:
        """Watch the directories ``reldirs`` of ``root`` (relative, ``"."`` for ``root`` itself), a tree
        whose layout is already known (a workspace just copied from a snapshot's plan): ``add_tree``
        without walking or ``stat``-ing it. False when a watch could not be added."""
        with self.lock:
            for reldir in reldirs:
                wd = self._add(self.fd, (root if reldir == "." else os.path.join(root, reldir)).encode(), _WATCH_MASK)
                if wd < 0:
                    self.lost.add(token)
                    return False
                self.wds[wd] = (token, reldir, root, side)
                self.by_ws.setdefault(token, set()).add(wd)
        return True

    def forget(self, token: int) -> None:
        with self.lock:
            for wd in self.by_ws.pop(token, set()):
                if self.wds.pop(wd, None) is not None:
                    self._rm(self.fd, wd)
            self.changes.pop(token, None)
            self.version.pop(token, None)
            self.lost.discard(token)

    def drain(self) -> None:
        with self.lock:
            while True:
                try:
                    data = os.read(self.fd, 1 << 16)
                except BlockingIOError:
                    return
                except OSError as exc:
                    if exc.errno == errno.EINTR:
                        continue
                    raise
                self._dispatch(data)

    def _dispatch(self, data: bytes) -> None:
        offset = 0
        while offset < len(data):
            wd, mask, _cookie, length = _EVENT.unpack_from(data, offset)
            name = data[offset + 16: offset + 16 + length].split(b"\0", 1)[0].decode(sys.getfilesystemencoding(), "surrogateescape")
            offset += 16 + length
            if mask & IN_Q_OVERFLOW:
                self.lost.update(self.by_ws)
                continue
            owner = self.wds.get(wd)
            if owner is None:
                continue
            token, reldir, root, side = owner
            if mask & IN_IGNORED:
                self.wds.pop(wd, None)
                self.by_ws.get(token, set()).discard(wd)
                continue
            if not name:
                continue
            path = name if reldir == "." else f"{reldir}/{name}"
            if mask & (IN_CREATE | IN_MOVED_TO):
                full = os.path.join(root, path)
                if mask & IN_ISDIR:  # watch new directories too: a hard link may be made inside
                    self.add_tree(token, root, path, side=side)
                elif _linked_or_gone(full):
                    self._mark_linked(token)
            if side:
                continue
            if mask & (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO):
                flag = REPLACED
            elif mask & IN_ATTRIB:
                flag = ATTRIB
            else:
                flag = CONTENT
            bucket = self.changes.setdefault(token, {})
            bucket[path] = bucket.get(path, 0) | flag
            self.version[token] = self.version.get(token, 0) + 1

    def _mark_linked(self, token: int) -> None:
        self.linked.add(token)
        self.version[token] = self.version.get(token, 0) + 1

    def is_linked(self, token: int) -> bool:
        """Drain, then whether a hard-linked regular file appeared in ``token``'s trees since its last reset."""
        with self.lock:
            self.drain()
            return token in self.linked

    def take(self, token: int) -> tuple[dict[str, int], bool]:
        """Drain, then hand over (and clear) a workspace's changes and whether any were lost."""
        with self.lock:
            self.drain()
            changes = self.changes.pop(token, {})
            self.version[token] = self.version.get(token, 0) + 1
            lost = token in self.lost
            self.lost.discard(token)
            self.linked.discard(token)
            return changes, lost

    def peek(self, token: int) -> tuple[int, dict[str, int], bool]:
        """Drain, then (version, changes so far, lost) without clearing; callers must not mutate."""
        with self.lock:
            self.drain()
            return self.version.get(token, 0), self.changes.get(token, {}), token in self.lost


def _linked_or_gone(path: str) -> bool:
    """Whether a file created at ``path`` is a hard link, or is already gone (it may have been a link,
    made, written through and removed by one command): either way the tree must be checked."""
    try:
        st = os.lstat(path)
    except OSError:
        return True
    return stat.S_ISREG(st.st_mode) and st.st_nlink > 1


def _multiply_linked(path: str) -> bool:
    """Whether ``path`` is a regular file with more than one name (a hard link)."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_nlink > 1


_instance: _Inotify | None = None
_instance_lock = threading.Lock()
_unavailable = False


def inotify() -> _Inotify | None:
    """The process's inotify instance, or ``None`` where the platform has none (then resets scan)."""
    global _instance, _unavailable
    if _unavailable or not sys.platform.startswith("linux"):
        return None
    with _instance_lock:
        if _instance is None or _instance.pid != os.getpid():  # a forked child needs its own
            try:
                _instance = _Inotify()
            except (OSError, AttributeError):
                _unavailable = True
                return None
        return _instance
