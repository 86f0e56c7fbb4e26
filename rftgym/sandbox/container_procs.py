"""A container's processes seen from the host: list them, kill all but the container's own, count OOM kills.

The Docker sandbox kills an agent's stray processes after every command and between episodes. Doing it
from the host through the container's cgroup costs well under a millisecond, where a ``docker exec``
costs tens; it needs this process to see the engine's pids (same machine, host pid namespace) and to
be allowed to signal them (root). ``ContainerProcesses.find`` returns ``None`` when that is not so and
the sandbox falls back to killing from inside the container.

A fork bomb is stopped by freezing the cgroup first, so that nothing forks between reading the
process list and killing it (cgroup v1 ``freezer.state``, v2 ``cgroup.freeze``).
"""

from __future__ import annotations

import os
import shutil
import ctypes
import ctypes.util
import signal
import threading
import time
from pathlib import Path

_CGROUP = Path("/sys/fs/cgroup")


def empty_dir(path: str | Path) -> None:
    """Remove what is inside ``path`` but not ``path`` itself (a mount point or mount source)."""
    try:
        entries = list(os.scandir(path))
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            try:
                os.unlink(entry.path)
            except OSError:
                pass


_CLONE_NEWIPC = 0x08000000
_IPC_RMID = 0
_libc: ctypes.CDLL | None = None


def _remove_ipc_in(pid: int) -> bool:
    """In the calling thread (which it moves for good): join ``pid``'s IPC namespace and remove every
    shared memory segment, message queue and semaphore set there. False when ``setns`` is refused."""
    global _libc
    try:
        if _libc is None:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fd = os.open(f"/proc/{pid}/ns/ipc", os.O_RDONLY)
    except OSError:
        return False
    libc = _libc
    try:
        if libc.setns(fd, _CLONE_NEWIPC) != 0:
            return False
    finally:
        os.close(fd)
    removers = {"shm": lambda i: libc.shmctl(i, _IPC_RMID, None), "msg": lambda i: libc.msgctl(i, _IPC_RMID, None),
                "sem": lambda i: libc.semctl(i, 0, _IPC_RMID)}
    for kind, remove in removers.items():
        try:
            lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 1 and fields[1].isdigit():
                remove(int(fields[1]))  # the second column is the id
    return True


def process_start_time(pid: int) -> str:
    """The start time of ``pid`` in clock ticks since boot (``/proc/<pid>/stat`` field 22), or ``""``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]


def process_alive(pid: int, start_time: str) -> bool:
    """Whether ``pid`` runs and is the process that had ``start_time`` (not a zombie, not a reused pid)."""
    if pid <= 0:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):
        return False
    return not start_time or fields[19] == start_time


class ContainerProcesses:
    """Host-side control of one container's processes. Keepers (its init and first command) are spared."""

    def __init__(self, init_pid: int, procs: Path, freezer: tuple[Path, str, str] | None, oom: tuple[Path, str] | None):
        self.init_pid = init_pid
        self._procs = procs
        self._freezer = freezer
        self._oom = oom
        self.keepers: set[int] = set()

    @classmethod
    def find(cls, init_pid: int, container_id: str) -> ContainerProcesses | None:
        """Control of the container whose init has host pid ``init_pid``, or ``None`` when not possible here."""
        if not init_pid or os.geteuid() != 0:
            return None
        try:
            lines = Path(f"/proc/{init_pid}/cgroup").read_text().splitlines()
        except OSError:
            return None
        paths = {}
        for line in lines:
            _, controllers, path = line.split(":", 2)
            for c in controllers.split(",") if controllers else [""]:
                paths[c] = path.lstrip("/")
        if (_CGROUP / "cgroup.controllers").exists() and "" in paths:  # cgroup v2: one hierarchy
            base = _CGROUP / paths[""]
            found = cls(init_pid, base / "cgroup.procs", (base / "cgroup.freeze", "1", "0"),
                        (base / "memory.events", "oom_kill"))
        elif "pids" in paths or "memory" in paths:
            ctrl = "pids" if "pids" in paths else "memory"
            freezer = ((_CGROUP / "freezer" / paths["freezer"] / "freezer.state", "FROZEN", "THAWED")
                       if "freezer" in paths else None)
            oom = ((_CGROUP / "memory" / paths["memory"] / "memory.oom_control", "oom_kill")
                   if "memory" in paths else None)
            found = cls(init_pid, _CGROUP / ctrl / paths[ctrl] / "cgroup.procs", freezer, oom)
        else:
            return None
        if container_id[:12] not in str(found._procs) or not found.usable():
            return None
        if found._freezer and not found._freezer[0].exists():
            found._freezer = None
        if found._oom and not found._oom[0].exists():
            found._oom = None
        deadline = time.monotonic() + 5  # docker-init forks the keeper command right after start
        while time.monotonic() < deadline:
            found.keepers = found.pids()
            if len(found.keepers) >= 2:
                break
            time.sleep(0.005)
        return found

    def usable(self) -> bool:
        return self._procs.exists()

    def pids(self) -> set[int]:
        try:
            return {int(p) for p in self._procs.read_text().split()}
        except OSError:
            return set()

    def kill_all_but_keepers(self, wait: float = 5.0) -> int:
        """SIGKILL every other process; returns how many were killed. Waits until they are gone."""
        killed = 0
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            victims = self.pids() - self.keepers
            if not victims:
                return killed
            frozen = self._freeze(True)
            try:
                for pid in self.pids() - self.keepers:
                    try:
                        os.kill(pid, signal.SIGKILL)
                        killed += 1
                    except ProcessLookupError:
                        pass
            finally:
                if frozen:
                    self._freeze(False)
            for _ in range(50):  # a killed process leaves the cgroup within microseconds to milliseconds
                if not self.pids() - self.keepers:
                    return killed
                time.sleep(0.001)
        return killed

    def _freeze(self, on: bool) -> bool:
        if self._freezer is None:
            return False
        path, frozen, thawed = self._freezer
        try:
            path.write_text(frozen if on else thawed)
        except OSError:
            return False
        if on:
            state = path.with_name("cgroup.events") if path.name == "cgroup.freeze" else path
            for _ in range(200):
                text = state.read_text()
                if ("frozen 1" in text) if path.name == "cgroup.freeze" else text.strip() == frozen:
                    break
                time.sleep(0.0005)
        return True

    def clear_ipc(self) -> bool:
        """Remove the container's System V IPC objects (``ipcmk``) and POSIX message queues: state an
        agent could leave for the next episode. False when the host could not enter its IPC namespace.

        A short-lived thread joins the container's IPC namespace (``setns`` moves only that thread),
        lists the objects in ``/proc/sysvipc`` (which shows the reader's namespace) and removes them:
        well under a millisecond, where an ``nsenter ipcrm`` costs a process."""
        empty_dir(Path(f"/proc/{self.init_pid}/root/dev/mqueue"))
        done: list[bool] = []
        worker = threading.Thread(target=lambda: done.append(_remove_ipc_in(self.init_pid)), daemon=True)
        worker.start()
        worker.join(10)
        return bool(done and done[0])

    def clear_shm(self) -> None:
        """Empty the container's ``/dev/shm``, reached through its init's root directory."""
        empty_dir(Path(f"/proc/{self.init_pid}/root/dev/shm"))

    def oom_kills(self) -> int | None:
        """How many processes the memory limit has killed so far, where the kernel reports it."""
        if self._oom is None:
            return None
        path, key = self._oom
        try:
            for line in path.read_text().splitlines():
                name, _, value = line.partition(" ")
                if name == key:
                    return int(value)
        except (OSError, ValueError):
            return None
        return None
