"""Repositories and their pristine snapshots.

A repo spec is a built-in name (``ledger``), a local git repository path or a git URL. ``snapshot``
turns ``(repo, commit)`` into a ``Snapshot``: a cached directory holding the files at that commit and
a ``.git`` whose history stops at that commit (later commits are never fetched into it). Workspaces
are copies of a snapshot; tools read unchanged files from the snapshot's text cache.

Built-in repos are committed to ``repos/<name>/code`` as plain files and materialised into git with
a fixed author, committer and dates, so their commit SHAs are the same on every machine.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import subprocess
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from rftgym.sandbox import HIDDEN_DIRS, SandboxError

_AUTHOR = ("rftgym", "repos@rftgym.invalid")
_EPOCH = 1735689600  # 2025-01-01T00:00:00Z: the date of the first built-in commit
_MAX_TEXT_BYTES = 1_000_000  # larger files are treated as binary by the read tools
_URL = re.compile(r"^(https?|git|ssh|file)://|^[\w.-]+@[\w.-]+:")
_OWNER_NAME = re.compile(r"^[\w.-]+/[\w.-]+$")
_IGNORED_NAMES = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".benchmarks", ".DS_Store"}


def cache_dir() -> Path:
    """Where materialised repos and snapshots live: ``$RFTGYM_CACHE`` or ``~/.cache/rftgym``."""
    root = os.environ.get("RFTGYM_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "rftgym")
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def builtin_repos_dir() -> Path:
    """The folder of built-in repos: ``$RFTGYM_REPOS``, the checkout's ``repos/``, or the wheel's copy."""
    if os.environ.get("RFTGYM_REPOS"):
        return Path(os.environ["RFTGYM_REPOS"])
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "repos", here / "_builtin_repos"):
        if candidate.is_dir():
            return candidate
    raise SandboxError("built-in repos not found; set RFTGYM_REPOS to the repos/ folder of an rftgym checkout")


def builtin_repo_names() -> list[str]:
    try:
        base = builtin_repos_dir()
    except SandboxError:
        return []
    return sorted(p.name for p in base.iterdir() if (p / "code").is_dir())


def _git(args: list[str], cwd: str | Path | None = None, timeout: float = 600, env: dict | None = None) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                             env={**os.environ, "GIT_TERMINAL_PROMPT": "0", **(env or {})})
    except FileNotFoundError as exc:
        raise SandboxError("git is not installed; install it (apt-get install git)") from exc
    if out.returncode != 0:
        raise SandboxError(f"git {' '.join(args[:3])} failed: {out.stderr.strip() or out.stdout.strip()}")
    return out.stdout


def _source_files(code: Path) -> list[str]:
    files = []
    for dirpath, dirnames, filenames in os.walk(code):
        dirnames[:] = sorted(d for d in dirnames if d not in _IGNORED_NAMES and d != ".git")
        for name in sorted(filenames):
            if name in _IGNORED_NAMES or name.endswith(".pyc"):
                continue
            files.append(os.path.relpath(os.path.join(dirpath, name), code).replace(os.sep, "/"))
    return sorted(files)


def _commit_groups(files: list[str]) -> list[tuple[str, list[str]]]:
    """Split a built-in repo into a small, fixed history: top-level files, then one commit per package."""
    groups: dict[str, list[str]] = {}
    for f in files:
        parts = f.split("/")
        if len(parts) == 1:
            key = "project files"
        elif parts[0] == "tests" or len(parts) == 2:
            key = parts[0]
        else:
            key = "/".join(parts[:2])
        groups.setdefault(key, []).append(f)
    order = sorted(groups, key=lambda k: (k != "project files", k.startswith("tests"), k))
    return [(k, groups[k]) for k in order]


def materialize_builtin(name: str) -> Path:
    """The git repository of built-in repo ``name`` (created on first use, then cached)."""
    code = builtin_repos_dir() / name / "code"
    if not code.is_dir():
        known = ", ".join(builtin_repo_names()) or "none"
        raise SandboxError(f"no built-in repo {name!r} (known: {known})")
    files = _source_files(code)
    digest = hashlib.sha256()
    for f in files:
        p = code / f
        digest.update(f.encode() + b"\0" + str(os.stat(p).st_mode & 0o111 != 0).encode() + b"\0")
        digest.update(p.read_bytes() + b"\0")
    target = cache_dir() / "repos" / f"builtin-{name}-{digest.hexdigest()[:16]}"
    if (target / ".git").is_dir():
        return target
    with _materialize_lock:  # one build per process at a time; other processes race on the rename
        if (target / ".git").is_dir():
            return target
        return _build_builtin(name, code, files, target)


_materialize_lock = threading.Lock()


def _build_builtin(name: str, code: Path, files: list[str], target: Path) -> Path:
    import git  # GitPython; imported here so that the sandbox loads without it until needed

    tmp = target.parent / f".tmp-{uuid.uuid4().hex}"
    tmp.mkdir(parents=True)
    try:
        for f in files:
            (tmp / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(code / f, tmp / f)
            mode = 0o755 if os.stat(code / f).st_mode & 0o111 else 0o644
            os.chmod(tmp / f, mode)
        repo = git.Repo.init(tmp, initial_branch="main")
        # repo.git runs git in the repo's folder; GitPython's index API would chdir the whole process.
        for i, (group, paths) in enumerate(_commit_groups(files)):
            date = f"{_EPOCH + 3600 * i} +0000"
            who = {"GIT_AUTHOR_NAME": _AUTHOR[0], "GIT_AUTHOR_EMAIL": _AUTHOR[1], "GIT_AUTHOR_DATE": date,
                   "GIT_COMMITTER_NAME": _AUTHOR[0], "GIT_COMMITTER_EMAIL": _AUTHOR[1], "GIT_COMMITTER_DATE": date}
            message = f"Add {group}" if group != "project files" else f"Start {name}"
            repo.git.add("--", *paths)
            repo.git.commit("--quiet", "--no-verify", "--no-gpg-sign", "-m", message, env=who)
        repo.close()
        try:
            os.rename(tmp, target)
        except OSError:  # another process materialised it first
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def builtin_commit(name: str) -> str:
    """The commit SHA of built-in repo ``name``: identical on every machine."""
    return _git(["rev-parse", "HEAD"], cwd=materialize_builtin(name)).strip()


def resolve_source(repo: str) -> tuple[str, Path]:
    """A repo spec -> (cache key, path of a git repository to fetch from)."""
    if not isinstance(repo, str) or not repo.strip():
        raise SandboxError(f"repo must be a built-in name, a local path or a git URL, got {repo!r}")
    if repo in builtin_repo_names():
        return f"builtin-{repo}", materialize_builtin(repo)
    if _URL.match(repo):
        key = "url-" + hashlib.sha1(repo.encode()).hexdigest()[:16]
        mirror = cache_dir() / "repos" / key
        if not mirror.exists():
            tmp = mirror.parent / f".tmp-{uuid.uuid4().hex}"
            _git(["clone", "--quiet", "--bare", repo, str(tmp)])
            try:
                os.rename(tmp, mirror)
            except OSError:
                shutil.rmtree(tmp, ignore_errors=True)
        return key, mirror
    path = Path(repo).expanduser()
    if path.is_dir():
        path = path.resolve()
        probe = subprocess.run(["git", "-C", str(path), "rev-parse", "--git-dir"], capture_output=True, text=True)
        if probe.returncode != 0:
            raise SandboxError(f"{repo} is a directory but not a git repository; run `git init && git add -A && "
                               "git commit -m init` there, or point the task at a repository")
        return "local-" + hashlib.sha1(str(path).encode()).hexdigest()[:16], path
    if _OWNER_NAME.match(repo):
        return _resolve_hosted(repo)
    known = ", ".join(builtin_repo_names()) or "none"
    raise SandboxError(f"repo {repo!r} is not a built-in repo ({known}), an existing directory, owner/name "
                       "or a git URL")


def _resolve_hosted(repo: str) -> tuple[str, Path]:
    """``owner/name`` -> a mirror under ``$RFTGYM_REPO_MIRRORS`` (``owner__name`` or ``owner/name``
    folders, ``.git`` suffix optional, or ``owner+name/repo`` as the tool library fetches them; several roots joined by ``os.pathsep``), else a clone of
    ``$RFTGYM_REPO_URL_TEMPLATE`` formatted with ``owner`` and ``name``; neither: a SandboxError
    that says what to set."""
    owner, name = repo.split("/", 1)
    roots = [r for r in os.environ.get("RFTGYM_REPO_MIRRORS", "").split(os.pathsep) if r]
    for root in roots:
        for rel in (f"{owner}__{name}", f"{owner}/{name}", f"{owner}__{name}.git", f"{owner}/{name}.git",
                    f"{owner}+{name}/repo"):
            candidate = Path(root).expanduser() / rel
            if candidate.is_dir():
                key, path = resolve_source(str(candidate))
                return "mirror-" + key.split("-", 1)[1], path
    template = os.environ.get("RFTGYM_REPO_URL_TEMPLATE")
    if template:
        return resolve_source(template.format(owner=owner, name=name, repo=repo))
    where = f"not under RFTGYM_REPO_MIRRORS={os.environ['RFTGYM_REPO_MIRRORS']}" if roots else \
        "RFTGYM_REPO_MIRRORS is not set"
    raise SandboxError(f"repo {repo!r} names a hosted repository, and {where}; set RFTGYM_REPO_MIRRORS=/path to a "
                       f"folder with {owner}__{name} (or {owner}/{name}) git repositories, or "
                       "RFTGYM_REPO_URL_TEMPLATE=https://github.com/{owner}/{name}.git to clone it")


def resolve_commit(source: Path, commit: str, repo: str) -> str:
    """A commit-ish -> full SHA, fetching it into a URL mirror if needed."""
    if not isinstance(commit, str) or not commit or commit.startswith("-"):
        raise SandboxError(f"invalid commit {commit!r} for repo {repo}")
    for attempt in range(2):
        out = subprocess.run(["git", "-C", str(source), "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}"],
                             capture_output=True, text=True)
        if out.returncode == 0:
            return out.stdout.strip()
        if attempt == 0 and str(source).startswith(str(cache_dir() / "repos" / "url-")):
            subprocess.run(["git", "-C", str(source), "fetch", "--quiet", "origin", commit], capture_output=True)
    raise SandboxError(f"commit {commit!r} not found in repo {repo}; check the task's commit field")


@dataclass
class Snapshot:
    """A pristine tree of a repo at a commit, with history up to that commit. Never written after creation."""

    repo: str
    commit: str
    tree: Path
    _files: list[str] | None = None
    _text: dict[str, str | None] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _manifest: dict[str, tuple] | None = None
    derived: dict[str, object] = field(default_factory=dict)  # per-snapshot indexes built by tools

    @property
    def git_dir(self) -> Path:
        return self.tree / ".git"

    @property
    def files(self) -> list[str]:
        if self._files is None:
            self._files = walk_visible(self.tree)
        return self._files

    def read_text(self, rel: str) -> str | None:
        try:
            return self._text[rel]
        except KeyError:
            text = read_text_file(self.tree / rel)
            with self._lock:
                self._text[rel] = text
            return text

    def manifest(self) -> dict[str, tuple]:
        """Every path (hidden ones included) -> (kind, size, mtime_ns, mode): the reset fallback's reference."""
        if self._manifest is None:
            self._manifest = scan_tree(self.tree)
        return self._manifest


def read_text_file(path: Path) -> str | None:
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_TEXT_BYTES:
            return None
        data = Path(path).read_bytes()
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", errors="replace")


def walk_visible(root: Path) -> list[str]:
    """Sorted relative paths of files under ``root``, skipping hidden dirs (``.git``, caches)."""
    out = []
    root_s = str(root)
    for dirpath, dirnames, filenames in os.walk(root_s):
        dirnames[:] = [d for d in dirnames if d not in HIDDEN_DIRS]
        rel_dir = os.path.relpath(dirpath, root_s)
        for name in filenames:
            out.append(name if rel_dir == "." else f"{rel_dir}/{name}".replace(os.sep, "/"))
    out.sort()
    return out


def scan_tree(root: Path) -> dict[str, tuple]:
    """Every path under ``root`` -> (kind, size, mtime_ns, mode, link target)."""
    out: dict[str, tuple] = {}
    root_s = str(root)
    for dirpath, dirnames, filenames in os.walk(root_s):
        rel_dir = os.path.relpath(dirpath, root_s)
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = name if rel_dir == "." else f"{rel_dir}/{name}".replace(os.sep, "/")
            st = os.lstat(full)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", 0, 0, 0, os.readlink(full))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", 0, 0, stat.S_IMODE(st.st_mode), None)
            else:
                out[rel] = ("file", st.st_size, st.st_mtime_ns, stat.S_IMODE(st.st_mode), None)
    return out


_snapshots: dict[tuple[str, str], Snapshot] = {}
_snapshots_lock = threading.Lock()
_providers: dict[tuple[str, str], Callable[[], tuple[str, Path, str]]] = {}


def locate(repo: str, commit: str) -> tuple[str, Path, str]:
    """``(cache key, git repository to fetch from, full SHA)`` of ``repo`` at ``commit`` on this machine."""
    source_key, source = resolve_source(repo)
    from rftgym.sandbox.derived import source_for  # bug commits of generated tasks (see derived.py)

    source = source_for(source_key, source, commit)
    return source_key, source, resolve_commit(source, commit, repo)


def provide(repo: str, commit: str, source: Callable[[], tuple[str, Path, str]]) -> None:
    """Say where ``repo`` at ``commit`` comes from in this process when the task's own spec may not
    resolve here (a local path of another machine, see ``rftgym.rollout.bundles``): ``source()``
    returns ``(cache key, git repository holding the commit, its full SHA)`` or raises a
    ``SandboxError`` that says why the repo cannot be had here. Called until a snapshot is made, from
    any thread (a provider makes its work happen once)."""
    _providers[(repo, commit)] = source


def snapshot(repo: str, commit: str) -> Snapshot:
    """The pristine snapshot of ``repo`` at ``commit`` (built once per machine, then cached)."""
    key = (repo, commit)
    with _snapshots_lock:
        if key in _snapshots:
            return _snapshots[key]
    if key in _providers:
        source_key, source, sha = _providers[key]()
    else:
        source_key, source, sha = locate(repo, commit)
    target = cache_dir() / "snapshots" / source_key / sha
    built = not (target / "tree" / ".git").is_dir()
    if built:
        _build_snapshot(source, sha, target)
    snap = Snapshot(repo=repo, commit=sha, tree=target / "tree")
    with _snapshots_lock:
        snap = _snapshots.setdefault(key, snap)
    if built:  # the read tools' indexes are part of a new snapshot (rftgym.tools.index.prebuild)
        from rftgym.tools.index import prebuild

        prebuild(snap)
    return snap


def history_limited(git_dir: Path) -> bool:
    """Whether a snapshot's history stops before the repository's root (a shallow snapshot)."""
    return (Path(git_dir) / "shallow").is_file()


def _fetch_commit(source: Path, sha: str, tree: Path) -> None:
    """Fetch ``sha`` with its history into the new repository ``tree``; from a source that is not
    whole (a shallow or partial clone, a mirror missing objects) fall back to the commit alone
    (``--depth 1``: ``history_limited`` then holds, and ``git_log`` says so), first asking a partial
    clone's promisor remote for the commit's missing blobs. A commit that cannot be had even so is
    a SandboxError that names the source and what to do."""
    shallow = subprocess.run(["git", "-C", str(source), "rev-parse", "--is-shallow-repository"],
                             capture_output=True, text=True).stdout.strip() == "true"
    full_error: Exception = SandboxError("the source is a shallow clone")
    if not shallow:  # from a shallow source a full fetch "succeeds" with a history it cannot walk
        try:
            _git(["fetch", "--quiet", "--no-tags", str(source), sha], cwd=tree)
            if _has_commit(tree, sha):
                return
            full_error = SandboxError("the fetch brought no commit")
        except SandboxError as exc:
            full_error = exc
    shutil.rmtree(tree / ".git" / "shallow", ignore_errors=True)
    _hydrate_partial(source, sha)
    try:
        _git(["fetch", "--quiet", "--no-tags", "--depth", "1", str(source), sha], cwd=tree)
    except SandboxError as exc:
        raise SandboxError(f"cannot take commit {sha[:12]} from {source}: it is not whole there ({full_error}; "
                           f"shallow fallback: {exc}); fetch the commit into that repository (git fetch --unshallow, "
                           "or a full clone) or point the task at a complete mirror") from None


def _has_commit(tree: Path, sha: str) -> bool:
    return subprocess.run(["git", "-C", str(tree), "cat-file", "-e", f"{sha}^{{commit}}"],
                          capture_output=True).returncode == 0


def _hydrate_partial(source: Path, sha: str) -> None:
    """In a partial clone, fetch the blobs of ``sha``'s tree that it lacks from its promisor remote
    (reading them is what makes git fetch them); elsewhere a no-op."""
    probe = subprocess.run(["git", "-C", str(source), "config", "--get-regexp",
                            r"^(extensions\.partialclone|remote\..*\.promisor)$"], capture_output=True, text=True)
    if probe.returncode != 0 or not probe.stdout.strip():
        return
    listed = subprocess.run(["git", "-C", str(source), "rev-list", "--objects", "--missing=print", "--no-walk", sha],
                            capture_output=True, text=True, timeout=600)
    missing = [line[1:] for line in listed.stdout.splitlines() if line.startswith("?")]
    if missing:
        subprocess.run(["git", "-C", str(source), "cat-file", "--batch-check"], input="\n".join(missing) + "\n",
                       capture_output=True, text=True, timeout=600, env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})


def _build_snapshot(source: Path, sha: str, target: Path) -> None:
    tmp = target.parent / f".tmp-{uuid.uuid4().hex}"
    tree = tmp / "tree"
    tree.mkdir(parents=True)
    try:
        _git(["init", "--quiet", str(tree)])
        # Fetching the one commit brings exactly its history: later commits never reach the workspace.
        _fetch_commit(source, sha, tree)
        _git(["-c", "advice.detachedHead=false", "checkout", "--quiet", "-B", "main", sha], cwd=tree)
        for leak in ("FETCH_HEAD", "ORIG_HEAD", "logs"):
            p = tree / ".git" / leak
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
        try:
            os.rename(tmp, target)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
