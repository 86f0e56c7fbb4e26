"""Reads that never leave the workspace: the one rule every in-process tool follows for symlinks.

The read tools (``read_file``, ``grep``, ``search_code``, ``find_symbol``, ``list_dir``,
``find_files``) run in the rftgym process, outside any container or confined view, so a symlink an
agent made with ``run_shell`` (``ln -s /etc/passwd x``, ``ln -s / host``) would hand them host files.
This module is the single rule they share:

- A link whose target stays inside the workspace root is followed (repositories commit such links).
- A link that resolves outside the root (absolute, or through ``..``) is refused: not read, not
  listed, never descended into. Dangling links are listed but read as nothing.
- Opening walks the path one component at a time from a descriptor of the root with ``O_NOFOLLOW``,
  resolving links by hand, so swapping a directory for a link between a check and the read cannot
  redirect it (no time-of-check/time-of-use window). FIFOs and devices are never opened for reading.

``WorkspaceReader`` applies the rule to a ``Workspace`` while keeping its fast paths: files the
episode has not touched are served from the snapshot's text cache (the snapshot is never written by
an agent; links it commits that point outside are dropped once per snapshot).
"""

from __future__ import annotations

import errno
import os
import stat
from collections import deque
from pathlib import Path

from rftgym.sandbox import HIDDEN_DIRS, PathError

_MAX_LINKS = 40  # like the kernel's limit on symlinks followed in one lookup
_MAX_TEXT_BYTES = 1_000_000  # larger files are binary for the read tools (same as repos.read_text_file)


def _real(root: str | Path) -> str:
    return os.path.realpath(root)


def is_inside(root: str | Path, rel: str) -> bool:
    """True when ``root/rel`` resolves (following every link, even a dangling one) inside ``root``."""
    real_root = _real(root)
    real = os.path.realpath(os.path.join(real_root, rel))
    return real == real_root or real.startswith(real_root + os.sep)


def open_inside(root: str | Path, rel: str, flags: int = os.O_RDONLY) -> int:
    """A descriptor for ``root/rel`` opened with ``flags``, following only links that stay inside ``root``.

    Raises ``PathError`` when the path (or a link on it) leads outside the root or loops, and
    ``OSError`` (``FileNotFoundError``, ``NotADirectoryError``...) as ``os.open`` would otherwise.
    The caller closes the descriptor.
    """
    real_root = _real(root)
    root_fd = os.open(real_root, os.O_RDONLY | os.O_DIRECTORY)
    stack = [root_fd]  # descriptors of the directories walked so far; stack[0] is the root
    parts = deque(p for p in rel.replace("\\", "/").split("/"))
    links = 0
    try:
        while parts:
            part = parts.popleft()
            if part in ("", "."):
                continue
            if part == "..":
                if len(stack) == 1:
                    raise PathError(f"{rel!r} resolves outside the repository; refused")
                os.close(stack.pop())
                continue
            last = not any(p not in ("", ".") for p in parts)
            want = (flags if last else os.O_RDONLY | os.O_DIRECTORY) | os.O_NOFOLLOW | os.O_CLOEXEC
            try:
                fd = os.open(part, want, dir_fd=stack[-1])
            except OSError as exc:
                if exc.errno not in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
                    raise
                try:
                    target = os.readlink(part, dir_fd=stack[-1])
                except OSError:
                    raise exc from None  # not a link: a real ENOTDIR
                links += 1
                if links > _MAX_LINKS:
                    raise PathError(f"{rel!r} has too many levels of symbolic links; refused") from None
                if os.path.isabs(target):
                    norm = os.path.normpath(target)
                    if norm != real_root and not norm.startswith(real_root + os.sep):
                        raise PathError(f"{rel!r} is a link that points outside the repository; refused") from None
                    for d in stack[1:]:
                        os.close(d)
                    del stack[1:]
                    target = os.path.relpath(norm, real_root)
                parts.extendleft(reversed(target.split("/")))
                continue
            if last:
                return fd
            stack.append(fd)
        # An empty path or one made of '.'/'..' only: the directory we ended in.
        return os.open(".", flags | os.O_CLOEXEC, dir_fd=stack[-1])
    finally:
        for d in stack:
            os.close(d)


def read_bytes_inside(root: str | Path, rel: str, max_bytes: int = _MAX_TEXT_BYTES) -> bytes | None:
    """The bytes of regular file ``root/rel`` (see ``open_inside``), or ``None`` when it is outside,
    missing, not a regular file (directory, FIFO, device) or larger than ``max_bytes``."""
    try:
        fd = open_inside(root, rel, os.O_RDONLY | os.O_NONBLOCK)  # NONBLOCK: a FIFO never hangs a tool
    except (OSError, PathError):
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > max_bytes:
            return None
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                return None
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def read_text_inside(root: str | Path, rel: str) -> str | None:
    """The text of ``root/rel`` as the read tools show it, or ``None`` (outside, binary, missing, > 1 MB)."""
    data = read_bytes_inside(root, rel)
    if data is None or b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", errors="replace")


def scandir_inside(root: str | Path, rel: str = ".") -> list[tuple[str, bool]]:
    """``(name, is_dir)`` of the entries of directory ``root/rel`` sorted by name, hidden dirs left out.

    ``is_dir`` is true only for real directories (a link to a directory is listed as a plain entry and
    never descended into). Links that resolve outside the root are left out. Raises ``PathError`` /
    ``OSError`` like ``open_inside`` when ``rel`` itself is not a directory inside the root.
    """
    fd = open_inside(root, rel, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with os.scandir(fd) as it:
            entries = list(it)
    finally:
        os.close(fd)
    out = []
    base = rel.strip("/")
    for entry in sorted(entries, key=lambda e: e.name):
        if entry.name in HIDDEN_DIRS:
            continue
        try:
            is_link = entry.is_symlink()
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            continue
        child = entry.name if base in ("", ".") else f"{base}/{entry.name}"
        if is_link and not is_inside(root, child):
            continue
        out.append((entry.name, is_dir))
    return out


def walk_inside(root: str | Path, rel: str = ".") -> list[str]:
    """Sorted relative paths of the files below ``root/rel`` an agent may read: hidden dirs skipped,
    links to directories never descended, links resolving outside the root left out."""
    out: list[str] = []

    def walk(directory: str) -> None:
        try:
            entries = scandir_inside(root, directory)
        except (OSError, PathError):
            return
        for name, is_dir in entries:
            child = name if directory in ("", ".") else f"{directory}/{name}"
            if is_dir:
                walk(child)
            else:
                out.append(child)

    walk(rel)
    out.sort()
    return out


def _snapshot_safe_files(snap) -> list[str]:
    """The snapshot's files that are not links resolving outside its tree (computed once per snapshot)."""
    safe = snap.derived.get("safe_files")
    if safe is None:
        tree = snap.tree
        safe = [f for f in snap.files if not os.path.islink(os.path.join(tree, f)) or is_inside(tree, f)]
        safe = snap.derived.setdefault("safe_files", safe)
        snap.derived.setdefault("safe_set", frozenset(safe))
    return safe


class WorkspaceReader:
    """The files and texts of a workspace as one tool call may see them (see the module docstring).

    Built once per call: it takes the workspace's change view at creation, so a call sees one
    consistent state. Unchanged files come from the snapshot cache; changed ones are read with
    ``read_text_inside``; workspaces without change tracking are read with ``read_text_inside`` only.
    """

    def __init__(self, ws) -> None:
        self.ws = ws
        self.root = ws.root
        self.snapshot = getattr(ws, "snapshot", None)
        self.changed = ws.changed_paths() if self.snapshot is not None else None
        self._files: list[str] | None = None

    def _snapshot_safe(self) -> frozenset[str]:
        _snapshot_safe_files(self.snapshot)
        return self.snapshot.derived["safe_set"]

    def touched(self, rel: str) -> bool:
        """Whether the episode changed ``rel`` or a directory above it (True when nothing is tracked)."""
        changed = self.changed
        if changed is None:
            return True
        if not changed:
            return False
        if rel in changed:
            return True
        while "/" in rel:
            rel = rel.rsplit("/", 1)[0]
            if rel in changed:
                return True
        return False

    def _cached(self, rel: str) -> bool:
        return self.snapshot is not None and not self.touched(rel) and rel in self._snapshot_safe()

    # -- what the tools use ----------------------------------------------------------------------
    def files(self) -> list[str]:
        """Sorted visible files of the workspace, without links that resolve outside it."""
        if self._files is None:
            if self.snapshot is not None and self.changed is not None and not self.changed:
                safe = self._snapshot_safe()
                self._files = [f for f in self.ws.files() if f in safe]
            else:
                self._files = [f for f in self.ws.files() if self._cached(f) or is_inside(self.root, f)]
        return self._files

    def read_text(self, rel: str) -> str | None:
        """The text of a file, or ``None`` when it is binary, missing, > 1 MB or a link leading outside."""
        if self._cached(rel):  # unchanged in this call's view: the snapshot's text (no change-view check per file)
            return self.snapshot.read_text(rel)
        return read_text_inside(self.root, rel)


def reader(ws) -> WorkspaceReader:
    """A ``WorkspaceReader`` for one tool call on ``ws``."""
    return WorkspaceReader(ws)
