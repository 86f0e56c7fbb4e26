"""The Docker engine: the connection, the labels that mark rftgym's containers, and collecting strays.

Every container the Docker sandbox starts carries labels naming its run (``org.rftgym.run``), the
owning process (``org.rftgym.pid`` and that pid's start time, so a reused pid is not mistaken for
the owner), the host, and the host directory behind its mounts. ``gc`` removes the containers, and
their directories, whose owner is dead: what ``close()`` and the exit handler could not remove
because the run was killed (``kill -9``, an OOM kill, a power cut).
"""

from __future__ import annotations

import os
import shutil
import socket
from dataclasses import dataclass

from rftgym.sandbox import SandboxError
from rftgym.sandbox.container_procs import process_alive, process_start_time

LABEL = "org.rftgym.run"


def connect():
    """A Docker SDK client for the engine at ``$DOCKER_HOST`` (default: the local socket), or ``SandboxError``."""
    try:
        import docker
    except ImportError:
        raise SandboxError("the docker sandbox needs the Docker SDK: pip install 'rftgym[docker]'") from None
    where = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    try:
        client = docker.from_env(timeout=120, max_pool_size=32)
        client.ping()
    except Exception as exc:  # the SDK raises several kinds for a missing socket or a dead engine
        reason = str(exc).split("\n")[0][:200]
        raise SandboxError(f"no Docker engine reachable at {where} ({reason}). "
                           "Start one: `sudo systemctl start docker`, "
                           "or as root `dockerd > /tmp/dockerd.log 2>&1 &`, or set DOCKER_HOST") from None
    return client


def engine_problem() -> str | None:
    """Why the Docker sandbox cannot run here (no SDK, no engine), or ``None`` when it can."""
    try:
        connect().close()
    except SandboxError as exc:
        return str(exc)
    return None


def owner_labels(run_id: str) -> dict[str, str]:
    """The labels that tie a container to this process and run."""
    return {LABEL: run_id, "org.rftgym.pid": str(os.getpid()), "org.rftgym.pid_start": process_start_time(os.getpid()),
            "org.rftgym.host": socket.gethostname()}


@dataclass
class GcReport:
    removed: list[str]
    kept: int
    other_hosts: int


def gc(everything: bool = False) -> GcReport:
    """Remove rftgym containers, and their host directories, whose owning process is dead.

    ``everything``: remove every rftgym container, live runs' and other hosts' too.
    """
    import docker

    client = connect()
    host = socket.gethostname()
    report = GcReport([], 0, 0)
    for c in client.api.containers(all=True, filters={"label": LABEL}):  # plain listing: no per-container inspect
        labels = c.get("Labels") or {}
        mine = labels.get("org.rftgym.host") == host
        if not everything:
            if not mine:
                report.other_hosts += 1
                continue
            pid = int(labels.get("org.rftgym.pid", "0") or 0)
            if process_alive(pid, labels.get("org.rftgym.pid_start", "")):
                report.kept += 1
                continue
        try:
            client.api.remove_container(c["Id"], force=True)
        except docker.errors.NotFound:
            continue  # its owner removed it meanwhile
        if mine and labels.get("org.rftgym.home"):
            shutil.rmtree(labels["org.rftgym.home"], ignore_errors=True)
        report.removed.append((c.get("Names") or [c["Id"][:12]])[0].lstrip("/"))
    client.close()
    return report
