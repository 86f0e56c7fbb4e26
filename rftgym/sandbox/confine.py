"""Keeping the host, and the gold data on it, out of reach of the commands a local workspace runs.

``unshare -n`` hides the network but not the host's files: an agent with a shell could read the task
files (gold files, gold patches, answers), the original code a bug was made from, other runs'
trajectories, other workspaces or the snapshot cache, wherever they lie. Two levels, the strongest
the kernel permits (probed once per process):

- **view** (private mount, network and PID namespaces): the command runs in a filesystem built for
  it (``rftgym/sandbox/_view.py``): the system folders and the Python environment read-only, its
  own workspace folder writable, an empty ``/tmp`` and ``/dev/shm``, its own ``/proc``; the host's
  tree is detached. Only what is listed is there: a copy of a task file anywhere else on the
  machine is out of reach too.
- **cover** (private mount and network namespaces, where a PID namespace or ``pivot_root`` is not
  permitted): the host's tree with the known places covered, directories by an empty read-only
  tmpfs, files by ``/dev/null``.

What to cover is registered with ``hide`` by the parts that know it (task loading, run folders, the
sandbox for local source repos); the built-in repos (every copy on the import path) and the cache
are always covered. The view
covers them too where a listed path contains them (built-in repos installed inside the Python
environment). A path that contains the workspace or the Python environment cannot be covered and
is skipped. The Docker sandbox needs none of this: a container sees only its workspace.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

_hidden: set[str] = set()
_lock = threading.Lock()
_prefix: list[str] | None = None
_mode: tuple[str, list[str]] | None = None
_VIEW = str(Path(__file__).with_name("_view.py"))

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
                    if _runs([*prefix, "sh", "-c", _SCRIPT, "rftgym", probe, "--", "true"]):
                        _prefix = prefix
                        break
            finally:
                os.rmdir(probe)
    return _prefix


def _view_root() -> str:
    """An empty folder to build views on (only ever mounted on inside a private namespace)."""
    root = os.path.join(tempfile.gettempdir(), f"rftgym-view-{os.getuid()}")
    os.makedirs(root, mode=0o755, exist_ok=True)
    return root


def _view_argv(prefix: list[str], spec: dict, argv: list[str]) -> list[str]:
    return [*prefix, sys.executable, "-I", "-S", _VIEW, spec["root"], spec["cwd"], "--rw", *spec["rw"],
            "--ro", *spec["ro"], "--cover", *spec["cover"], "--", *argv]


def mode() -> tuple[str, list[str]]:
    """``("view", prefix)``, ``("cover", prefix)`` or ``("none", [])``: what this machine permits."""
    global _mode
    if _mode is None:
        _mode = ("none", [])
        if shutil.which("unshare") and os.environ.get("RFTGYM_LOCAL_NETWORK") != "1":
            probe = tempfile.mkdtemp(prefix="rftgym-probe-")
            try:  # the view must show the workspace and hide its neighbour
                ws, outside = os.path.join(probe, "ws"), os.path.join(probe, "outside")
                os.mkdir(ws)
                open(outside, "w").close()
                spec = {"root": _view_root(), "cwd": ws, "rw": [ws], "ro": _python_paths(), "cover": []}
                check = ["sh", "-c", f"test -d {ws} && test ! -e {outside}"]
                for prefix in (["unshare", "-m", "-n", "-p", "-f"], ["unshare", "-r", "-m", "-n", "-p", "-f"]):
                    if _runs(_view_argv(prefix, spec, check)):
                        _mode = ("view", prefix)
                        break
                else:
                    if _covering_prefix():
                        _mode = ("cover", _covering_prefix())
            finally:
                shutil.rmtree(probe, ignore_errors=True)
    return _mode


def _runs(argv: list[str]) -> bool:
    try:
        return subprocess.run(argv, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _python_paths() -> list[str]:
    """What the Python environment of this process needs, read-only (the venv and its base install)."""
    paths = {os.path.realpath(p) for p in (sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix)}
    paths.add(os.path.dirname(os.path.realpath(sys.executable)))
    return sorted(paths)


def _contains(parent: str, child: str) -> bool:
    return child == parent or child.startswith(parent.rstrip(os.sep) + os.sep)


def wrap(argv: list[str], protect: list[str], *, writable: list[str] | None = None,
         cwd: str | None = None) -> list[str] | None:
    """``argv`` confined as well as this machine permits (see the module docstring), or ``None``
    where mount namespaces are not available (the caller then falls back to a network-only one).

    ``writable`` (the workspace's folder) and ``protect`` (the Python environment) are what a view
    shows; ``cwd`` is where the command starts (inside ``writable``)."""
    kind, prefix = mode()
    if kind == "none":
        return None
    from rftgym.sandbox.repos import builtin_repos_dir, cache_dir

    with _lock:
        paths = set(_hidden)
    for always in (cache_dir, builtin_repos_dir):
        try:
            paths.add(os.path.realpath(always()))
        except Exception:  # no built-in repos installed: nothing to cover there
            continue
    # Installs copy the built-in repos into the package (an editable install too, beside the
    # checkout's repos/): every copy on the import path is covered, not only the one in use.
    for entry in sys.path:
        copy = os.path.join(entry or ".", "rftgym", "_builtin_repos")
        if os.path.isdir(copy):
            paths.add(os.path.realpath(copy))
    keep = [os.path.realpath(p) for p in [*protect, *(writable or [])]]
    cover: list[str] = []
    for p in sorted(paths):  # parents sort first; what lies under a covered folder is covered with it
        if os.path.exists(p) and not any(_contains(p, k) for k in keep) and not any(_contains(c, p) for c in cover):
            cover.append(p)
    if kind == "view" and writable and cwd:
        rw = [os.path.realpath(w) for w in writable]
        ro = sorted({os.path.realpath(p) for p in protect} | set(_python_paths()))
        spec = {"root": _view_root(), "cwd": os.path.realpath(cwd), "rw": rw,
                "ro": [p for p in ro if not any(_contains(w, p) for w in rw)], "cover": cover}
        return _view_argv(prefix, spec, argv)
    return [*_covering_prefix(), "sh", "-c", _SCRIPT, "rftgym", *cover, "--", *argv]
