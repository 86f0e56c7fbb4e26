"""Repositories on every node of a Ray cluster (issue 16 part 2).

A task's ``repo`` is a built-in name, a git URL, ``owner/name`` or a local path. Built-in repos are
built from the installed package on every node, and URLs are cloned once per node into its cache
(``repos.resolve_source``): both resolve anywhere. A local path (or a ``$RFTGYM_REPO_MIRRORS``
mirror) names a folder of the driver's machine, which another node may not have.

So for each (repo, commit) of a Ray run whose source is such a folder, the driver ships its
snapshot: ``pack`` builds the snapshot (the commit and its history, nothing later), writes it as a
``git bundle`` into its cache (``bundles/<sha>.bundle``: content-addressed by the commit), and puts
the bytes in Ray's object store with their SHA-256. On a node, ``install`` registers a provider per
entry with ``repos.provide``; on first use it takes the node's own copy when the task's repo resolves
there to the same commit, else fetches the bundle from the object store, checks its SHA-256,
unpacks it into the node's cache (``bundles/<sha>.git``, objects checked by ``git fsck`` as they
are fetched) and checks that it holds the commit. The bundle moves once per node and run; its unpacked
repository stays in the node's cache for later runs. A node that cannot get the repo fails each
of its episodes for that repo with a ``SandboxError`` that says what was tried.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import threading
import uuid
from pathlib import Path
from typing import Any

from rftgym.sandbox import SandboxError
from rftgym.sandbox import repos as _repos

def _git(args: list[str], cwd: str | Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})


def needs_shipping(repo: str) -> bool:
    """Whether ``repo``'s source is a folder of this machine (a local path, or an ``owner/name``
    found under ``$RFTGYM_REPO_MIRRORS``), which other nodes may lack; False for built-in repos,
    URLs and ``owner/name`` cloned through ``$RFTGYM_REPO_URL_TEMPLATE``, which every node gets by
    itself. Decided without cloning anything (see ``repos.resolve_source`` for the order)."""
    if not isinstance(repo, str) or not repo.strip():
        return False
    if repo in _repos.builtin_repo_names() or _repos._URL.match(repo):
        return False
    if Path(repo).expanduser().is_dir():
        return True
    if _repos._OWNER_NAME.match(repo):
        owner, name = repo.split("/", 1)
        roots = [r for r in os.environ.get("RFTGYM_REPO_MIRRORS", "").split(os.pathsep) if r]
        return any((Path(root).expanduser() / rel).is_dir() for root in roots
                   for rel in (f"{owner}__{name}", f"{owner}/{name}", f"{owner}__{name}.git", f"{owner}/{name}.git"))
    return False  # not resolvable on the driver either: the episodes report it, as on one machine


def make_bundle(repo: str, commit: str) -> tuple[str, Path]:
    """``(full SHA, path of a git bundle of the commit with its history)`` for ``repo`` at ``commit``
    on this machine: made from the commit's snapshot, so a later commit of the source never travels.
    Bundles are cached by SHA (``<cache>/bundles/<sha>.bundle``)."""
    snap = _repos.snapshot(repo, commit)
    folder = _repos.cache_dir() / "bundles"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{snap.commit}.bundle"
    if not path.is_file():
        tmp = folder / f".tmp-{uuid.uuid4().hex}.bundle"
        done = _git(["bundle", "create", str(tmp), "main"], cwd=snap.tree)
        if done.returncode != 0:
            tmp.unlink(missing_ok=True)
            raise SandboxError(f"cannot bundle {repo}@{snap.commit[:12]} for the other nodes: {done.stderr.strip()}")
        os.replace(tmp, path)
    return snap.commit, path


def pack(pairs: list[tuple[str, str]], put: Any) -> list[dict[str, Any]]:
    """The entries ``install`` takes, for the ``(repo, commit)`` pairs of a run whose repo needs
    shipping (``needs_shipping``). ``put``: stores bytes where every node can fetch them
    (``ray.put``) and returns the handle. A pair that cannot be bundled here is left out: its episodes
    fail on the driver's machine too, with the sandbox's own error."""
    entries = []
    for repo, commit in dict.fromkeys(pairs):
        if not needs_shipping(repo):
            continue
        try:
            sha, path = make_bundle(repo, commit)
        except SandboxError:
            continue
        data = path.read_bytes()
        entries.append({"repo": repo, "commit": commit, "sha": sha, "sha256": hashlib.sha256(data).hexdigest(),
                        "bytes": len(data), "ref": put(data), "origin": socket.gethostname()})
    return entries


def install(entries: list[dict[str, Any]], get: Any) -> None:
    """Register each entry's repo with ``repos.provide`` in this process (a node's actor). ``get``
    fetches the bytes of a handle (``ray.get``)."""
    for entry in entries:
        _repos.provide(entry["repo"], entry["commit"], _Provider(entry, get))


class _Provider:
    """Where one shipped (repo, commit) comes from on this node; see the module docstring."""

    _locks: dict[str, threading.Lock] = {}
    _guard = threading.Lock()

    def __init__(self, entry: dict[str, Any], get: Any) -> None:
        self.entry = entry
        self.get = get
        with self._guard:
            self.lock = self._locks.setdefault(entry["sha"], threading.Lock())

    def __call__(self) -> tuple[str, Path, str]:
        repo, commit, sha = self.entry["repo"], self.entry["commit"], self.entry["sha"]
        try:
            key, source, here = _repos.locate(repo, commit)
            if here == sha:
                return key, source, sha  # this node has the repo itself, at the same commit
        except SandboxError:
            pass
        with self.lock:
            return f"bundle-{sha[:16]}", self._unpacked(), sha

    def _unpacked(self) -> Path:
        """The node's repository made from the bundle (unpacked once, then reused), or a SandboxError."""
        repo, sha = self.entry["repo"], self.entry["sha"]
        folder = _repos.cache_dir() / "bundles"
        target = folder / f"{sha}.git"
        if _has(target, sha):
            return target
        where = f"repo {repo!r} at {sha[:12]} is not on node {socket.gethostname()}"
        try:
            data = self.get(self.entry["ref"])
        except Exception as exc:  # the object store lost it (its owner, the driver, went away)
            raise SandboxError(f"{where}, and its bundle from {self.entry['origin']} could not be fetched: "
                               f"{type(exc).__name__}: {exc}") from None
        digest = hashlib.sha256(data).hexdigest()
        if digest != self.entry["sha256"]:
            raise SandboxError(f"{where}, and its bundle arrived damaged (sha256 {digest[:16]}, expected "
                               f"{self.entry['sha256'][:16]}); the run's object store or network is at fault")
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".tmp-{uuid.uuid4().hex}"
        bundle = tmp.with_suffix(".bundle")
        try:
            bundle.write_bytes(data)
            steps = (["init", "--quiet", "--bare", str(tmp)],
                     ["-C", str(tmp), "-c", "transfer.fsckObjects=true", "fetch", "--quiet", str(bundle),
                      "main:refs/heads/main"])
            for args in steps:
                done = _git(args)
                if done.returncode != 0:
                    raise SandboxError(f"{where}, and its bundle would not unpack: {done.stderr.strip()[-500:]}")
            if not _has(tmp, sha):
                raise SandboxError(f"{where}, and its bundle does not hold that commit")
            try:
                os.rename(tmp, target)
            except OSError:  # another actor on this node was first
                if not _has(target, sha):
                    raise
        finally:
            bundle.unlink(missing_ok=True)
            shutil.rmtree(tmp, ignore_errors=True)
        return target


def _has(git_dir: Path, sha: str) -> bool:
    if not git_dir.is_dir():
        return False
    done = _git(["--git-dir", str(git_dir), "rev-parse", "--verify", "--quiet", f"{sha}^{{commit}}"])
    return done.returncode == 0 and done.stdout.strip() == sha
