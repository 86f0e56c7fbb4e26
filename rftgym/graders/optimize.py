"""EquivalenceSpeedup: the Optimize reward, hidden randomised equivalence checks times the speedup.

A task names ``module`` and ``function`` and carries a ``generator``: Python source defining
``make_input(rng, size) -> list`` (the positional arguments; ``rng`` is a ``random.Random``), plus
``checks`` (how many inputs, default 30), ``check_size``, ``bench_size``, ``rounds`` (default 3),
``target_speedup`` and ``seed``. None of it is in the workspace.

``grade(task, trajectory, workspace)``:

1. draws the inputs from ``random.Random(f"{seed}/{trajectory.seed}")``: every episode meets fresh
   inputs, so caching or special-casing examples the agent saw buys nothing, yet a replay of the
   episode draws the same ones;
2. starts two child processes (memory and CPU limits, see ``_speed_runner``) **through the sandbox**
   (``Workspace.exec``: the local view or the container, with their network and write limits):
   the **reference**, the function in a fresh workspace of ``task.repo`` at ``task.commit`` opened
   from the episode's sandbox, and the **candidate**, the same function imported from the episode's
   workspace. They never share a process or a workspace, so the candidate cannot patch, call or
   time the reference, and its module-level code cannot write outside its workspace nor touch the
   snapshot the reference comes from;
3. compares results, raised exception types and the arguments' state after each call on the check
   inputs; any difference, an import that fails or exits, or a candidate that runs far past the
   reference's time scores the floor, 0;
4. times ``rounds`` fresh inputs of ``bench_size`` on both, alternating who goes first, with the
   grader's own clock around each round trip (results of the timed calls are compared too); the
   speedup is the median of the per-round time ratios, and the score is
   ``clip(log(speedup / floor) / log(target_speedup / floor), 0, 1)`` with ``floor = noise_floor``
   (1.25; timing noise on a busy machine stays below it): unchanged code, or a copy of the original
   behind a new name, scores 0; reaching the target scores 1.

Components: ``equivalent`` (0/1), ``checks_passed`` (fraction), ``speedup``.
``check_equivalence=False`` skips step 3 and compares nothing: a deliberately broken variant kept
for ``examples/weak_graders`` so that ``rftgym stress`` can show what it lets through.
"""

from __future__ import annotations

import json
import math
import os
import queue
import random
import secrets
import shutil
import threading
import time
from pathlib import Path
from typing import Any

from rftgym.graders import Grader
from rftgym.graders import _speed_runner as codec
from rftgym.types import Grade, Task, Trajectory

RUNNER = Path(__file__).with_name("_speed_runner.py")
_FLOOR = 0.0


class _Child:
    """One runner process inside a workspace's sandbox, spoken to line by line with a timeout on every reply.

    The runner is started with ``ws.exec`` (so it runs where the agent's commands run: the local view
    or the container, with their limits on what it may write) and talks over three FIFOs in a fresh
    hidden folder of the workspace: requests, replies, and a control pipe whose closing makes it exit
    at once. The grader keeps its own clock on the host around each round trip.
    """

    def __init__(self, ws: Any, module: str, function: str, *, memory_mb: int, cpu_s: int,
                 lifetime: float = 900.0) -> None:
        self.ws = ws
        name = f".rftgym-speed-{secrets.token_hex(6)}"
        self.dir = Path(ws.root) / name
        self.dir.mkdir(mode=0o755)
        (self.dir / "runner.py").write_text(RUNNER.read_text(encoding="utf-8"), encoding="utf-8")
        for fifo in ("in", "out", "ctl"):
            os.mkfifo(self.dir / fifo)
            os.chmod(self.dir / fifo, 0o666)  # the container's user opens them too
        os.chmod(self.dir, 0o755)
        self._lines: queue.Queue = queue.Queue()
        self._ended = threading.Event()
        self.result: Any = None
        python = getattr(ws, "python", None) or "python3"
        argv = [python, "-I", f"{name}/runner.py", f"{name}/in", f"{name}/out", f"{name}/ctl"]
        env = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}
        threading.Thread(target=self._run, args=(argv, env, lifetime), daemon=True).start()
        threading.Thread(target=self._pump, daemon=True).start()
        self._in = self._open_writer(self.dir / "in")
        self._ctl = self._open_writer(self.dir / "ctl") if self._in is not None else None
        if self._in is not None:
            self.send({"path": ".", "module": module, "function": function, "memory_mb": memory_mb,
                       "cpu_s": cpu_s})

    def _run(self, argv: list[str], env: dict[str, str], lifetime: float) -> None:
        try:
            self.result = self.ws.exec(argv, timeout=lifetime, env=env, max_output=20_000)
        except Exception as exc:  # a sandbox that failed: the caller sees the child gone
            self.result = exc
        finally:
            self._ended.set()
            self._lines.put(None)

    def _open_writer(self, path: Path, wait: float = 60.0):
        """Our end of a FIFO the runner reads, once it has opened it; None if it ended first."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and not self._ended.is_set():
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # ENXIO: no reader yet
                time.sleep(0.01)
                continue
            os.set_blocking(fd, True)
            return os.fdopen(fd, "w", encoding="utf-8")
        return None

    def _pump(self) -> None:
        try:
            with open(self.dir / "out", encoding="utf-8", errors="replace") as fh:  # waits for the runner
                for line in fh:
                    self._lines.put(line)
        except OSError:
            pass
        self._lines.put(None)

    def send(self, obj: dict[str, Any]) -> None:
        if self._in is None:
            raise BrokenPipeError("the runner did not start")
        self._in.write(json.dumps(obj, allow_nan=True) + "\n")
        self._in.flush()

    def reply(self, timeout: float) -> dict[str, Any] | None:
        """The next JSON reply, or None when the process ended, went silent or answered garbage."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                return None
            if line is None:
                return None
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                return obj

    def ask(self, obj: dict[str, Any], timeout: float) -> tuple[dict[str, Any] | None, float]:
        start = time.perf_counter()
        try:
            self.send(obj)
        except (BrokenPipeError, OSError):
            return None, 0.0
        answer = self.reply(timeout)
        return answer, time.perf_counter() - start

    def infra_problem(self) -> str | None:
        """Why the runner could not be run at all (the sandbox failed), or None."""
        if isinstance(self.result, Exception):
            return f"the sandbox could not run the grader's runner: {type(self.result).__name__}: {self.result}"
        return None

    def close(self) -> None:
        for fh in (self._ctl, self._in):  # closing ctl makes the runner exit at once
            try:
                if fh is not None:
                    fh.close()
            except OSError:
                pass
        if not self._ended.wait(10):  # the runner ignored ctl: unblock our reader, leave it to exec's timeout
            try:
                os.close(os.open(self.dir / "out", os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)


def make_inputs(task: Task, episode_seed: int) -> tuple[list[Any], list[Any]]:
    """(check inputs, bench inputs) for one episode, encoded for the runners."""
    extra = task.extra
    namespace: dict[str, Any] = {"__name__": "generator"}
    exec(compile(extra["generator"], f"{task.id}:generator", "exec"), namespace)  # task data, not agent code
    make = namespace["make_input"]
    rng = random.Random(f"{extra.get('seed', 0)}/{episode_seed}")
    size = int(extra.get("check_size", 30))
    checks = [make(rng, s) for s in [0, 1, 2] + [rng.randint(0, size) for _ in range(int(extra.get("checks", 30)) - 3)]]
    bench = [make(rng, int(extra["bench_size"])) for _ in range(int(extra.get("rounds", 3)))]
    return [codec.encode(list(a)) for a in checks], [codec.encode(list(a)) for a in bench]


class EquivalenceSpeedup(Grader):
    """Hidden equivalence checks times measured speedup; see the module docstring."""

    name = "equivalence_speedup"
    replays_exactly = False  # the speedup is timed on the machine that grades
    exact_components = ("equivalent", "checks_passed")  # the hidden checks are seeded by the episode

    def __init__(self, check_equivalence: bool = True, memory_mb: int = 1024, slowdown_limit: float = 20.0,
                 noise_floor: float = 1.25) -> None:
        self.check_equivalence = bool(check_equivalence)
        self.noise_floor = float(noise_floor)
        self.memory_mb = int(memory_mb)
        self.slowdown_limit = float(slowdown_limit)

    def config(self) -> dict[str, Any]:
        return {"type": self.name, "check_equivalence": self.check_equivalence, "memory_mb": self.memory_mb,
                "slowdown_limit": self.slowdown_limit, "noise_floor": self.noise_floor}

    def grade(self, task: Task, trajectory: Trajectory, workspace: Any) -> Grade:
        missing = [k for k in ("module", "function", "generator", "bench_size") if k not in task.extra]
        if missing:
            return Grade(_FLOOR, {}, f"task {task.id} lacks {', '.join(missing)}; Optimize tasks need module, "
                                     "function, generator and bench_size")
        root = getattr(workspace, "root", None)
        if root is None or not Path(root).is_dir() or not hasattr(workspace, "exec"):
            return Grade(_FLOOR, {}, "Optimize grading needs a sandbox workspace with a host-side root")
        checks, bench = make_inputs(task, trajectory.seed if trajectory else 0)
        module, function = task.extra["module"], task.extra["function"]
        # The reference runs in a fresh workspace of the pristine commit from the same sandbox, the
        # candidate in the episode's workspace: both where agent code runs (the view or a container),
        # under the same interpreter, and never in one process or beside the sandbox.
        sandbox, owned = getattr(workspace, "sandbox", None), False
        if sandbox is None:
            from rftgym.sandbox.local import LocalSandbox

            sandbox, owned = LocalSandbox(pool_size=0), True
        pristine = sandbox.open(task.repo, task.commit, image=task.image or getattr(workspace, "image", None))
        ref = cand = None
        try:
            ref = _Child(pristine, module, function, memory_mb=self.memory_mb, cpu_s=120)
            cand = _Child(workspace, module, function, memory_mb=self.memory_mb, cpu_s=120)
            grade = self._grade(ref, cand, checks, bench, float(task.extra.get("target_speedup", 4.0)))
        finally:
            for child in (cand, ref):
                if child is not None:
                    child.close()
            sandbox.release(pristine)
            if owned:
                sandbox.close()
        problem = ref.infra_problem() or cand.infra_problem()
        if problem and grade.score == _FLOOR:  # the machinery failed, not the candidate
            return Grade(_FLOOR, grade.components, problem, infra=True)
        return grade

    def _grade(self, ref: _Child, cand: _Child, checks: list, bench: list, target: float) -> Grade:
        # The reference is the pristine code: when it fails, the machinery did (an ``infra`` grade).
        comps = {"equivalent": 0.0, "checks_passed": 0.0, "speedup": 0.0}
        ready = ref.reply(60)
        if not ready or not ready.get("ready"):
            return Grade(_FLOOR, comps, f"the reference did not load: {(ready or {}).get('error', 'no reply')}", infra=True)
        ready = cand.reply(60)
        if not ready or not ready.get("ready"):
            return Grade(_FLOOR, comps, f"the candidate did not load: {(ready or {}).get('error', 'no reply')}")
        if self.check_equivalence:
            expected, ref_s = ref.ask({"op": "check", "inputs": checks}, 120)
            if not expected:
                return Grade(_FLOOR, comps, "the reference failed on the check inputs", infra=True)
            got, _ = cand.ask({"op": "check", "inputs": checks}, self.slowdown_limit * ref_s + 5)
            if not got or not isinstance(got.get("results"), list) or len(got["results"]) != len(checks):
                return Grade(_FLOOR, comps, "the candidate crashed, exited or timed out on the check inputs")
            ok = [codec.same(e, g) for e, g in zip(expected["results"], got["results"])]
            comps["checks_passed"] = sum(ok) / len(ok)
            if not all(ok):
                first = ok.index(False)
                return Grade(_FLOOR, comps, f"behaviour differs from the original on {len(ok) - sum(ok)} of "
                                            f"{len(ok)} hidden inputs (first: input {first})")
        ratios = []
        for k, args in enumerate(bench):
            # Alternate who goes first and compare within a round: drifts in machine load cancel out.
            order = (ref, cand) if k % 2 == 0 else (cand, ref)
            timed: dict[int, tuple[dict[str, Any] | None, float]] = {}
            for child in order:
                limit = 120 if child is ref else self.slowdown_limit * timed.get(id(ref), (None, 6.0))[1] + 2
                timed[id(child)] = child.ask({"op": "run", "args": args}, limit)
            (want, t_ref), (got, t_cand) = timed[id(ref)], timed[id(cand)]
            if not want:
                return Grade(_FLOOR, comps, "the reference failed on a timing input", infra=True)
            if not got:
                return Grade(_FLOOR, comps, "the candidate crashed, exited or ran far too long on a timing input")
            if self.check_equivalence and not codec.same(want, got):
                return Grade(_FLOOR, comps, "behaviour differs from the original on a large hidden input")
            ratios.append(t_ref / max(t_cand, 1e-6))
        comps["equivalent"] = 1.0 if self.check_equivalence else 0.0
        speedup = _median(ratios)
        comps["speedup"] = speedup
        floor = min(self.noise_floor, target ** 0.5)
        score = min(1.0, max(0.0, math.log(speedup / floor) / math.log(target / floor))) if speedup > floor else 0.0
        return Grade(score, comps)


def _median(xs: list[float]) -> float:
    s = sorted(xs)
    return s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2
