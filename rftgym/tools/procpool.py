"""Worker processes for CPU-bound read tools, so the read calls of one turn run on every core.

Threads share the GIL: ``search_code``, ``grep`` and ``find_symbol`` are mostly Python (regex loops,
tokenizing, ``ast``), so 8 of them on 8 threads run *slower* than one after the other (0.7-0.9x on
transformers' sources, 2 cores: a regex gives up and retakes the GIL at every match). When a turn
has two or more such calls on a big local workspace, ``ToolExecutor`` hands them to this pool -
once its workers have loaded that workspace's snapshot. The first such turn on a snapshot runs in
this process (which has the snapshot's index and texts in memory already), its reads one at a time;
when it is over, every worker loads the snapshot in the background (``ReadPool.warm_in_background``),
while the model writes its next turn. So no turn waits for workers to start or load, and the load
does not compete with the turn for the cores.

- **Workers** are ``python -c`` processes (nothing is forked from this threaded process; a script
  without a ``__main__`` guard is safe), one per usable core (at most 4), started on first use and
  kept. Each keeps the snapshots it has served: their indexes are loaded once from the snapshot cache (``index.py``
  persists them) and their file texts are read once, so a call ships only its arguments and the
  workspace's change view (changed paths, and the file list when something changed) - never the
  index. A worker keeps its ``RFTGYM_READ_SNAPSHOTS`` (2) most recently used snapshots.
- **The same rules.** A worker runs the registered tool on a ``_ShadowWorkspace``: the workspace's
  root on disk, its snapshot, the change view taken by the caller. Reads go through
  ``safepath.WorkspaceReader`` as in-process: links leading outside the workspace are refused there
  too. A tool's ``ToolError`` comes back as the same ``ToolError``.
- **Timeouts kill.** The caller waits up to the call's deadline (``executor.call_deadline``); then the
  worker is killed (SIGKILL) and replaced on the next call, and the call is a ``TIMEOUT``. So a hung
  read never lingers, unlike a thread.
- **Longest first, greps split.** A pooled turn hands its calls to the workers longest first (a
  running mean per tool): the executor starts them in that order, and a free worker goes to the
  waiting request with the longest expected time, whatever order their threads arrive in. A grep
  expected to take ``SPLIT_GREP_S`` (20 ms) or more that finds no other long call waiting (the
  last long one of its turn) runs as one slice of its file list per worker, merged in order into
  the text the plain grep gives (``search.grep_part``/``grep_merge``): the turn's tail is shared
  instead of one worker finishing a 50 ms grep while the others idle.
- ``RFTGYM_READ_PROCESSES=0`` turns the pool off (the CPU-bound reads of a turn then run in this
  process one at a time); ``=N`` sets its size (default: the usable cores, at most 4; below 2 there
  is no pool). Snapshots under ``RFTGYM_READ_POOL_MIN_FILES`` (300) files stay on threads. A worker that cannot be started leaves the call to this process
  (``PoolUnavailable``).
"""

from __future__ import annotations

import atexit
import heapq
import itertools
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

from rftgym.tools import ToolError

POOLED_TOOLS = frozenset({"search_code", "grep", "find_symbol"})
_PRIOR_COST = {"grep": 0.05, "search_code": 0.01, "find_symbol": 0.01}  # seconds on a big repo, until measured
SPLIT_GREP_S = 0.02  # a grep expected to take this long (its running mean) is split across the workers
SPLIT_ONLY_THE_LAST = True  # ... when no other such call waits for a worker (see ReadPool._split_grep)
WARM = "__warm__"  # the request that loads a snapshot into a worker without running a tool
GREP_PART = "__grep_part__"  # one slice of a grep's file list (``search.grep_part``)
_HEADER = struct.Struct("<Q")


def usable_cores() -> int:
    """The cores this process may run on (its affinity mask, e.g. under ``taskset`` or a container's
    cpuset), not every core of the machine."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


_MAX_DEFAULT_WORKERS = 4  # a turn has a handful of reads; each worker holds its snapshots' texts and indexes


def pool_size() -> int:
    """Workers of the pool: ``RFTGYM_READ_PROCESSES`` when set, else the usable cores, at most 4 (each
    worker holds ~140 MB per transformers-sized snapshot; every Ray worker process has its own pool)."""
    raw = os.environ.get("RFTGYM_READ_PROCESSES", "").strip()
    if raw.isdigit():
        return int(raw)
    return min(usable_cores(), _MAX_DEFAULT_WORKERS)


def keep_snapshots() -> int:
    """Snapshots a worker keeps loaded (``RFTGYM_READ_SNAPSHOTS``, default 2), least recently used
    dropped first: the envs of a process running now, not every task commit it has seen."""
    raw = os.environ.get("RFTGYM_READ_SNAPSHOTS", "").strip()
    return max(1, int(raw)) if raw.isdigit() else 2


def min_files() -> int:
    """Snapshots smaller than this (``RFTGYM_READ_POOL_MIN_FILES``, default 300 files) stay on threads:
    their read calls take a few milliseconds, and two worker processes would cost memory for nothing."""
    raw = os.environ.get("RFTGYM_READ_POOL_MIN_FILES", "").strip()
    return int(raw) if raw.isdigit() else 300


def eligible(ws) -> bool:
    """Whether workers should serve calls on ``ws``: a local workspace (its tree is on this machine's
    disk; a shared one's handle too) with a snapshot of at least ``min_files()`` files."""
    from rftgym.sandbox.local import LocalWorkspace, SharedWorkspace

    snap = getattr(ws, "snapshot", None)
    return isinstance(ws, (LocalWorkspace, SharedWorkspace)) and snap is not None and len(snap.files) >= min_files()


# -- the worker side -------------------------------------------------------------------------------

class _ShadowWorkspace:
    """What the read tools use of a ``LocalWorkspace``, rebuilt in a worker from the caller's view."""

    def __init__(self, root: str, snapshot, changed: frozenset[str], files: list[str] | None) -> None:
        self.root = Path(root)
        self.snapshot = snapshot
        self._changed = changed
        self._files = files

    from rftgym.sandbox import Workspace as _W

    resolve = _W.resolve  # the same escape checks, on the same root
    del _W

    def changed_paths(self) -> set[str]:
        return set(self._changed)

    def files(self) -> list[str]:
        return self.snapshot.files if self._files is None else self._files

    def _touched(self, rel: str) -> bool:
        from rftgym.sandbox.local import LocalWorkspace

        return LocalWorkspace._touched(rel, self._changed)

    def read_text(self, rel: str) -> str | None:
        from rftgym.sandbox import repos

        if not self._touched(rel):
            return self.snapshot.read_text(rel)
        return repos.read_text_file(self.root / rel)


def _send(fd: int, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    data = _HEADER.pack(len(data)) + data
    while data:
        data = data[os.write(fd, data):]


def _recv(fd: int, deadline: float | None = None):
    """One message from ``fd``; ``TimeoutError`` past ``deadline``, ``EOFError`` when the peer died."""
    def exact(n: int) -> bytes:
        chunks, got = [], 0
        while got < n:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([fd], [], [], left)[0]:
                    raise TimeoutError
            chunk = os.read(fd, min(n - got, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    (n,) = _HEADER.unpack(exact(_HEADER.size))
    return pickle.loads(exact(n))


def _serve(tree: str, repo: str, commit: str, snapshots: dict) -> object:
    """The worker's ``Snapshot`` of ``tree``: kept across calls (its index is loaded from the snapshot
    cache once, its texts read once), the least recently used one dropped past ``keep_snapshots()``.
    ``snapshots`` is insertion-ordered: most recently used last."""
    from rftgym.sandbox.repos import Snapshot

    snap = snapshots.pop(tree, None)
    if snap is None:
        snap = Snapshot(repo=repo, commit=commit, tree=Path(tree))
        while len(snapshots) >= keep_snapshots():
            snapshots.pop(next(iter(snapshots)))
    snapshots[tree] = snap
    return snap


def _warm(snap) -> str:
    """Load ``snap``'s persisted indexes and read its texts, as the pooled tools will need them."""
    from rftgym.sandbox.safepath import _snapshot_safe_files
    from rftgym.tools import index

    index.snapshot_index(snap)
    index.snapshot_symbols(snap)
    for rel in _snapshot_safe_files(snap):
        snap.read_text(rel)
    return ""


def worker_main() -> None:
    """A worker's loop: requests on stdin, replies on the original stdout (tools' prints go to stderr).
    A request is ``(tool name or WARM, args, root, tree, repo, commit, changed, files)``."""
    from rftgym.tools import get_tool

    out = os.dup(1)
    os.dup2(2, 1)
    snapshots: dict = {}
    while True:
        try:
            name, args, root, tree, repo, commit, changed, files = _recv(0)
        except EOFError:
            return
        ws = _ShadowWorkspace(root, _serve(tree, repo, commit, snapshots), changed, files)
        try:
            if name == WARM:
                reply = ("ok", _warm(ws.snapshot))
            elif name == GREP_PART:
                from rftgym.tools.search import grep_part

                reply = ("ok", grep_part(ws, **args))
            else:
                reply = ("ok", get_tool(name).run(ws, args))
        except ToolError as exc:
            reply = ("tool_error", exc.code, exc.message)
        except Exception as exc:  # noqa: BLE001 - reported to the caller like an in-process failure
            reply = ("error", type(exc).__name__, str(exc))
        _send(out, reply)


# -- the caller side -------------------------------------------------------------------------------

class WorkerFailed(Exception):
    """A tool raised something other than ``ToolError`` in a worker; ``kind`` is its class name."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class _Worker:
    def __init__(self) -> None:
        import rftgym

        root = str(Path(rftgym.__file__).resolve().parent.parent)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
        self.proc = subprocess.Popen([sys.executable, "-c", "from rftgym.tools.procpool import worker_main; "
                                      "worker_main()"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=env, start_new_session=True)

    def call(self, request: tuple, deadline: float | None):
        _send(self.proc.stdin.fileno(), request)
        return _recv(self.proc.stdout.fileno(), deadline)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass


class PoolUnavailable(Exception):
    """No worker process could be started (e.g. out of processes): the caller runs the call itself."""


class _Ticket:
    """A request waiting for a worker: ordered by (-priority, arrival); ``event`` is set when it has
    been handed ``worker``, or (``worker`` None) the slot to start a new one."""

    __slots__ = ("key", "event", "worker")

    def __init__(self, priority: float, arrival: int) -> None:
        self.key = (-priority, arrival)
        self.event = threading.Event()
        self.worker: _Worker | None = None

    def __lt__(self, other: _Ticket) -> bool:
        return self.key < other.key


class ReadPool:
    """A fixed number of worker processes; a call takes an idle one (starting it if needed) or waits.

    ``ready(ws)`` says whether the workers have loaded ``ws``'s snapshot; ``warm_in_background(ws)``
    loads it into every worker. The executor runs a turn here only when ready; the first turn on a
    snapshot runs in the caller's process, and the loading starts once that turn is over.
    """

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._idle: list[_Worker] = []
        self._started = 0
        self._closed = False
        self._ready: dict[str, None] = {}  # snapshot trees every worker has loaded, least recent first
        self._cost: dict[str, float] = dict(_PRIOR_COST)  # tool -> running mean of its call time (s)
        self._warming: set[str] = set()
        self._waiting: list[_Ticket] = []  # heap of the requests waiting for a worker, first served first
        self._arrivals = itertools.count()
        self._cond = threading.Condition()

    def _take(self, deadline: float | None, priority: float = 0.0) -> _Worker:
        """An idle worker (or a new one while fewer than ``size`` run). Requests that must wait are
        served highest ``priority`` (expected seconds) first, ties in arrival order, whatever order
        their threads reach the pool in: a freed worker is handed to the first of them, and only that
        thread is woken (not every waiting one, whose wake-ups would cost the workers CPU)."""
        with self._cond:
            ticket = _Ticket(priority, next(self._arrivals))
            heapq.heappush(self._waiting, ticket)
            self._hand_out()
        try:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not ticket.event.wait(left):
                with self._cond:
                    if not ticket.event.is_set():
                        self._waiting.remove(ticket)
                        heapq.heapify(self._waiting)
                        raise TimeoutError
        except BaseException:
            self._drop(ticket)
            raise
        if ticket.worker is not None:
            return ticket.worker
        try:  # the slot of a worker not started yet (or gone): start it here, outside the lock
            return _Worker()
        except OSError as exc:
            self._lost()
            raise PoolUnavailable(f"could not start a read worker process: {exc}") from None
        except BaseException:
            self._lost()
            raise

    def _hand_out(self) -> None:
        """Give the free workers (and the slots of workers not started) to the first waiting tickets.
        Called holding ``_cond``."""
        while self._waiting and (self._idle or self._started < self.size):
            ticket = heapq.heappop(self._waiting)
            if self._idle:
                ticket.worker = self._idle.pop()
            else:
                self._started += 1
            ticket.event.set()

    def _drop(self, ticket: _Ticket) -> None:
        """A waiting request gave up (timeout, interrupt): what it was handed goes back to the pool."""
        with self._cond:
            if not ticket.event.is_set():
                if ticket in self._waiting:
                    self._waiting.remove(ticket)
                    heapq.heapify(self._waiting)
                return
        if ticket.worker is not None:
            self._give(ticket.worker)
            return
        with self._cond:  # an unused slot: nothing was lost, the loaded snapshots stay ready
            self._started -= 1
            self._hand_out()

    def _lost(self) -> None:
        """A worker is gone (killed or failed to start): its replacement will have loaded nothing."""
        with self._cond:
            self._started -= 1
            self._ready.clear()
            self._hand_out()

    def _give(self, worker: _Worker) -> None:
        with self._cond:
            if not self._closed:
                self._idle.append(worker)
                self._hand_out()
                return
            self._started -= 1
            self._hand_out()
        worker.kill()

    @staticmethod
    def view(ws) -> tuple[frozenset[str], list[str] | None]:
        """What a worker needs of ``ws``'s state: its changed paths, and its file list when any changed.
        One view serves every read call of a batch (no writer runs while a batch of reads does)."""
        changed = frozenset(ws.changed_paths() or ())
        return changed, (list(ws.files()) if changed else None)

    def cost(self, name: str) -> float:
        """The expected seconds of a ``name`` call (a running mean of the calls served): the executor
        hands the longest calls of a turn to the workers first, so the turn ends with short ones
        filling in (longest-first: the turn lasts ~ its work / workers, not one long call more)."""
        return self._cost.get(name, 0.0)

    def _observe(self, name: str, seconds: float) -> None:
        if name in self._cost:
            self._cost[name] = 0.8 * self._cost[name] + 0.2 * seconds

    def run(self, name: str, args: dict, ws, deadline: float | None, view: tuple | None = None) -> str:
        """``get_tool(name).run(ws, args)`` in a worker, on ``view`` (``view(ws)`` when None): its text,
        its ``ToolError``, ``WorkerFailed`` for another exception; ``ToolError('TIMEOUT')`` past
        ``deadline`` (the worker is killed); ``PoolUnavailable`` when no worker can be started.

        A ``grep`` expected to take ``SPLIT_GREP_S`` or more that finds no other long call waiting is
        split: one slice of its file list per worker (``search.grep_part``), merged in order
        (``search.grep_merge``) into the same text, so that a turn of a few long greps and some short
        calls keeps every worker busy to its end (``_split_grep``)."""
        changed, files = self.view(ws) if view is None else view
        where = (str(ws.root), str(ws.snapshot.tree), ws.snapshot.repo, ws.snapshot.commit, changed, files)
        priority = self.cost(name)
        if name == "grep" and self.size > 1 and priority >= SPLIT_GREP_S:
            out, busy = self._split_grep(args, where, priority, deadline)
        else:
            out, busy = self._request((name, args, *where), name, deadline, priority)
        self._observe(name, busy)
        return out

    def _split_grep(self, args: dict, where: tuple, priority: float, deadline: float | None) -> tuple[str, float]:
        """``grep`` on the workers (see ``run``): (its text, the workers' busy seconds). It takes a worker
        like any call; then, unless another long call still waits for one (``SPLIT_ONLY_THE_LAST``:
        that one would keep the other workers busy anyway, and a split costs each part its own pass
        over the file list and its own shown hits), it runs as ``size`` parts: the first on this
        worker, the others on the next free ones, ahead of the shorter calls. A part's error is the
        call's (the first part's, in file order, when several fail)."""
        from rftgym.tools.search import _GREP_SECONDS, grep_merge

        stop = time.monotonic() + _GREP_SECONDS  # the parts share one regex deadline, as one grep has
        try:
            worker = self._take(deadline, priority)
        except TimeoutError:
            raise ToolError("TIMEOUT", "grep timed out waiting for a worker; narrow the request") from None
        with self._cond:
            others = any(-t.key[0] >= SPLIT_GREP_S for t in self._waiting)
        if SPLIT_ONLY_THE_LAST and others:
            start = time.perf_counter()
            out = self._call(worker, ("grep", args, *where), "grep", deadline)
            return out, time.perf_counter() - start
        n = self.size
        found: list = [None] * n

        def part(k: int) -> None:
            request = (GREP_PART, {"args": args, "part": k, "parts": n, "deadline": stop}, *where)
            try:
                if k:
                    found[k] = self._request(request, "grep", deadline, priority)
                else:
                    start = time.perf_counter()
                    found[k] = self._call(worker, request, "grep", deadline), time.perf_counter() - start
            except BaseException as exc:  # noqa: BLE001 - re-raised by the caller below
                found[k] = exc

        helpers = [threading.Thread(target=part, args=(k,), daemon=True, name="rftgym-grep-part")
                   for k in range(1, n)]
        for t in helpers:
            t.start()
        part(0)
        for t in helpers:
            t.join()
        for result in found:
            if isinstance(result, BaseException):
                raise result
        return grep_merge(args, [out for out, _ in found]), sum(busy for _, busy in found)

    def ready(self, ws) -> bool:
        """Whether every worker has loaded ``ws``'s snapshot."""
        tree = str(ws.snapshot.tree)
        with self._cond:
            if tree in self._ready:
                self._ready[tree] = self._ready.pop(tree)  # most recently used last
                return True
            return False

    def warm_in_background(self, ws) -> threading.Thread | None:
        """``warm(ws)`` on a daemon thread, unless the snapshot is ready or being loaded already."""
        tree = str(ws.snapshot.tree)
        with self._cond:
            if tree in self._ready or tree in self._warming or self._closed:
                return None
            self._warming.add(tree)
        t = threading.Thread(target=self.warm, args=(ws,), daemon=True, name="rftgym-read-warm")
        t.start()
        return t

    def warm(self, ws, timeout: float = 300.0) -> int:
        """Start every worker and have each load ``ws``'s snapshot (persisted indexes, file texts), so
        a pooled turn on it runs at the warm speed; returns how many workers did. When all did, the
        snapshot is ``ready``. Never raises: a worker that fails here is replaced on its next call."""
        snap = ws.snapshot
        tree = str(snap.tree)
        request = (WARM, {}, str(ws.root), tree, snap.repo, snap.commit, frozenset(), None)
        deadline = time.monotonic() + timeout
        workers = []
        try:  # hold all of them at once, so that each one loads it (not one idle worker twice)
            for _ in range(self.size):
                workers.append(self._take(deadline))
        except (TimeoutError, PoolUnavailable):
            pass
        done: list[bool] = []

        def one(worker: _Worker) -> None:
            try:
                self._call(worker, request, WARM, deadline)
                done.append(True)
            except (ToolError, WorkerFailed):
                pass

        threads = [threading.Thread(target=one, args=(w,), daemon=True) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with self._cond:
            self._warming.discard(tree)
            if len(done) == self.size:
                self._ready[tree] = None
                while len(self._ready) > keep_snapshots():  # the workers drop their oldest too
                    self._ready.pop(next(iter(self._ready)))
        return len(done)

    def _request(self, request: tuple, name: str, deadline: float | None,
                 priority: float = 0.0) -> tuple[object, float]:
        """``request`` answered by an idle worker (see ``run``): (the answer, seconds the worker took)."""
        try:
            worker = self._take(deadline, priority)
        except TimeoutError:
            raise ToolError("TIMEOUT", f"{name} timed out waiting for a worker; narrow the request") from None
        start = time.perf_counter()
        out = self._call(worker, request, name, deadline)
        return out, time.perf_counter() - start

    def _call(self, worker: _Worker, request: tuple, name: str, deadline: float | None):
        """``request`` answered by ``worker``, which is given back after, or killed when it died or
        did not answer by ``deadline``."""
        try:
            reply = worker.call(request, deadline)
        except TimeoutError:
            worker.kill()
            self._lost()
            raise ToolError("TIMEOUT", f"{name} timed out; its worker process was stopped. Narrow the "
                            "request") from None
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            worker.kill()
            self._lost()
            raise WorkerFailed("WorkerDied", f"the worker process running {name} died ({exc!r})") from None
        self._give(worker)
        if reply[0] == "ok":
            return reply[1]
        if reply[0] == "tool_error":
            raise ToolError(reply[1], reply[2])
        raise WorkerFailed(reply[1], reply[2])

    def close(self) -> None:
        """Stop the idle workers now and the busy ones when their call ends (or at their deadline)."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._started -= len(idle)
        for w in idle:
            w.kill()


_pool: ReadPool | None = None
_pool_lock = threading.Lock()


def shared_pool() -> ReadPool | None:
    """The process-wide pool, or None when ``pool_size()`` is below 2 (no parallelism to gain)."""
    global _pool
    size = pool_size()
    if size < 2:
        return None
    with _pool_lock:
        if _pool is None or _pool.size != size:
            old, _pool = _pool, ReadPool(size)
            if old is not None:
                old.close()
        return _pool


def close_shared_pool() -> None:
    """Stop the process-wide pool's idle workers and forget it (the next pooled turn starts a new one).
    Called at exit; tests call it to start from no workers."""
    global _pool
    with _pool_lock:
        old, _pool = _pool, None
    if old is not None:
        old.close()


atexit.register(close_shared_pool)
