"""One command in a running container through the Docker SDK, with the local sandbox's guarantees.

``run_in_container`` never raises for what the command does: a missing binary, a non-zero exit, a
timeout, a memory kill or a flood of output all come back in the ``ExecResult``. The timeout is
enforced by the caller's ``kill`` (which kills every agent process in the container), so the output
stream ends on its own; output is read from the engine's multiplexed stream and capped per stream.
"""

from __future__ import annotations

import os
import select
import socket
import threading
import time
from typing import Callable

from rftgym.sandbox import ExecResult

_HEADER = 8  # the engine's stream frames: 1 byte stream id, 3 zero bytes, 4 bytes big-endian length


def _read_exact(sock, n: int) -> bytes:
    """Up to ``n`` bytes (fewer only at the end of the stream)."""
    parts, got = [], 0
    while got < n:
        chunk = sock.read(n - got) if hasattr(sock, "read") else sock.recv(n - got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def _read_frames(sock, cap: int) -> tuple[bytes, bytes, bool]:
    """stdout, stderr (each cut at ``cap`` bytes) and whether anything was cut; reads to the end."""
    keep: dict[int, list[bytes]] = {1: [], 2: []}
    size = {1: 0, 2: 0}
    cut = False
    while True:
        header = _read_exact(sock, _HEADER)
        if len(header) < _HEADER:
            break
        stream, length = header[0], int.from_bytes(header[4:], "big")
        data = _read_exact(sock, length)
        stream = 2 if stream == 2 else 1
        if size[stream] < cap:
            keep[stream].append(data[: cap - size[stream]])
        cut = cut or size[stream] + len(data) > cap
        size[stream] += len(data)
    return b"".join(keep[1]), b"".join(keep[2]), cut


def _send_stdin(sock, data: bytes) -> None:
    raw = getattr(sock, "_sock", sock)
    try:
        raw.sendall(data)
        raw.shutdown(socket.SHUT_WR)  # EOF on the command's stdin
    except OSError:
        pass  # the command exited without reading it all


def _inspect(api, exec_id: str) -> dict:
    """The engine's state of an exec, or ``{}`` when the container went away meanwhile."""
    import docker

    try:
        return api.exec_inspect(exec_id)
    except docker.errors.APIError:
        return {}


def _exec_failure(message: str) -> tuple[int, str]:
    """The engine's "OCI runtime exec failed" text -> a shell-like exit code and a short message."""
    text = message.split("unable to start container process:")[-1].strip()
    text = text.removesuffix(": unknown").strip()
    code = 127 if ("no such file" in text or "not found" in text) else 126
    return code, f"cannot run the command: {text}"


def _watch(api, exec_id: str, done: threading.Event, deadline: float, host_pids: bool,
           expire: Callable[[], None], kill: Callable[[], None]) -> None:
    """End the command at the deadline, and its output stream as soon as the command itself exits.

    The engine keeps a command's output stream open while a background child holds it (``sleep 9 &``)
    and then gives up after a few seconds; killing the strays when the command exits ends the stream at
    once, as the local sandbox's process-group kill does. Quick commands never get past the first wait.
    """
    import docker

    if done.wait(max(0.0, min(0.02, deadline - time.monotonic()))):
        return
    pidfd = None
    if host_pids and hasattr(os, "pidfd_open"):
        try:
            pid = api.exec_inspect(exec_id).get("Pid")
            pidfd = os.pidfd_open(pid) if pid else None
        except ProcessLookupError:  # it exited already
            if not done.is_set():
                kill()
            return
        except (OSError, docker.errors.APIError):
            pidfd = None
    interval = 0.02
    try:
        while not done.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                expire()
                return
            if pidfd is not None:
                if select.select([pidfd], [], [], min(left, 0.05))[0]:
                    break
                continue
            if done.wait(min(left, interval)):
                return
            interval = min(interval * 2, 0.25)
            try:
                if not api.exec_inspect(exec_id).get("Running"):
                    break
            except docker.errors.APIError:
                break
        if not done.is_set():
            kill()
    finally:
        if pidfd is not None:
            os.close(pidfd)


def run_in_container(api, container_id: str, argv: list[str], *, user: str, workdir: str, env: dict[str, str],
                     timeout: float, stdin: str | None, max_output: int, kill: Callable[[], None],
                     oom_kills: Callable[[], int | None] | None = None, memory: str = "",
                     host_pids: bool = False) -> ExecResult:
    """Run ``argv`` in ``container_id`` as ``user``; ``kill`` must end every agent process in the container.

    ``host_pids``: this process sees the engine's pids, so the command's exit can be awaited directly.
    """
    import docker

    start = time.perf_counter()
    oom_before = oom_kills() if oom_kills else None
    try:
        ex = api.exec_create(container_id, argv, stdin=stdin is not None, user=user, workdir=workdir, environment=env)
        sock = api.exec_start(ex["Id"], socket=True)
    except docker.errors.APIError as exc:
        return ExecResult(125, "", f"[rftgym] the container refused the command: {exc.explanation or exc}",
                          duration_s=time.perf_counter() - start)
    expired, done = threading.Event(), threading.Event()

    def expire() -> None:
        expired.set()
        kill()

    deadline = time.monotonic() + timeout
    watcher = threading.Thread(target=_watch, args=(api, ex["Id"], done, deadline, host_pids, expire, kill),
                               daemon=True)
    watcher.start()
    raw = getattr(sock, "_sock", sock)
    try:
        raw.settimeout(timeout + 60)  # a backstop against a hung engine; the watcher ends the command first
        if stdin is not None:
            threading.Thread(target=_send_stdin, args=(sock, stdin.encode()), daemon=True).start()
        try:
            out, err, cut = _read_frames(sock, max_output)
        except OSError:
            expire()
            out, err, cut = b"", b"", False
        done.set()
        info = _inspect(api, ex["Id"])
        while info.get("Running") and not expired.is_set():  # the stream closed before the process ended
            if time.monotonic() >= deadline:
                expire()
            time.sleep(0.002)
            info = _inspect(api, ex["Id"])
    finally:
        done.set()
        sock.close()
    watcher.join()
    timed_out = expired.is_set()
    code = info.get("ExitCode")
    stdout, stderr = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    if code in (126, 127) and stdout.startswith("OCI runtime exec failed"):
        code, stderr = _exec_failure(stdout.strip())
        stdout = ""
    if not timed_out and code == 137 and oom_kills is not None:
        after = oom_kills()
        if after is not None and oom_before is not None and after > oom_before:
            note = f"[rftgym] killed: the command ran out of memory (the sandbox's limit is {memory})"
            stderr = f"{stderr}\n{note}" if stderr else note
    return ExecResult(exit_code=-9 if timed_out else (code if code is not None else -1), stdout=stdout, stderr=stderr,
                      timed_out=timed_out, duration_s=time.perf_counter() - start, truncated=cut)
