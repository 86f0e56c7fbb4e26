"""The Docker sandbox: every workspace's commands run in its own container on a real engine.

A ``DockerWorkspace`` is a ``LocalWorkspace`` whose directory is bind-mounted into a container at
``/workspace``: the read tools read on the host (the snapshot's text cache, inotify-tracked resets),
``exec`` runs inside the container. Bind-mounting was chosen by measurement over copying the tree in
(``benchmarks/bench_docker.py``): a copy costs a tar round trip per workspace and an ``exec`` per read
or reset. It needs the engine on this machine, which is checked once per sandbox.

Isolation of each container: no network (``network_mode="none"``); memory, CPU and process-count
limits; commands run as uid 1000, never root, with every capability dropped and no privilege gain;
the root filesystem is read-only except ``/workspace`` and ``/tmp`` (both host directories owned by
that uid). Its first process, ``sleep`` under ``docker-init``, runs as ``nobody`` so an agent can
never kill the container from inside. An ``exec`` timeout kills every process but those two; so does
the end of each command (background children die with it, as in the local sandbox).

Pooling: ``open`` hands out an idle workspace of the same snapshot (reset when it was released) or
fills a warm, already started container; ``warm`` started containers per image are kept ready in the
background. ``release`` restores the tree, kills stray processes, empties ``/tmp`` and ``/dev/shm``
and removes System V IPC objects and message queues, without restarting the container.

Cleanup: each container carries labels naming its run, owning pid (with the pid's start time) and
host (``rftgym.sandbox.engine``). ``close()``, context managers and an ``atexit`` handler remove them;
``engine.gc()`` (``rftgym sandbox gc``) removes those whose owner is dead, e.g. after ``kill -9``.
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import itertools
import os
import shutil
import threading
import time
import uuid
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from rftgym.sandbox import ExecResult, ResetStats, Sandbox, SandboxError, Workspace
from rftgym.sandbox import repos as _repos
from rftgym.sandbox.container_exec import run_in_container
from rftgym.sandbox.container_procs import ContainerProcesses, empty_dir
from rftgym.sandbox.engine import connect, owner_labels
from rftgym.sandbox.images import DEFAULT_IMAGE, image_exists, missing_image_error
from rftgym.sandbox.local import LocalWorkspace, workdir_base

CONTAINER_ROOT = "/workspace"
_KEEPER_USER = "65534:65534"  # nobody: the container's own processes, out of the agent's reach
_KEEPER = ["sleep", "2147483647"]
_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/tmp", "TMPDIR": "/tmp",
        "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0", "GIT_TERMINAL_PROMPT": "0"}
# A string command runs in bash where the image has it, as in the local sandbox, else in sh.
_SHELL = 'if command -v bash >/dev/null 2>&1; then exec bash -c "$1"; else exec sh -c "$1"; fi'
# Without host access to the container's processes, strays are killed from inside, as the agent user.
_KILL_FROM_INSIDE = "kill -9 -1 2>/dev/null; rm -rf /dev/shm/* /dev/shm/.[!.]* 2>/dev/null; exit 0"
# What else a command can leave in a container for the next episode: System V IPC, message queues.
_CLEAR_IPC_FROM_INSIDE = "ipcrm -a 2>/dev/null; rm -f /dev/mqueue/* 2>/dev/null; exit 0"
_names = itertools.count(1)


@dataclass(frozen=True)
class Limits:
    """Per-container resources. ``memory`` in Docker's notation (``"2g"``); ``cpus`` may be fractional."""

    memory: str = "2g"
    cpus: float = 2.0
    pids: int = 512


@dataclass(eq=False)
class _Box:
    """A started container and the host directory behind its mounts (``repo`` -> /workspace, ``tmp`` -> /tmp)."""

    id: str
    name: str
    image: str
    home: Path
    procs: ContainerProcesses | None


def _ownership(user: str) -> tuple[int, int]:
    try:
        uid, _, gid = user.partition(":")
        return int(uid), int(gid or uid)
    except ValueError:
        raise SandboxError(f"user must be 'uid' or 'uid:gid' with numbers, got {user!r}") from None


class DockerWorkspace(LocalWorkspace):
    """A workspace whose tree lives on the host and whose commands run in a container. See the module docstring."""

    python = "python3"  # the image's interpreter (any image with Python has this name)

    def __init__(self, snap: _repos.Snapshot, box: _Box, sandbox: DockerSandbox) -> None:
        self._owner = sandbox._owner
        self.box, self.sandbox = box, sandbox
        self.image = box.image
        self._exec_lock = threading.RLock()
        self.broken: str | None = None
        super().__init__(snap, home=box.home)

    @property
    def container_id(self) -> str:
        return self.box.id

    def _adopt(self, path: str | Path) -> None:
        """Hand a copied or restored path to the container's user, so the agent can write it.

        Symlinks are changed themselves and never followed: an agent's ``ln -s / x`` must not make
        this process (root) hand the host's files to the agent.
        """
        uid, gid = self._owner
        root = str(self.root)
        p = str(path)
        if os.path.isdir(p) and not os.path.islink(p):
            for dirpath, dirnames, filenames in os.walk(p):  # os.walk does not descend into linked dirs
                for name in (*dirnames, *filenames):
                    os.chown(os.path.join(dirpath, name), uid, gid, follow_symlinks=False)
        while (p == root or p.startswith(root + os.sep)) and os.lstat(p).st_uid != uid:
            os.chown(p, uid, gid, follow_symlinks=False)  # the path itself and parents made for it
            p = os.path.dirname(p)

    def _writes_watched(self) -> bool:
        """A container writes only to ``/workspace`` and ``/tmp``: both are watched (and a hard link
        cannot cross from one mount to the other)."""
        return True

    def _adopt_tmp(self, tmp: Path) -> None:
        """A ``/tmp`` made anew at reset belongs to the container's user, as the first one did."""
        os.chown(tmp, *self._owner)

    def _adopt_host_writes(self) -> None:
        """Hand files that host-side tools (write_file, str_replace) created as root to the container's user."""
        uid = self._owner[0]
        changed = self._changed_view()
        paths = [self.root / p for p in changed] if changed is not None else [self.root]
        for path in paths:
            try:
                st = os.lstat(path)
            except OSError:
                continue
            if st.st_uid != uid or changed is None:
                self._adopt(path)

    # -- commands --------------------------------------------------------------------------------
    def exec(self, argv: Sequence[str] | str, timeout: float = 60.0, *, cwd: str = ".",
             env: dict[str, str] | None = None, stdin: str | None = None, max_output: int = 64_000) -> ExecResult:
        self.commands_ran = True
        start = time.perf_counter()
        argv = ["sh", "-c", _SHELL, "sh", argv] if isinstance(argv, str) else [str(a) for a in argv]
        try:
            rel = os.path.relpath(self.resolve(cwd), self.root).replace(os.sep, "/")
        except ValueError as exc:
            return ExecResult(2, "", str(exc))
        if self.broken:
            return ExecResult(125, "", f"[rftgym] the sandbox container is gone ({self.broken}); "
                                       "this episode cannot run commands")
        workdir = CONTAINER_ROOT if rel == "." else f"{CONTAINER_ROOT}/{rel}"
        with self._exec_lock:
            self._adopt_host_writes()
            result = self.sandbox._run(self.box, argv, timeout=timeout, workdir=workdir, env={**_ENV, **(env or {})},
                                       stdin=stdin, max_output=max_output)
            self._kill_strays()  # background children die with the command
        result.duration_s = time.perf_counter() - start
        return result

    def _kill_strays(self) -> None:
        try:
            self.sandbox._kill_strays(self.box)
        except SandboxError as exc:
            self.broken = str(exc)

    # -- reset and close -------------------------------------------------------------------------
    def reset(self) -> ResetStats:
        """Kill every process the agent left, empty ``/tmp`` and ``/dev/shm``, remove its IPC objects
        and message queues, then restore the tree."""
        with self._exec_lock:
            self._kill_strays()
            self.sandbox._clear_ipc(self.box)
            empty_dir(self._home / "tmp")
            return super().reset()

    def close(self) -> None:
        """Stop tracking and remove the container; its directory goes with it, in the background."""
        if self._closed:
            return
        self._closed = True
        if self._tracker:
            self._tracker.forget(self._token)
        self.sandbox._discard(self.box)


class DockerSandbox(Sandbox):
    """Workspaces in containers from a warm pool. See the module docstring.

    ``image``: the default image (tasks may name their own). ``pool_size``: idle workspaces kept per
    snapshot; ``max_idle``: idle workspaces kept in all; ``warm``: started, empty containers kept ready
    per image. ``limits``: memory, CPUs and processes per container. ``user``: the uid:gid commands run
    as (the workspace files belong to it). ``run_id``: the run label (default: a fresh id).
    """

    name = "docker"

    def __init__(self, image: str | None = None, *, pool_size: int = 4, max_idle: int = 16, warm: int = 2,
                 limits: Limits | dict | None = None, user: str = "1000:1000", workdir: str | Path | None = None,
                 run_id: str | None = None) -> None:
        self._client = connect()
        self.image = image or DEFAULT_IMAGE
        self.pool_size, self.max_idle, self.warm = pool_size, max_idle, warm
        self.limits = Limits(**limits) if isinstance(limits, dict) else (limits or Limits())
        self.user = user
        self._owner = _ownership(user)
        if self._owner[0] == 0:
            raise SandboxError("the docker sandbox runs commands as a non-root user; "
                               "pass user='1000:1000' or another non-zero uid")
        self._base = Path(workdir) if workdir else workdir_base()
        self.run_id = run_id or os.environ.get("RFTGYM_RUN_ID") or uuid.uuid4().hex[:12]
        self._labels = owner_labels(self.run_id)
        self._lock = threading.Lock()
        self._idle: list[DockerWorkspace] = []   # oldest first
        self._warm: dict[str, list[_Box]] = {}
        self._starting: dict[str, int] = {}
        self._boxes: set[_Box] = set()
        self._images_ok: set[str] = set()
        self._mount_checked = False
        self._background = cf.ThreadPoolExecutor(4, thread_name_prefix="rftgym-docker")
        self._closed = False
        _live.add(self)

    # -- the pool --------------------------------------------------------------------------------
    def open(self, repo: str, commit: str, *, image: str | None = None) -> Workspace:
        image = image or self.image
        self._check_image(image)
        snap = _repos.snapshot(repo, commit)
        with self._lock:
            if self._closed:
                raise SandboxError("this DockerSandbox is closed; create a new one")
            for i in range(len(self._idle) - 1, -1, -1):
                ws = self._idle[i]
                if (ws.repo, ws.commit, ws.image) == (snap.repo, snap.commit, image):
                    return self._idle.pop(i)
            warm = self._warm.get(image)
            box = warm.pop() if warm else None
        self._refill(image)
        if box is None:
            box = self._start(image)
        try:
            return DockerWorkspace(snap, box, self)
        except BaseException:
            self._discard(box)
            raise

    def release(self, ws: Workspace) -> None:
        """Restore ``ws`` and keep it for the next ``open`` of its snapshot, or remove it."""
        assert isinstance(ws, DockerWorkspace)
        if ws._closed:
            return
        try:
            ws.reset()
        except OSError as exc:
            ws.broken = f"reset failed: {exc}"
        evicted: list[DockerWorkspace] = []
        with self._lock:
            same = [w for w in self._idle if (w.repo, w.commit, w.image) == (ws.repo, ws.commit, ws.image)]
            if not self._closed and not ws.broken and len(same) < self.pool_size and self.max_idle > 0:
                self._idle.append(ws)
                while len(self._idle) > self.max_idle:
                    evicted.append(self._idle.pop(0))
            else:
                evicted.append(ws)
        for old in evicted:
            old.close()

    def prewarm(self, count: int | None = None, image: str | None = None, timeout: float = 120.0) -> None:
        """Start containers for ``image`` until ``count`` (default: ``warm``) wait ready; blocks until they do."""
        image = image or self.image
        count = self.warm if count is None else count
        self._check_image(image)
        with self._lock:
            need = count - len(self._warm.get(image, [])) - self._starting.get(image, 0)
            self._starting[image] = self._starting.get(image, 0) + max(0, need)
        for _ in range(max(0, need)):
            self._background.submit(self._start_warm, image)
        deadline = time.monotonic() + timeout
        while len(self._warm.get(image, [])) < count and time.monotonic() < deadline:
            with self._lock:
                if self._closed or (not self._starting.get(image) and len(self._warm.get(image, [])) < count):
                    raise SandboxError(f"could not start {count} containers from {image!r}; see the engine's log")
            time.sleep(0.01)

    def _refill(self, image: str) -> None:
        with self._lock:
            need = self.warm - len(self._warm.get(image, [])) - self._starting.get(image, 0)
            if self._closed or need <= 0:
                return
            self._starting[image] = self._starting.get(image, 0) + need
        for _ in range(need):
            self._background.submit(self._start_warm, image)

    def _start_warm(self, image: str) -> None:
        """Start one container for the warm list (in the background; a failure shows at the next ``open``)."""
        try:
            box = self._start(image)
        except BaseException:
            with self._lock:
                self._starting[image] -= 1
            raise
        with self._lock:
            self._starting[image] -= 1
            keep = not self._closed
            if keep:
                self._warm.setdefault(image, []).append(box)
        if not keep:
            self._remove(box)

    def _check_image(self, image: str) -> None:
        if image in self._images_ok:
            return
        if not image_exists(self._client, image):
            raise missing_image_error(image)
        self._images_ok.add(image)

    # -- containers ------------------------------------------------------------------------------
    def _start(self, image: str) -> _Box:
        """Create and start one container with an empty workspace; the engine-side half of a cold start."""
        import docker
        from docker.types import Mount

        uid, gid = self._owner
        home = self._base / f"dk-{uuid.uuid4().hex[:12]}"
        (home / "repo").mkdir(parents=True)
        (home / "tmp").mkdir()
        for d in (home / "repo", home / "tmp"):
            os.chown(d, uid, gid)
        os.chmod(home / "tmp", 0o1777)
        name = f"rftgym-{self.run_id}-{os.getpid()}-{next(_names)}"
        try:
            container = self._client.containers.run(
                image, _KEEPER, detach=True, init=True, name=name, hostname="sandbox", user=_KEEPER_USER,
                labels={**self._labels, "org.rftgym.home": str(home)}, network_mode="none", read_only=True,
                mem_limit=self.limits.memory, memswap_limit=self.limits.memory, nano_cpus=int(self.limits.cpus * 1e9),
                pids_limit=self.limits.pids, cap_drop=["ALL"], security_opt=["no-new-privileges"],
                working_dir=CONTAINER_ROOT, environment=_ENV,
                mounts=[Mount(CONTAINER_ROOT, str(home / "repo"), type="bind"),
                        Mount("/tmp", str(home / "tmp"), type="bind")])
            container.reload()
        except docker.errors.APIError as exc:
            shutil.rmtree(home, ignore_errors=True)
            try:
                self._client.containers.get(name).remove(force=True)
            except docker.errors.APIError:
                pass
            raise SandboxError(f"could not start a container from {image!r}: {exc.explanation or exc}") from None
        procs = ContainerProcesses.find(container.attrs["State"]["Pid"], container.id)
        box = _Box(container.id, name, image, home, procs)
        with self._lock:
            closed = self._closed
            if not closed:
                self._boxes.add(box)
        if closed:  # close() ran meanwhile and will not see this one
            self._remove(box)
            raise SandboxError("this DockerSandbox was closed while a container started")
        if not self._mount_checked:
            self._check_mount(box)
        return box

    def _check_mount(self, box: _Box) -> None:
        """Fail clearly when the engine runs elsewhere and cannot see this machine's directories."""
        probe = box.home / "tmp" / ".rftgym-probe"
        probe.write_text(box.id)
        result = self._run(box, ["cat", "/tmp/.rftgym-probe"], timeout=30, workdir="/", env=_ENV, stdin=None,
                           max_output=1000)
        probe.unlink(missing_ok=True)
        if result.stdout != box.id:
            self._discard(box)
            raise SandboxError("the Docker engine does not see this machine's files through bind mounts (a remote "
                               "engine or another mount namespace); run rftgym on the engine's machine. "
                               f"Probe said: {result.combined()[:200]!r}")
        self._mount_checked = True

    def _run(self, box: _Box, argv: list[str], *, timeout: float, workdir: str, env: dict[str, str],
             stdin: str | None, max_output: int) -> ExecResult:
        """One command in ``box`` as the workspace user; a timeout kills every agent process in it."""
        return run_in_container(self._client.api, box.id, argv, user=self.user, workdir=workdir, env=env,
                                timeout=timeout, stdin=stdin, max_output=max_output,
                                kill=lambda: self._kill_strays(box),
                                oom_kills=box.procs.oom_kills if box.procs else None,
                                memory=self.limits.memory, host_pids=box.procs is not None)

    def _kill_strays(self, box: _Box) -> None:
        """Kill every process in ``box`` except its own two, and empty its ``/dev/shm``."""
        if box.procs is not None and box.procs.usable():
            box.procs.kill_all_but_keepers()
            box.procs.clear_shm()
            return
        import docker

        try:
            ex = self._client.api.exec_create(box.id, ["sh", "-c", _KILL_FROM_INSIDE], user=self.user)
            self._client.api.exec_start(ex["Id"])
        except docker.errors.APIError as exc:
            try:  # the process table may be full (a fork bomb): restarting keeps the mounts and the files
                self._client.containers.get(box.id).restart(timeout=0)
            except docker.errors.APIError:
                raise SandboxError(f"container {box.name} is gone: {exc.explanation or exc}") from None

    def _clear_ipc(self, box: _Box) -> None:
        """Remove the System V IPC objects and message queues left in ``box`` (from the host where it can)."""
        if box.procs is not None and box.procs.usable() and box.procs.clear_ipc():
            return
        import docker

        try:
            ex = self._client.api.exec_create(box.id, ["sh", "-c", _CLEAR_IPC_FROM_INSIDE], user=self.user)
            self._client.api.exec_start(ex["Id"])
        except docker.errors.APIError:
            pass  # a container that cannot exec is found broken at its next command

    def _discard(self, box: _Box) -> None:
        """Remove ``box`` in the background; the caller no longer uses it."""
        with self._lock:
            if box not in self._boxes:
                return
            self._boxes.discard(box)
            background = not self._closed
        if background:
            try:
                self._background.submit(self._remove, box)
                return
            except RuntimeError:  # the pool is shutting down
                pass
        self._remove(box)

    def _remove(self, box: _Box) -> None:
        import docker

        try:
            self._client.api.remove_container(box.id, force=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError:
            pass  # left for `rftgym sandbox gc`
        shutil.rmtree(box.home, ignore_errors=True)
        with self._lock:
            self._boxes.discard(box)

    def close(self) -> None:
        """Remove every container this sandbox started (idle, warm and handed out); idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            idle, self._idle, self._warm = self._idle, [], {}
        self._background.shutdown(wait=True)
        for ws in idle:
            ws.close()
        with self._lock:
            boxes, self._boxes = list(self._boxes), set()
        for box in boxes:
            self._remove(box)
        _live.discard(self)
        self._client.close()


_live: weakref.WeakSet[DockerSandbox] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for sb in list(_live):
        try:
            sb.close()
        except Exception:  # the engine may be gone at exit; gc reaps what is left
            pass
