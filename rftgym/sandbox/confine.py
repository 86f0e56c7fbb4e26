"""Keeping gold data out of reach of the commands a local workspace runs.

``unshare -n`` hides the network but not the host's files: an agent with a shell could read the task
files (gold files, gold patches, answers), the original code a bug was made from, other runs'
trajectories or the snapshot cache. Where the kernel allows a private mount namespace, every command
runs in one in which those places are covered: directories by an empty read-only tmpfs, files by
``/dev/null``. What to cover is registered with ``hide`` by the parts that know it (task loading,
run folders, the sandbox for local source repos); the built-in repos and the cache are always covered.

A path that contains the workspace or the Python environment cannot be covered and is skipped. The
Docker sandbox needs none of this: a container sees only its workspace.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading

_hidden: set[str] = set()
_lock = threading.Lock()
_prefix: list[str] | None = None

# Covers each path named before "--", then runs the command after it. Fails closed: a path that
# cannot be covered stops the command rather than leaving gold readable.
_SCRIPT = """mount --make-rprivate / 2>/dev/null
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
  if [ -d "$1" ]; then mount -t tmpfs -o ro,size=4k,mode=0555 rftgym-hidden "$1"
  else mount --bind /dev/null "$1"; fi || { echo "rftgym: could not hide $1; refusing to run" >&2; exit 125; }
  shift
done
shift
exec "$@"
"""


def hide(path: str | os.PathLike) -> None:
    """Cover ``path`` (a file or directory) in every command a local workspace runs from now on."""
    real = os.path.realpath(path)
    if os.path.exists(real):
        with _lock:
            _hidden.add(real)


def _covering_prefix() -> list[str]:
    """``unshare`` arguments for a private network and mount namespace, or [] where not permitted."""
    global _prefix
    if _prefix is None:
        _prefix = []
        if shutil.which("unshare") and os.environ.get("RFTGYM_LOCAL_NETWORK") != "1":
            probe = tempfile.mkdtemp(prefix="rftgym-probe-")
            try:
                for prefix in (["unshare", "-m", "-n"], ["unshare", "-r", "-m", "-n"]):
                    try:
                        ok = subprocess.run([*prefix, "sh", "-c", _SCRIPT, "rftgym", probe, "--", "true"],
                                            capture_output=True, timeout=10).returncode == 0
                    except (OSError, subprocess.TimeoutExpired):
                        ok = False
                    if ok:
                        _prefix = prefix
                        break
            finally:
                os.rmdir(probe)
    return _prefix


def _contains(parent: str, child: str) -> bool:
    return child == parent or child.startswith(parent.rstrip(os.sep) + os.sep)


def wrap(argv: list[str], protect: list[str]) -> list[str] | None:
    """``argv`` run with the registered paths covered, or ``None`` where mount namespaces are not
    available (the caller then falls back to a network-only namespace)."""
    prefix = _covering_prefix()
    if not prefix:
        return None
    from rftgym.sandbox.repos import builtin_repos_dir, cache_dir

    with _lock:
        paths = set(_hidden)
    for always in (cache_dir, builtin_repos_dir):
        try:
            paths.add(os.path.realpath(always()))
        except Exception:  # no built-in repos installed: nothing to cover there
            continue
    keep = [os.path.realpath(p) for p in protect]
    cover: list[str] = []
    for p in sorted(paths):  # parents sort first; what lies under a covered folder is covered with it
        if os.path.exists(p) and not any(_contains(p, k) for k in keep) and not any(_contains(c, p) for c in cover):
            cover.append(p)
    return [*prefix, "sh", "-c", _SCRIPT, "rftgym", *cover, "--", *argv]
