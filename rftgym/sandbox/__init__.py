"""Sandboxes: where an episode's repository lives and its commands run.

A ``Sandbox`` opens ``Workspace`` objects: a private, writable copy of a repository at a commit.
The contract every backend (``local``, ``docker``) keeps:

- ``Sandbox.open(repo, commit) -> Workspace``: a pristine tree of ``repo`` at ``commit``. ``repo`` is
  a built-in repo name, a local git repository path or a git URL. A workspace may come from a pool.
- ``Sandbox.release(ws)``: the episode is over; the sandbox restores the workspace and keeps it for
  the next ``open`` of the same snapshot (or closes it when the pool is full).
- ``Workspace.root``: the host-side directory tools read from. Paths given by an agent go through
  ``Workspace.resolve``, which refuses ``..``, absolute paths and symlinks that point outside.
- ``Workspace.exec(argv, timeout)``: run a command in the tree with a timeout, a killed process
  group, capped output and no network where the platform allows it. Never raises for a failing,
  hanging or noisy command: the ``ExecResult`` says what happened.
- ``Workspace.reset()``: restore the pristine snapshot, byte for byte whatever the agent did (hard
  links, ``mmap``, renames, modes, xattrs, a lost event queue), and empty everything else a command
  could write (``$HOME``, ``$TMPDIR``; in a container also ``/dev/shm``, IPC objects, message queues),
  so nothing reaches the next episode. Its cost grows with what changed, plus a ``stat`` of the tree.
- ``Workspace.diff()``: the change against the base commit, as a ``git apply``-able patch.
- ``Workspace.close()``: delete everything; idempotent.

The workspace holds the repository's git history up to its commit and nothing after it.
"""

from __future__ import annotations

import abc
import os
import posixpath
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence


class SandboxError(RuntimeError):
    """A sandbox could not be set up (bad repo, missing commit, no engine). Says what to do."""


class PathError(ValueError):
    """An agent asked for a path outside its workspace. Becomes a ``PATH_OUTSIDE_WORKSPACE`` tool error."""


@dataclass
class ExecResult:
    exit_code: int
    stdout: str
    stderr: str
    timed_out: bool = False
    duration_s: float = 0.0
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    def combined(self) -> str:
        out = self.stdout
        if self.stderr:
            out = f"{out}\n{self.stderr}" if out else self.stderr
        return out


@dataclass
class ResetStats:
    """What a reset did: paths restored or removed, and whether it had to scan the whole tree."""

    restored: int = 0
    removed: int = 0
    full_scan: bool = False
    seconds: float = 0.0


# Directories never shown to an agent by the read tools; the git history is reached through git_log.
HIDDEN_DIRS = frozenset({".git", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"})


def normalize_relpath(path: str) -> str:
    """Agent-supplied path -> normalized POSIX path relative to the root, or ``PathError``."""
    if not isinstance(path, str):
        raise PathError(f"path must be a string, got {type(path).__name__}")
    p = path.strip().replace("\\", "/")
    if p in ("", ".", "./"):
        return "."
    if p.startswith("/") or (len(p) > 1 and p[1] == ":"):
        raise PathError(f"{path!r} is an absolute path; use a path relative to the repository root")
    norm = posixpath.normpath(p)
    if norm == ".." or norm.startswith("../"):
        raise PathError(f"{path!r} points outside the repository; use a path inside it")
    return norm


def _no_link_below(real_root: str, rel: str) -> bool:
    """Whether ``rel`` under the directory ``real_root`` (a resolved path) reaches its longest
    existing prefix through no symlink: the root itself, then each existing component, checked by
    ``lstat`` in order (so that the kernel never follows a link on the way). Then the path's real
    form is ``real_root/rel`` and stays inside. False sends the caller to the full ``realpath``."""
    try:
        if not stat.S_ISDIR(os.lstat(real_root).st_mode):  # replaced by a link or a file
            return False
        cur = real_root
        for part in ([] if rel == "." else rel.split("/")):
            cur = f"{cur}/{part}"
            try:
                mode = os.lstat(cur).st_mode
            except FileNotFoundError:
                return True  # the rest does not exist yet: nothing further to follow
            if stat.S_ISLNK(mode):
                return False
    except OSError:  # not a directory on the way, permissions: let realpath decide
        return False
    return True


class Workspace(abc.ABC):
    """A private copy of a repository at a commit. See the module docstring for the contract."""

    root: Path
    repo: str
    commit: str
    python: str = "python"  # the interpreter that runs the repository's code and tests (through exec)
    sandbox: "Sandbox | None" = None  # the sandbox that opened it: graders open fresh workspaces from it

    def resolve(self, path: str, *, must_exist: bool = False) -> Path:
        """Map an agent's relative path into the workspace, refusing any escape (symlinks included)."""
        rel = normalize_relpath(path)
        target = self.root if rel == "." else self.root / rel
        cached = self.__dict__.get("_real_root")
        if cached is None or cached[0] is not self.root:  # the root's real path, resolved once: a
            cached = self._real_root = (self.root, os.path.realpath(self.root))  # link put there later is refused
        real_root = cached[1]
        if _no_link_below(real_root, rel):  # the common case, without realpath's walk from "/"
            if must_exist and not os.path.lexists(target):
                raise FileNotFoundError(path)
            return target
        # Resolve symlinks of the longest existing prefix: a link may point out even when the
        # final component does not exist yet (a write through a linked directory).
        probe = str(target)
        while not os.path.lexists(probe) and probe != real_root:
            probe = os.path.dirname(probe)
        real = os.path.realpath(probe)
        if real != real_root and not real.startswith(real_root + os.sep):
            raise PathError(f"{path!r} resolves outside the repository (through a symlink); refused")
        if must_exist and not os.path.lexists(target):
            raise FileNotFoundError(path)
        return target

    @abc.abstractmethod
    def exec(self, argv: Sequence[str] | str, timeout: float = 60.0, *, cwd: str = ".",
             env: dict[str, str] | None = None, stdin: str | None = None,
             max_output: int = 64_000) -> ExecResult:
        """Run ``argv`` (a list, or a string for ``bash -c``) in the workspace. Never raises."""

    @abc.abstractmethod
    def reset(self) -> ResetStats:
        """Restore the pristine tree; cost grows with what changed."""

    @abc.abstractmethod
    def diff(self) -> str:
        """The change since the base commit, as a unified diff ``git apply`` accepts."""

    @abc.abstractmethod
    def changed_paths(self) -> set[str] | None:
        """Relative paths changed since the last reset, or ``None`` when not tracked."""

    @abc.abstractmethod
    def close(self) -> None:
        """Remove the workspace; idempotent."""

    # Read helpers used by the tools, so that a backend can serve reads from a cache.
    @abc.abstractmethod
    def files(self) -> list[str]:
        """Sorted relative paths of the regular files an agent can see (hidden dirs excluded)."""

    @abc.abstractmethod
    def read_text(self, rel: str) -> str | None:
        """The text of a visible file, or ``None`` if it is binary or missing."""

    @property
    @abc.abstractmethod
    def history_git_dir(self) -> Path:
        """A git dir with the history up to ``commit`` that no agent can write to (for git tools)."""

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Sandbox(abc.ABC):
    """A factory and pool of workspaces. Backends: ``local`` and ``docker``."""

    name: str = "sandbox"

    @abc.abstractmethod
    def open(self, repo: str, commit: str, *, image: str | None = None) -> Workspace:
        """A pristine workspace of ``repo`` at ``commit``."""

    def release(self, ws: Workspace) -> None:
        """Hand a workspace back after an episode; the default closes it."""
        ws.close()

    @abc.abstractmethod
    def close(self) -> None:
        """Close every workspace this sandbox opened; idempotent."""

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_sandbox(kind: str | Sandbox = "local", **kwargs) -> Sandbox:
    """``"local"`` or ``"docker"`` (or an existing ``Sandbox``, returned as is)."""
    if isinstance(kind, Sandbox):
        return kind
    if kind == "local":
        from rftgym.sandbox.local import LocalSandbox

        return LocalSandbox(**kwargs)
    if kind == "docker":
        from rftgym.sandbox.docker import DockerSandbox

        return DockerSandbox(**kwargs)
    raise SandboxError(f"unknown sandbox {kind!r}; use 'local' or 'docker'")
