"""EquivalenceSpeedup: the Optimize reward, hidden randomised equivalence checks times the speedup.

A task names ``module`` and ``function`` and carries a ``generator``: Python source defining
``make_input(rng, size) -> list`` (the positional arguments; ``rng`` is a ``random.Random``), plus
``checks`` (how many inputs, default 30), ``check_size``, ``bench_size``, ``rounds`` (default 3),
``target_speedup`` and ``seed``. None of it is in the workspace.

``grade(task, trajectory, workspace)``:

1. draws the inputs from ``random.Random(f"{seed}/{trajectory.seed}")``: every episode meets fresh
   inputs, so caching or special-casing examples the agent saw buys nothing, yet a replay of the
   episode draws the same ones;
2. starts two isolated child processes (no network, memory and CPU limits, see ``_speed_runner``):
   the **reference**, the function of the pristine snapshot of ``task.repo`` at ``task.commit``,
   outside the workspace, and the **candidate**, the same function imported from the workspace.
   They never share a process, so the candidate cannot patch, call or time the reference;
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
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from rftgym.graders import Grader
from rftgym.graders import _speed_runner as codec
from rftgym.sandbox.local import _no_network_prefix as no_network_prefix  # shared with sandbox commands
from rftgym.types import Grade, Task, Trajectory

RUNNER = Path(__file__).with_name("_speed_runner.py")
_FLOOR = 0.0


class _Child:
    """One runner process, spoken to line by line with a timeout on every reply."""

    def __init__(self, path: str, module: str, function: str, *, memory_mb: int, cpu_s: int) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="rftgym-speed-")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self._tmp.name, "TMPDIR": self._tmp.name,
               "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}
        self.proc = subprocess.Popen([*no_network_prefix(), sys.executable, "-I", str(RUNNER)], cwd=self._tmp.name,
                                     env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, start_new_session=True, text=True, bufsize=1)
        self._lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        self.send({"path": path, "module": module, "function": function, "memory_mb": memory_mb, "cpu_s": cpu_s})

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def send(self, obj: dict[str, Any]) -> None:
        self.proc.stdin.write(json.dumps(obj, allow_nan=True) + "\n")
        self.proc.stdin.flush()

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

    def close(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        self._tmp.cleanup()


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
        if root is None or not Path(root).is_dir():
            return Grade(_FLOOR, {}, "Optimize grading needs a workspace with a host-side root")
        from rftgym.sandbox.repos import snapshot

        pristine = snapshot(task.repo, task.commit).tree
        checks, bench = make_inputs(task, trajectory.seed if trajectory else 0)
        module, function = task.extra["module"], task.extra["function"]
        cpu = 120
        ref = _Child(str(pristine), module, function, memory_mb=self.memory_mb, cpu_s=cpu)
        cand = _Child(str(root), module, function, memory_mb=self.memory_mb, cpu_s=cpu)
        try:
            return self._grade(ref, cand, checks, bench, float(task.extra.get("target_speedup", 4.0)))
        finally:
            ref.close()
            cand.close()

    def _grade(self, ref: _Child, cand: _Child, checks: list, bench: list, target: float) -> Grade:
        comps = {"equivalent": 0.0, "checks_passed": 0.0, "speedup": 0.0}
        ready = ref.reply(60)
        if not ready or not ready.get("ready"):
            return Grade(_FLOOR, comps, f"the reference did not load: {(ready or {}).get('error', 'no reply')}")
        ready = cand.reply(60)
        if not ready or not ready.get("ready"):
            return Grade(_FLOOR, comps, f"the candidate did not load: {(ready or {}).get('error', 'no reply')}")
        if self.check_equivalence:
            expected, ref_s = ref.ask({"op": "check", "inputs": checks}, 120)
            if not expected:
                return Grade(_FLOOR, comps, "the reference failed on the check inputs")
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
                return Grade(_FLOOR, comps, "the reference failed on a timing input")
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
