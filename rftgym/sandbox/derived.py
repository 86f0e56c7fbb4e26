"""Bug commits: a repository's commit with a recorded change in it, as if it had always been there.

Mutation tasks (``rftgym.taskgen.mutation``) put a bug into a repository. A task row keeps the repo's
real commit (``base_commit``) and the change (``bug_patch``, a ``git diff`` that only modifies files);
its ``commit`` is the SHA of the commit ``derive`` builds from them. Every commit from the last one
that touched a patched file up to ``base_commit`` is rewritten with the patched content (same
messages, authors and dates; signatures dropped), so the history an agent can read has no commit that
introduced the bug, and the SHA is the same on every machine: a fresh clone rebuilds it from the
committed task file.

Nothing is written to the source repository. Rewritten commits live in a cache-side bare repository
per source that borrows the source's objects (``objects/info/alternates``).

``register(commit, base_commit, bug_patch)`` records how to build a commit (``rftgym.tasks.load_tasks``
does it for each row with a ``bug_patch``); ``repos.snapshot`` calls ``source_for``, which builds the
commit on first use and returns the repository to fetch it from.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Iterable

from rftgym.sandbox import SandboxError

_registry: dict[str, tuple[str, str]] = {}
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()
_DROPPED_HEADERS = (b"gpgsig", b"gpgsig-sha256", b"mergetag")


def register(commit: str, base_commit: str, bug_patch: str) -> None:
    """Record that ``commit`` is ``base_commit`` with ``bug_patch`` applied (see the module docstring)."""
    if not commit or not base_commit or not bug_patch:
        raise SandboxError(f"a bug commit needs commit, base_commit and bug_patch (got commit {commit!r}, "
                           f"base_commit {base_commit!r}); regenerate the task with `rftgym tasks generate`")
    _registry[commit] = (base_commit, bug_patch)


def register_tasks(tasks: Iterable) -> None:
    """``register`` every task whose row carries a ``bug_patch`` (and its ``base_commit``)."""
    for t in tasks:
        extra = getattr(t, "extra", None) or {}
        if extra.get("bug_patch"):
            register(t.commit, str(extra.get("base_commit") or ""), extra["bug_patch"])


def _run(args: list[str], git_dir: Path, *, stdin: bytes | None = None, index: str | None = None) -> bytes:
    env = {**os.environ, "GIT_DIR": str(git_dir), "GIT_TERMINAL_PROMPT": "0"}
    if index:
        env["GIT_INDEX_FILE"] = index
    out = subprocess.run(["git", *args], input=stdin, capture_output=True, env=env, timeout=600)
    if out.returncode != 0:
        raise SandboxError(f"git {' '.join(args[:2])} failed: {out.stderr.decode(errors='replace').strip()}")
    return out.stdout


def _lock(key: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def derived_repo(source_key: str, source: Path) -> Path:
    """The cache-side bare repository that holds bug commits for ``source`` (created on first use)."""
    from rftgym.sandbox.repos import cache_dir

    target = cache_dir() / "repos" / f"derived-{source_key}"
    common = subprocess.run(["git", "-C", str(source), "rev-parse", "--path-format=absolute", "--git-common-dir"],
                            capture_output=True, text=True)
    if common.returncode != 0:
        raise SandboxError(f"{source} is not a git repository: {common.stderr.strip()}")
    objects = str(Path(common.stdout.strip()) / "objects")
    alternates = target / "objects" / "info" / "alternates"
    if not alternates.is_file():
        tmp = target.parent / f".tmp-{uuid.uuid4().hex}"
        tmp.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "init", "--quiet", "--bare", str(tmp)], check=True, capture_output=True)
        (tmp / "objects" / "info" / "alternates").write_text(f"{objects}\n")
        try:
            os.rename(tmp, target)
        except OSError:  # another process created it first
            shutil.rmtree(tmp, ignore_errors=True)
    # A built-in repo whose code changed is materialised under a new path with the same source key:
    # borrow its objects too.
    with _lock(str(alternates)):
        if objects not in alternates.read_text().splitlines():
            with open(alternates, "a") as fh:
                fh.write(f"{objects}\n")
    return target


def derive(git_dir: Path, base_commit: str, bug_patch: str) -> str:
    """Build (idempotently) the bug commit of ``base_commit`` + ``bug_patch`` in ``git_dir``; its SHA."""
    with _lock(str(git_dir)):
        return _derive(git_dir, base_commit, bug_patch)


def _derive(git_dir: Path, base_commit: str, bug_patch: str) -> str:
    base = _run(["rev-parse", "--verify", f"{base_commit}^{{commit}}"], git_dir).decode().strip()
    scratch = tempfile.mkdtemp(prefix="rftgym-derive-")
    try:
        index = os.path.join(scratch, "index")
        _run(["read-tree", base], git_dir, index=index)
        try:
            _run(["apply", "--cached", "--whitespace=nowarn", "-"], git_dir, stdin=bug_patch.encode(), index=index)
        except SandboxError as exc:
            raise SandboxError(f"bug_patch does not apply to {base[:12]}: {exc}") from None
        bug_tree = _run(["write-tree"], git_dir, index=index).decode().strip()
        swaps: dict[str, tuple[str, str]] = {}  # path -> (base blob, bug blob)
        for line in _run(["diff-tree", "-r", "--no-renames", base, bug_tree], git_dir).decode().splitlines():
            meta, path = line.split("\t", 1)
            _, _, old, new, status = meta.split()
            if status != "M":
                raise SandboxError(f"bug_patch may only modify files; it {status!r}s {path}")
            swaps[path] = (old, new)
        if not swaps:
            raise SandboxError("bug_patch changes nothing")
        lasts = {_run(["rev-list", "-1", base, "--", p], git_dir).decode().strip() for p in swaps}
        stop = [f"^{p}" for c in sorted(lasts) for p in _parents(git_dir, c)]
        order = _run(["rev-list", "--topo-order", "--reverse", base, *stop], git_dir).decode().split()
        mapped: dict[str, str] = {}
        for commit in order:
            mapped[commit] = _rewrite(git_dir, commit, swaps, mapped, index)
        sha = mapped[base]
        _run(["update-ref", f"refs/rftgym/bugs/{sha}", sha], git_dir)
        return sha
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _parents(git_dir: Path, commit: str) -> list[str]:
    return _run(["rev-list", "--parents", "-n", "1", commit], git_dir).decode().split()[1:]


def _rewrite(git_dir: Path, commit: str, swaps: dict[str, tuple[str, str]], mapped: dict[str, str],
             index: str) -> str:
    """``commit`` with every swapped path that holds the base blob holding the bug blob instead."""
    raw = _run(["cat-file", "commit", commit], git_dir)
    head, _, message = raw.partition(b"\n\n")
    tree = head.split(b"\n", 1)[0].split()[1].decode()
    listing = _run(["ls-tree", "-r", "--full-tree", commit, "--", *swaps], git_dir).decode().splitlines()
    updates = []
    for entry in listing:
        meta, path = entry.split("\t", 1)
        mode, _, blob = meta.split()
        if path in swaps and blob == swaps[path][0]:
            updates.append(f"{mode},{swaps[path][1]},{path}")
    if updates:
        _run(["read-tree", commit], git_dir, index=index)
        for u in updates:
            _run(["update-index", "--cacheinfo", u], git_dir, index=index)
        tree = _run(["write-tree"], git_dir, index=index).decode().strip()
    lines, skipping = [], False
    for line in head.split(b"\n"):
        if line.startswith(b" ") and skipping:
            continue
        skipping = line.split(b" ", 1)[0] in _DROPPED_HEADERS
        if skipping:
            continue
        key = line.split(b" ", 1)[0]
        if key == b"tree":
            line = b"tree " + tree.encode()
        elif key == b"parent":
            parent = line.split()[1].decode()
            line = b"parent " + mapped.get(parent, parent).encode()
        lines.append(line)
    new_raw = b"\n".join(lines) + b"\n\n" + message
    if new_raw == raw:
        return commit
    return _run(["hash-object", "-t", "commit", "-w", "--stdin"], git_dir, stdin=new_raw).decode().strip()


def source_for(source_key: str, source: Path, commit: str) -> Path:
    """Where to fetch ``commit`` from: ``source``, or for a registered bug commit the derived repo
    (building the commit there first if needed)."""
    if commit not in _registry:
        return source
    base, patch = _registry[commit]
    repo = derived_repo(source_key, source)
    have = subprocess.run(["git", "--git-dir", str(repo), "cat-file", "-e", f"{commit}^{{commit}}"],
                          capture_output=True)
    if have.returncode == 0:
        return repo
    built = derive(repo, base, patch)
    if built != commit:
        raise SandboxError(f"bug_patch on {base[:12]} builds commit {built[:12]}, not the task's {commit[:12]}: the "
                           "task file does not match this repository; regenerate it with `rftgym tasks generate`")
    return repo


def pin_row(row: dict, repo: str, sha: str) -> None:
    """Point a task row at commit ``sha`` of ``repo``: a bug row gets ``base_commit = sha`` and its bug
    commit rebuilt on top (``SandboxError`` if its ``bug_patch`` no longer applies), any other row
    ``commit = sha``. For ``rftgym repos pin`` after a built-in repo changed."""
    if not row.get("bug_patch"):
        row["commit"] = sha
        return
    from rftgym.sandbox.repos import resolve_source

    key, source = resolve_source(repo)
    row["base_commit"] = sha
    row["commit"] = derive(derived_repo(key, source), sha, row["bug_patch"])
