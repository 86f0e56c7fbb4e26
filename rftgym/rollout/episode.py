"""One episode: reset the env on a task, let the policy act until the episode ends, keep the trajectory.

``run_episode`` is the blocking loop (one episode per thread); ``arun_episode`` the same loop as a
coroutine, for runners that keep many episodes in flight on one event loop while the policy waits
on a model. Both give the same trajectory for the same seed.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import hashlib
import marshal
import os
import queue
import threading
import time
import traceback
import weakref
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any, Callable

import numpy as np

from rftgym.env import ToolEnv
from rftgym.policies import Policy, PolicyFatalError
from rftgym.sandbox import SandboxError
from rftgym.types import InfraError, Trajectory


# Garbage collection while many episodes are in flight. A thousand envs, conversations and futures
# are tens of thousands of live containers; at CPython's default thresholds (a young collection every
# 700 allocations) the collector ran ~800 times in a 14 s run of 3,000 episodes and took 1.4 s of it
# (1.0 s in full collections that walk every live object). Episodes free their memory by reference
# counting: a young collection every 50,000 allocations and rarer old ones cost 0.3 s in the same
# run. ``RFTGYM_GC=default`` keeps CPython's settings.
_RUN_GC_THRESHOLDS = (50_000, 20, 100)


def tune_collector() -> tuple[int, ...]:
    """Raise the collector's thresholds (see ``_RUN_GC_THRESHOLDS``) unless ``RFTGYM_GC=default``;
    returns the thresholds before."""
    before = gc.get_threshold()
    if os.environ.get("RFTGYM_GC", "").strip().lower() != "default":
        gc.set_threshold(*(max(a, b) for a, b in zip(_RUN_GC_THRESHOLDS, before)))
    return before


@contextlib.contextmanager
def collector_for_many_episodes():
    """``tune_collector`` for the block, then CPython's thresholds as they were."""
    before = tune_collector()
    try:
        yield
    finally:
        gc.set_threshold(*before)


def episode_seed(run_seed: int, task_id: str, sample: int) -> int:
    """The seed of one episode, from the run seed, task id and sample index; stable across machines."""
    digest = hashlib.sha256(f"{run_seed}/{task_id}/{sample}".encode()).digest()
    return int.from_bytes(digest[:4], "little")


def run_episode(env: ToolEnv, policy: Policy, task_id: str, sample: int, run_seed: int) -> Trajectory:
    """Run one episode to its end. Errors of the policy or the env are recorded on the trajectory,
    except ``PolicyFatalError``: it would fail every episode alike, so it propagates to stop the run.
    A failure of the machinery (``is_infra``: a sandbox that would not start, an ``InfraError`` from
    a tool) also sets ``Trajectory.infra_error``, as does a grade with ``infra`` (see ``ToolEnv``)."""
    seed = episode_seed(run_seed, task_id, sample)
    rng = np.random.default_rng(seed)
    started = time.monotonic()
    policy = policy.bind(task_id, sample)
    reset_done = False
    try:
        obs, info = env.reset(seed=seed, options={"task_id": task_id})
        reset_done = True
        tools = info["tools"]
        terminated = truncated = False
        while not (terminated or truncated):
            action = policy.act(obs, tools, rng)
            obs, _, terminated, truncated, _ = env.step(action)
        traj = env.trajectory
    except PolicyFatalError:
        raise
    except Exception as exc:  # a crashed policy or sandbox costs this episode, not the run
        traj = _failed(env, reset_done, task_id, seed, exc)
    return _stamp(traj, policy, sample, seed, started)


async def arun_episode(env: ToolEnv, policy: Policy, task_id: str, sample: int, run_seed: int,
                       executor: Executor | None = None) -> Trajectory:
    """``run_episode`` as a coroutine: the policy is awaited (``policy.aact``) and the env's blocking
    ``reset``/``step`` run on ``executor`` (default: the loop's), so a policy waiting on a model never
    holds the loop. Same seed, rng draws and actions as ``run_episode``, hence the same trajectory;
    the same error handling (``PolicyFatalError`` propagates). One env serves one episode at a time."""
    loop = asyncio.get_running_loop()
    seed = episode_seed(run_seed, task_id, sample)
    rng = np.random.default_rng(seed)
    started = time.monotonic()
    parent, policy = policy, policy.bind(task_id, sample)
    reset_done = False
    try:
        reset = loop.run_in_executor(executor, functools.partial(env.reset, seed=seed, options={"task_id": task_id}))
        (obs, info), policy, action = await start_overlapped(env, parent, policy, task_id, sample, rng, reset)
        reset_done = True
        tools = info["tools"]
        terminated = truncated = False
        while not (terminated or truncated):
            if action is None:
                action = await policy.aact(obs, tools, rng)
            obs, _, terminated, truncated, _ = await _on_loop_or_thread(
                loop, executor, _step_is_inline(env, action), env.step, action)
            action = None
        traj = env.trajectory
    except PolicyFatalError:
        raise
    except Exception as exc:  # a crashed policy or sandbox costs this episode, not the run
        traj = _failed(env, reset_done, task_id, seed, exc)
    return _stamp(traj, policy, sample, seed, started)


def predicted_start(env: ToolEnv, task_id: str) -> tuple[list[dict], list[dict]] | None:
    """The observation and tool schemas ``env.reset`` will return for ``task_id``, known before the
    sandbox exists: ``[system, user]`` from the env spec and the task, and the env's tools. None when
    they cannot be told beforehand (an env that is not a ``ToolEnv``)."""
    try:
        task = env._by_id[task_id]
        spec = env.env_spec
        prompt = spec.user_template.format(prompt=task.prompt, task=task)
        tools = _tool_schemas.get(env)
        if tools is None:  # an env's tools never change: their schemas are made once per env
            image = getattr(env, "_schemas_image", None)  # what reset decodes its copy from
            tools = _tool_schemas[env] = marshal.loads(image) if image else [t.schema() for t in env.tools]
    except (AttributeError, KeyError, IndexError, ValueError, TypeError):
        return None
    return [{"role": "system", "content": spec.system_prompt}, {"role": "user", "content": prompt}], tools


_tool_schemas: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


async def start_overlapped(env: ToolEnv, parent: Policy, policy: Policy, task_id: str, sample: int,
                           rng: np.random.Generator, reset: "asyncio.Future",
                           after_reset: Callable[[], None] = lambda: None) -> tuple[tuple, Policy, dict | None]:
    """Await ``reset`` (``env.reset`` running on a thread) while the policy's first turn is already
    under way: the first model request goes out while the sandbox is being made, which is what hides
    workspace creation behind the model's latency (issue 16 part 3). ``policy`` is ``parent`` bound
    to this episode; ``after_reset`` is called once the reset is done.

    The first observation does not depend on the sandbox, so it is predicted (``predicted_start``)
    and checked against what ``reset`` returned. Returns ``((obs, info), policy, action)``: ``action``
    is the first turn's answer, or None when the prediction was wrong (then the rng is put back and
    ``policy`` is ``parent`` bound afresh, so that the caller's first ``aact`` is the turn it would have
    been). A reset that fails cancels the first turn and raises; a policy that fails raises once the
    reset is done."""
    predicted = predicted_start(env, task_id)
    if predicted is None:
        started = await reset
        after_reset()
        return started, policy, None
    state = rng.bit_generator.state
    first = asyncio.ensure_future(policy.aact(predicted[0], predicted[1], rng))
    try:
        obs, info = await reset
    except BaseException:
        first.cancel()
        try:
            await first
        except BaseException:  # the reset's error is the one that counts
            pass
        raise
    after_reset()
    action = await first
    if obs == predicted[0] and info.get("tools") == predicted[1]:
        return (obs, info), policy, action
    rng.bit_generator.state = state
    return (obs, info), parent.bind(task_id, sample), None


async def _on_loop_or_thread(loop: asyncio.AbstractEventLoop, executor: Executor | None, inline: bool,
                             fn: Callable, *args: Any) -> Any:
    """``fn(*args)``, a blocking env call: on the loop's own thread when ``inline`` (a step the env
    says is short and bounded, ``ToolEnv.step_is_inline``), else on ``executor``. At a thousand
    episodes in flight a thread's handoff (a future, a wake-up of the loop, the GIL changing hands)
    cost more than such a step: running them here halved the CPU per episode of ``bench_rollout``."""
    if inline:
        return fn(*args)
    return await loop.run_in_executor(executor, fn, *args)


def _step_is_inline(env: ToolEnv, action: Any) -> bool:
    check = getattr(env, "step_is_inline", None)  # an env that is not a ToolEnv steps on a thread
    return bool(check(action)) if check is not None else False


def _release_is_inline(env: ToolEnv) -> bool:
    """Handing back a shared workspace no command ran in is a count decrement (nothing to reset)."""
    return bool(getattr(getattr(env, "workspace", None), "shared", False))


def _failed(env: ToolEnv, reset_done: bool, task_id: str, seed: int, exc: Exception) -> Trajectory:
    # Before a successful reset, env.trajectory is the previous episode's (already returned) record.
    traj = env.trajectory if reset_done and env.trajectory is not None else Trajectory(
        task_id=task_id, env_id=env.env_spec.env_id, seed=seed)
    traj.error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}"
    if is_infra(exc) and traj.infra_error is None:
        traj.infra_error = f"{type(exc).__name__}: {exc}"
    return traj


def is_infra(exc: BaseException) -> bool:
    """Whether ``exc`` is a failure of the machinery rather than of the policy or the agent:
    ``InfraError`` (a tool server that kept failing, a grader's dead sandbox) or ``SandboxError``
    (a sandbox or container that would not start or went away)."""
    return isinstance(exc, (InfraError, SandboxError))


def _stamp(traj: Trajectory, policy: Policy, sample: int, seed: int, started: float) -> Trajectory:
    traj.sample, traj.seed, traj.policy = sample, seed, policy.spec
    traj.usage = dict(policy.usage())
    traj.wall_s = time.monotonic() - started
    return traj


# -- per-rollout deadlines -------------------------------------------------------------------------
# One deadline covers a whole rollout: the sandbox's creation (reset), every turn (policy and tools),
# grading, and handing the workspace back. Python cannot stop a thread, so a rollout past its deadline
# is *abandoned*: its result is an infra failure now, its env is never used again, and whatever call
# still runs on that env (a hung grader, a policy stuck in a blocking read) closes the env when it
# returns. The runner goes on with a fresh env.


class RolloutDeadlineExceeded(InfraError):
    """A rollout ran past its deadline (``rollout(..., deadline_s=)``, ``--rollout-deadline``)."""


def default_deadline(max_seconds: float) -> float:
    """The deadline a rollout gets when none is set: twice the env's own time budget (``max_seconds``,
    which the env checks between turns, so a turn that starts in time may end late) plus 300 s for
    the sandbox, grading and teardown. With the built-in envs' 600 s budget: 1,500 s."""
    return 2.0 * float(max_seconds) + 300.0


class _Guard:
    """What a deadline needs to know about a running episode: its phase (for the error message),
    whether a blocking env call runs on a thread now, and whether the episode was abandoned.

    ``call`` runs a blocking env call (on whatever thread calls it); once the episode is abandoned no
    new call starts (``_Abandoned``), and the call that was running closes the env when it returns."""

    def __init__(self, env: ToolEnv) -> None:
        self.env = env
        self.phase = "starting"
        self.turn = 0
        self._lock = threading.Lock()
        self._busy = False
        self._abandoned = False

    def call(self, fn, *args, **kwargs):
        with self._lock:
            if self._abandoned:
                raise _Abandoned()
            self._busy = True
        try:
            return fn(*args, **kwargs)
        finally:
            with self._lock:
                self._busy = False
                close = self._abandoned
            if close:
                _close_quietly(self.env)

    def abandon(self) -> bool:
        """Mark the episode abandoned. True when no env call runs now (the env is free to reuse:
        nothing will touch it again); False when one does (it closes the env when it returns)."""
        with self._lock:
            self._abandoned = True
            return not self._busy

    def message(self, deadline_s: float) -> str:
        return (f"RolloutDeadlineExceeded: the rollout ran past its deadline of {deadline_s:g} s (sandbox "
                f"creation, every turn, grading and teardown together) and was stopped while {self.phase}; "
                "raise it with --rollout-deadline (rollout(deadline_s=...)) if episodes this long are expected")


class _Abandoned(Exception):
    """Raised in an abandoned episode's thread to stop it at its next env call."""


def _close_quietly(env: ToolEnv) -> None:
    try:
        env.close()
    except Exception:  # an abandoned env's workspace may be half torn down; the sandbox reaps it
        pass


def _release(env: ToolEnv) -> None:
    """Hand the episode's workspace back to the sandbox pool now, inside the deadline, rather than at
    the next reset (``ToolEnv._give_back``: reset it, or close it if a timed-out call still holds it)."""
    if getattr(env, "workspace", None) is not None and getattr(env, "_sandbox", None) is not None:
        env._give_back()


def _timed_out(env: ToolEnv, task_id: str, seed: int, guard: _Guard, deadline_s: float) -> Trajectory:
    message = guard.message(deadline_s)
    return Trajectory(task_id=task_id, env_id=env.env_spec.env_id, seed=seed, error=message, infra_error=message)


def _play(env: ToolEnv, policy: Policy, task_id: str, seed: int, rng, guard: _Guard) -> Trajectory:
    """The blocking episode loop of ``run_episode``, each env call through ``guard``, the workspace
    handed back at the end."""
    reset_done = False
    try:
        guard.phase = "creating the sandbox (reset)"
        obs, info = guard.call(env.reset, seed=seed, options={"task_id": task_id})
        reset_done = True
        tools = info["tools"]
        terminated = truncated = False
        while not (terminated or truncated):
            guard.turn += 1
            guard.phase = f"waiting on the policy (turn {guard.turn})"
            action = policy.act(obs, tools, rng)
            guard.phase = f"running the tools of turn {guard.turn} (or grading)"
            obs, _, terminated, truncated, _ = guard.call(env.step, action)
        traj = env.trajectory
    except (PolicyFatalError, _Abandoned):
        raise
    except Exception as exc:
        traj = _failed(env, reset_done, task_id, seed, exc)
    guard.phase = "handing the workspace back (teardown)"
    try:
        guard.call(_release, env)
    except _Abandoned:
        raise
    except Exception as exc:  # the episode is over and graded; a failed reset of its workspace is infra
        if traj.infra_error is None:
            traj.infra_error = f"teardown failed: {type(exc).__name__}: {exc}"
    return traj


def run_episode_within(env: ToolEnv, policy: Policy, task_id: str, sample: int, run_seed: int,
                       deadline_s: float) -> tuple[Trajectory, bool]:
    """``run_episode`` under a deadline of ``deadline_s`` seconds (reset, turns, grading, teardown).

    Returns ``(trajectory, env_usable)``. Past the deadline the trajectory carries ``error`` and
    ``infra_error`` (``RolloutDeadlineExceeded: ... stopped while <phase>``) and ``env_usable`` is
    False: the episode goes on in a daemon thread until its current call returns, then closes the env;
    the caller takes a fresh env. ``PolicyFatalError`` propagates as in ``run_episode``."""
    seed = episode_seed(run_seed, task_id, sample)
    rng = np.random.default_rng(seed)
    started = time.monotonic()
    bound = policy.bind(task_id, sample)
    guard = _Guard(env)
    box: dict[str, object] = {}

    def body() -> None:
        try:
            box["traj"] = _play(env, bound, task_id, seed, rng, guard)
        except _Abandoned:
            pass
        except BaseException as exc:  # PolicyFatalError (or worse): re-raised on the caller's thread
            box["exc"] = exc
        finally:
            if guard._abandoned:  # nobody waits for this episode any more: its env goes with it
                _close_quietly(env)

    thread = threading.Thread(target=body, name=f"rftgym-episode-{task_id}-{sample}", daemon=True)
    thread.start()
    thread.join(deadline_s)
    if thread.is_alive():
        guard.abandon()
        return _stamp(_timed_out(env, task_id, seed, guard, deadline_s), bound, sample, seed, started), False
    if "exc" in box:
        raise box["exc"]  # type: ignore[misc]
    return _stamp(box["traj"], bound, sample, seed, started), True  # type: ignore[arg-type]


async def arun_episode_within(env: ToolEnv, policy: Policy, task_id: str, sample: int, run_seed: int,
                              deadline_s: float, executor: Executor | None = None) -> tuple[Trajectory, bool]:
    """``arun_episode`` under a deadline of ``deadline_s`` seconds; returns ``(trajectory, env_usable)``
    as ``run_episode_within`` does. Past the deadline the episode's coroutine is cancelled (a policy
    awaiting a model stops at once); an env call still running on ``executor`` closes the env when it
    returns, and ``env_usable`` is False. Use an executor whose threads do not hold the process at exit
    (``DaemonExecutor``) where an env call may hang for good."""
    loop = asyncio.get_running_loop()
    seed = episode_seed(run_seed, task_id, sample)
    rng = np.random.default_rng(seed)
    started = time.monotonic()
    used = [policy.bind(task_id, sample)]  # the episode's bound policy (bound afresh if the start was mispredicted)
    guard = _Guard(env)

    async def body() -> Trajectory:
        reset_done = False
        try:
            guard.phase = "creating the sandbox (reset) while the policy's first turn runs"
            reset = loop.run_in_executor(executor, functools.partial(
                guard.call, env.reset, seed=seed, options={"task_id": task_id}))

            def waiting() -> None:
                guard.phase = "waiting on the policy (turn 1)"

            (obs, info), used[0], action = await start_overlapped(env, policy, used[0], task_id, sample, rng, reset,
                                                                  after_reset=waiting)
            reset_done = True
            tools = info["tools"]
            terminated = truncated = False
            while not (terminated or truncated):
                guard.turn += 1
                guard.phase = f"waiting on the policy (turn {guard.turn})"
                if action is None:
                    action = await used[0].aact(obs, tools, rng)
                guard.phase = f"running the tools of turn {guard.turn} (or grading)"
                obs, _, terminated, truncated, _ = await _on_loop_or_thread(
                    loop, executor, _step_is_inline(env, action), guard.call, env.step, action)
                action = None
            traj = env.trajectory
        except PolicyFatalError:
            raise
        except Exception as exc:
            traj = _failed(env, reset_done, task_id, seed, exc)
        guard.phase = "handing the workspace back (teardown)"
        try:
            await _on_loop_or_thread(loop, executor, _release_is_inline(env), guard.call, _release, env)
        except Exception as exc:
            if traj.infra_error is None:
                traj.infra_error = f"teardown failed: {type(exc).__name__}: {exc}"
        return traj

    try:
        traj = await asyncio.wait_for(body(), deadline_s)
    except asyncio.TimeoutError:
        usable = guard.abandon()
        return _stamp(_timed_out(env, task_id, seed, guard, deadline_s), used[0], sample, seed, started), usable
    return _stamp(traj, used[0], sample, seed, started), True


class DaemonExecutor(ThreadPoolExecutor):
    """A thread pool whose threads are daemons: a call that never returns (a hung grader an episode's
    deadline gave up on) holds one thread, never the process's exit, as ``ThreadPoolExecutor``'s would.
    Threads start on demand up to ``max_workers`` and stay for the executor's life. A subclass only so
    that asyncio takes it as a loop's default executor; none of the parent's machinery is used.

    ``leave_behind``: set it once a call was abandoned; from then on ``shutdown`` never waits (asyncio
    itself calls ``shutdown(wait=True)`` on a loop's default executor when ``asyncio.run`` ends)."""

    def __init__(self, max_workers: int, thread_name_prefix: str = "rftgym-step") -> None:  # noqa: super-init
        self.leave_behind = False
        self._max = max(1, max_workers)
        self._prefix = thread_name_prefix
        self._work: queue.SimpleQueue = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._lock = threading.Lock()
        self._shutdown = False

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot submit to an executor that was shut down")
            self._work.put((future, fn, args, kwargs))
            if self._idle == 0 and len(self._threads) < self._max:
                t = threading.Thread(target=self._serve, name=f"{self._prefix}-{len(self._threads)}", daemon=True)
                self._threads.append(t)
                t.start()
            elif self._idle:
                self._idle -= 1  # that idle thread takes this call
        return future

    def _serve(self) -> None:
        while True:
            item = self._work.get()
            if item is None:
                return
            future, fn, args, kwargs = item
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args, **kwargs))
                except BaseException as exc:
                    future.set_exception(exc)
            with self._lock:
                self._idle += 1

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop taking work; with ``wait`` (and no ``leave_behind``), wait ``wait`` seconds at most (a
        number) or for every thread (True) to finish what it runs. Threads not waited for are daemons."""
        with self._lock:
            if self._shutdown:
                return
            self._shutdown = True
            threads = list(self._threads)
        for _ in threads:
            self._work.put(None)
        if wait and not self.leave_behind:
            limit = None if wait is True else float(wait)
            end = None if limit is None else time.monotonic() + limit
            for t in threads:
                t.join(None if end is None else max(0.0, end - time.monotonic()))
