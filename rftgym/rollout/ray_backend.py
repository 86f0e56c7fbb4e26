"""Rollouts on Ray: actors hold the envs and run many episodes at once; the driver schedules and records.

``run_ray`` is what ``rollout(..., backend="ray")`` calls. Its contract:

- ``workers`` actors (``RolloutActor``), each with its own sandbox pool and one env per episode slot;
  ``concurrency`` slots in all (default: one per actor), shared out evenly. An actor runs its episodes
  on its event loop (``arun_episode``): the policy is awaited, env steps run on a thread pool, so an
  I/O-bound policy (a hosted model) keeps hundreds of episodes in flight per process. The driver
  hands an actor the next episodes for all its free slots in one call (``RolloutActor.play``), and
  the finished ones stream back in batches: a Ray call per episode cost more CPU than the episode.
  Each actor also holds a queue of up to one more job per slot, started there as slots free up, so
  a slot never waits on a round trip to the driver between episodes (~0.1 s a round at 1,000 in
  flight). At the run's tail, jobs still queued on one actor while another has idle slots are asked
  back (``RolloutActor.withdraw``) and handed to the idle ones.
- The driver alone appends to the run folder and calls ``on_episode(traj, n, total)``, in completion
  order, so progress bars and resume work exactly as with the thread backend.
- Failure isolation: when an actor dies (its process killed, out of memory, a crashing native tool),
  every episode it had in flight fails with ``RayActorError``. The driver starts a replacement actor
  and queues those episodes again (the ones still queued there too: the driver cannot tell them
  apart), to run on whichever live actor has a free slot, at most ``max_retries`` more times each; an episode that runs out of retries is recorded with
  ``Trajectory.error`` and the run goes on. Each episode restarts from its pristine snapshot and its
  own seed, so a retried episode is the episode it would have been. An episode that comes back with
  ``infra_error`` (a sandbox or grader failure inside the actor) is queued again the same way, sharing
  the same ``max_retries`` count, and kept with its ``infra_error`` when they run out. A ``PolicyFatalError`` ends the
  run, as in the thread backend; any other error raised by the actor machinery itself is a bug or a
  misconfiguration and propagates.
- Deadlines: with ``deadline_s`` each actor runs an episode under it (``arun_episode_within``): past
  it the episode comes back with ``infra_error`` (``RolloutDeadlineExceeded``) and is retried like any
  infra failure; an env a hung call still holds is dropped and closes itself when the call returns.
  An actor whose event loop is itself blocked (a policy that blocks in ``aact``) is not covered.
- Repositories reach every node: a task whose repo is a local path of the driver's machine has its
  snapshot shipped as a git bundle through the object store, checked and unpacked once per node
  that lacks the path (``bundles.py``); built-in repos and URLs resolve on each node by themselves.
- Rate limits hold for the run: when the policy keeps to ``rpm``/``tpm`` (``Policy.rate_limits``),
  the driver starts one ``RateLimiter`` actor and every rollout actor's policy (replacements too)
  books its requests there (``RemoteRateLimiter``), so N actors together keep to the limits.
- Policies and env kwargs travel by value: a spec string (plus ``policy_options``) becomes a policy
  inside each actor; a ``Policy`` object is pickled, so it must be picklable. Tasks go as plain dicts.
- Ray: ``address=None`` starts an embedded local Ray sized to this machine (no dashboard, worker logs
  not forwarded) and shuts it down after the run; ``address="auto"`` or ``"ray://host:10001"``
  connects to an existing cluster, whose nodes need rftgym installed. A Ray already initialised in
  this process is used as it is and left running (how a trainer or a test shares one runtime).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import time
from collections import defaultdict, deque
from typing import Any, Callable

from rftgym.policies import Policy, PolicyFatalError
from rftgym.rollout.episode import DaemonExecutor, arun_episode, arun_episode_within, episode_seed, tune_collector
from rftgym.tasks import LoadedTasks, load_tasks
from rftgym.types import Task, Trajectory

# Most threads an actor gives to blocking env work: steps are short, and GIL-bound beyond a few.
_STEP_THREADS = 32


class RolloutActor:
    """Lives in a Ray worker process: a sandbox pool, a policy, and up to ``slots`` envs.

    ``run(task_id, sample)`` plays one episode and returns its trajectory as a dict (plain data
    crosses the process boundary). The driver never has more than ``slots`` runs in flight here.
    """

    def __init__(self, env_id: str, policy: str | Policy, policy_options: dict[str, Any] | None,
                 tasks: list[dict[str, Any]], env_kwargs: dict[str, Any], slots: int, seed: int,
                 deadline_s: float | None = None, repo_bundles: list[dict[str, Any]] | None = None) -> None:
        import gymnasium as gym
        import ray

        import rftgym.envs  # noqa: F401  (registers the environments in this process)
        from rftgym.policies import make_policy
        from rftgym.rollout import bundles
        from rftgym.sandbox import make_sandbox

        bundles.install(repo_bundles or [], ray.get)  # the driver's local repos, should this node lack them
        tune_collector()  # the actor's process is the run's: for its life (episode.py)

        env_kwargs = dict(env_kwargs)
        kind, options = env_kwargs.pop("sandbox", "local"), dict(env_kwargs.pop("sandbox_options", None) or {})
        if kind == "local":  # each slot keeps its workspace between episodes instead of re-copying it
            options.setdefault("pool_size", slots)
        self._sandbox = make_sandbox(kind, **options)
        self._policy = make_policy(policy, **(policy_options or {}))
        task_list = load_tasks([Task.from_dict(t) for t in tasks], split="all")
        task_list = LoadedTasks.of(task_list)  # each env of the actor takes it as it is
        self._make = lambda: gym.make(env_id, tasks=task_list, split="all", sandbox=self._sandbox,
                                      **env_kwargs).unwrapped
        self._idle: list[Any] = []
        self._envs: list[Any] = []
        self._pool = DaemonExecutor(max_workers=max(1, min(slots, _STEP_THREADS)), thread_name_prefix="rftgym-step")
        self._seed = seed
        self._deadline = deadline_s
        self._hung = 0  # envs left to a call that outlived its rollout's deadline (they close themselves)
        self._loop_set = False
        self._node = ray.get_runtime_context().get_node_id()
        self._free = slots  # episodes this actor may start now; jobs beyond them wait in _queue
        self._queue: deque[tuple[tuple[str, int], asyncio.Future]] = deque()

    async def run(self, task_id: str, sample: int) -> dict[str, Any]:
        if not self._loop_set:  # Policy.aact's default runs act on the loop's executor: make it ours
            asyncio.get_running_loop().set_default_executor(self._pool)
            self._loop_set = True
        if self._idle:
            env = self._idle.pop()
        else:
            env = self._make()
            self._envs.append(env)
        usable = True
        try:
            if self._deadline:
                traj, usable = await arun_episode_within(env, self._policy, task_id, sample, self._seed,
                                                         self._deadline, executor=self._pool)
            else:
                traj = await arun_episode(env, self._policy, task_id, sample, self._seed, executor=self._pool)
        finally:
            if usable:
                self._idle.append(env)
            else:
                self._hung += 1
                self._pool.leave_behind = True  # close() must not wait on the call that hangs
                self._envs.remove(env)
        traj.node = self._node
        return traj.to_json()  # the run folder's line: the driver writes it as it comes

    async def play(self, jobs: list[tuple[str, int]]):
        """Run ``jobs`` (task id, sample) on this actor's slots; a generator (Ray streams what it yields)
        of lists of ``(index in jobs, run-folder line)``, each list every episode done since the last
        one. One call per batch: a call per episode cost this process ~0.6 ms and the driver ~0.35 ms
        of CPU, a batch ~0.15 and ~0.015 ms an episode (1,000 in flight). Jobs beyond the free slots
        wait here, in order, and start as slots free up: the driver keeps a round of them queued, so
        that a finished episode's slot starts its next one without a round trip to the driver.
        ``withdraw`` takes queued jobs back: they come back as ``(index, None)``. An error of an
        episode (``PolicyFatalError``) is raised after the episodes done with it are yielded; the
        batch's other episodes are then cancelled."""
        finished: asyncio.Queue = asyncio.Queue()  # each episode's future as it ends (asyncio.wait on all
        running = {}  # of them at every wake-up would cost O(batch) each time)
        try:
            for i, job in enumerate(jobs):
                fut = running[i] = self._submit(job)
                fut.add_done_callback(lambda f, i=i: finished.put_nowait(i))
                # One at a time: each episode's first model call goes out before the next env is made
                # and reset (500 resets at once on the step threads kept the loop from starting the
                # first turns for ~0.15 s).
                await asyncio.sleep(0)
            while running:
                done = [await finished.get()]
                while not finished.empty():
                    done.append(finished.get_nowait())
                lines, error = [], None
                for i in done:
                    fut = running.pop(i)
                    if fut.exception() is None:
                        lines.append((i, fut.result()))
                    elif error is None:
                        error = fut.exception()
                if lines:
                    yield lines
                if error is not None:
                    raise error
        finally:
            for fut in running.values():
                fut.cancel()

    def _submit(self, job: tuple[str, int]) -> asyncio.Future:
        """A future for ``job``'s run-folder line (None if withdrawn): started now if a slot is free,
        else queued."""
        fut = asyncio.get_running_loop().create_future()
        self._queue.append((job, fut))
        self._start_queued()
        return fut

    def _start_queued(self) -> None:
        while self._free > 0 and self._queue:
            job, fut = self._queue.popleft()
            if fut.done():  # cancelled while it waited (its batch failed)
                continue
            self._free -= 1
            task = asyncio.ensure_future(self.run(*job))
            task.add_done_callback(lambda t, fut=fut: self._ended(t, fut))
            fut.add_done_callback(lambda f, task=task: task.cancel() if f.cancelled() else None)

    def _ended(self, task: asyncio.Task, fut: asyncio.Future) -> None:
        self._free += 1
        if not fut.done():
            if task.cancelled():
                fut.cancel()
            elif task.exception() is not None:
                fut.set_exception(task.exception())
            else:
                fut.set_result(task.result())
        self._start_queued()

    async def withdraw(self, n: int) -> int:
        """Give back up to ``n`` queued jobs, the last queued first (another actor has free slots and
        nothing else to run): each comes back from its ``play`` call as ``(index, None)``. Returns how
        many were withdrawn."""
        taken = 0
        while taken < n and self._queue:
            _, fut = self._queue.pop()
            if not fut.done():
                fut.set_result(None)
                taken += 1
        return taken

    async def pid(self) -> int:
        return os.getpid()

    async def rate_limits(self) -> tuple[float | None, float | None]:
        return self._policy.rate_limits()

    async def use_rate_limiter(self, handle: Any, rpm: float | None, tpm: float | None) -> None:
        from rftgym.policies.ratelimit import RemoteRateLimiter

        self._policy.use_rate_limiter(RemoteRateLimiter(handle, rpm, tpm))

    async def close(self, driver_node: str | None = None) -> list[tuple[str, str]]:
        """Close the envs, sandbox and policy. Ray's raylet kills what a worker leaves running when it
        exits, background removals of the sandbox's workspaces (``clone.remove_later``) included: on
        the driver's node they are handed to the driver (returned as ``(trash, marker)`` pairs, and
        the run's end does not wait for a thousand trees to be deleted); elsewhere they are seen
        through while the actor lives."""
        from rftgym.sandbox import clone

        self._pool.shutdown(wait=True)  # a call hung past its deadline is left behind (leave_behind)
        for env in self._envs:
            env.close()
        if driver_node is not None and driver_node == self._node:
            with clone.hand_over_removals() as handed:
                self._sandbox.close()
        else:
            handed = []
            self._sandbox.close()
        self._policy.close()
        clone.wait_removals(25.0)  # the run's end: nothing else waits on this actor's loop
        return handed


def connect(address: str | None, num_cpus: int) -> bool:
    """Make sure Ray is initialised. True when this call started it (so the caller shuts it down)."""
    try:
        import ray
    except ImportError:
        raise RuntimeError("backend='ray' needs Ray; install it with pip install 'rftgym[ray]', "
                           "or use the thread backend") from None
    if ray.is_initialized():
        return False
    if address:
        try:
            ray.init(address=address, log_to_driver=False)
        except ConnectionError as exc:
            raise RuntimeError(f"no Ray cluster at {address!r} ({exc}); start one (ray start --head), point "
                               "--address at it, or leave --address out for an embedded local Ray") from None
    else:
        # A private runtime for one run: no usage reporting round-trip at startup (it costs a second),
        # and actors at normal priority: they are the work, and Ray's default (nice 15) lets any other
        # process on a shared machine take their CPU. Both settings are the user's to override.
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        os.environ.setdefault("RAY_worker_niceness", "0")
        ray.init(address="local", num_cpus=num_cpus, include_dashboard=False, log_to_driver=False,
                 ignore_reinit_error=True)
    return True


def run_ray(env_id: str, policy: str | Policy, task_list: list[Task], jobs: list[tuple[str, int]], *, seed: int,
            workers: int, env_kwargs: dict[str, Any], store: Any, on_episode: Callable | None, total: int,
            already: int, concurrency: int | None = None, address: str | None = None, max_retries: int = 2,
            policy_options: dict[str, Any] | None = None, deadline_s: float | None = None,
            keep: Callable[[Trajectory], Trajectory] | None = None) -> list[Trajectory]:
    """Run ``jobs`` (``(task_id, sample)`` pairs) on Ray actors; see the module docstring. ``keep``: what
    to keep in memory of each recorded episode (``summary_record`` for a streaming run; None: all)."""
    from rftgym.rollout import bundles, split_slots

    if not jobs:
        return []
    if not isinstance(env_kwargs.get("sandbox", "local"), str):
        raise ValueError("backend='ray' builds a sandbox inside each actor: pass sandbox='local' or 'docker' "
                         "(with sandbox_options), not a Sandbox object")
    n_actors = min(workers, len(jobs))
    slots = split_slots(min(concurrency or n_actors, len(jobs)), n_actors)
    started = connect(address, num_cpus=max(os.cpu_count() or 1, len(slots)))
    import ray
    from ray.exceptions import RayActorError, RayTaskError

    cpus = float(ray.cluster_resources().get("CPU", 1.0))
    remote_cls = ray.remote(RolloutActor)
    args = (env_id, policy, policy_options, ray.put([t.to_dict() for t in task_list]), env_kwargs)
    # Local-path repos as git bundles in the object store, for nodes that lack the path (bundles.py).
    shipped = bundles.pack([(t.repo, t.commit) for t in task_list], ray.put)
    policy_spec = policy if isinstance(policy, str) else policy.spec

    def spawn(n_slots: int) -> Any:
        # A fractional CPU per actor, so that any number of actors fits the cluster; SPREAD puts them
        # on different nodes. Actors wait on a model, not on a CPU: the fraction is a placement hint.
        # Half the fair share, so that replacements still fit after a node (and its CPUs) is lost:
        # a replacement that cannot be placed would hold the episodes given to it forever.
        return remote_cls.options(num_cpus=min(1.0, cpus / len(slots)) / 2, max_concurrency=2 * n_slots + 8,
                                  scheduling_strategy="SPREAD").remote(*args, n_slots, seed, deadline_s,
                                                                       shipped)

    actors: dict[int, Any] = {}
    capacity: dict[int, int] = {}  # an actor's slots; it holds up to twice as many jobs (the rest queued)
    load: dict[int, int] = defaultdict(int)  # jobs an actor holds: running, then queued
    asked: dict[int, int] = defaultdict(int)  # queued jobs asked back from an actor and not yet back
    withdrawing: dict[Any, tuple[int, int]] = {}  # an actor's withdraw call: actor, jobs asked back
    inflight: dict[Any, tuple[list[tuple[str, int]], int, set[int]]] = {}  # generator: jobs, actor, not back
    pending = deque(jobs)
    attempts: dict[tuple[str, int], int] = defaultdict(int)
    results: list[Trajectory] = []
    next_id = [0]
    shared_limit: tuple = ()  # (handle, rpm, tpm) of the run's one rate limiter, when the policy has limits

    def add_actor(n_slots: int) -> int:
        aid = next_id[0]
        next_id[0] += 1
        actors[aid], capacity[aid] = spawn(n_slots), n_slots
        if shared_limit:  # a replacement: it joins the run's limiter before its first episode (calls stay in order)
            actors[aid].use_rate_limiter.remote(*shared_limit)
        return aid

    def fill() -> None:
        """The next jobs go to the actors' free slots first, then to their queues (a round of jobs
        each, started there as slots free up, with no round trip here), in one call per actor
        (``RolloutActor.play``). With nothing left to hand out, queued jobs are asked back from actors
        that have them for actors with idle slots (``steal``)."""
        if not pending:
            steal()
            return
        give = dict.fromkeys(actors, 0)
        for limit in (lambda a: capacity[a], lambda a: 2 * capacity[a]):  # slots, then queues
            for aid in sorted(actors, key=lambda a: load[a] + give[a] - capacity[a]):
                n = min(limit(aid) - load[aid] - give[aid], len(pending) - sum(give.values()))
                give[aid] += max(0, n)
        for aid, n in give.items():
            if n > 0:
                jobs = [pending.popleft() for _ in range(n)]
                inflight[actors[aid].play.remote(jobs)] = (jobs, aid, set(range(n)))
                load[aid] += n

    def steal() -> None:
        """Idle slots while other actors hold queued jobs (the run's tail): ask those jobs back, the
        most queued first, to hand them to the idle slots."""
        idle = sum(max(0, capacity[a] - load[a]) for a in actors)
        for aid in sorted(actors, key=lambda a: capacity[a] + asked[a] - load[a]):
            queued = load[aid] - capacity[aid] - asked[aid]
            n = min(queued, idle)
            if n <= 0:
                break
            withdrawing[actors[aid].withdraw.remote(n)] = (aid, n)
            asked[aid] += n
            idle -= n

    def withdrawn() -> None:
        """Settle the withdraw calls that came back: jobs asked for and no longer queued there (they
        had started) are no longer expected back."""
        done, _ = ray.wait(list(withdrawing), num_returns=len(withdrawing), timeout=0)
        for ref in done:
            aid, n = withdrawing.pop(ref)
            try:
                taken = ray.get(ref)
            except RayActorError:  # the actor died: its jobs are queued again by lost_actor
                taken = n
            if aid in actors:
                asked[aid] -= n - taken

    def lost_actor(aid: int, jobs: list[tuple[str, int]], exc: Exception) -> tuple[list[Trajectory], list[None]]:
        """An actor died with ``jobs`` in flight: replace it (once) and queue them again, or record the
        ones out of retries."""
        if aid in actors:  # first casualty seen from this actor: replace it
            ray.kill(actors.pop(aid))
            asked.pop(aid, None)
            add_actor(capacity.pop(aid))
        given_up: list[Trajectory] = []
        for job in jobs:
            attempts[job] += 1
            if attempts[job] > max_retries:
                given_up.append(_lost(env_id, policy_spec, seed, job, attempts[job], max_retries, exc))
            else:
                pending.appendleft(job)
        return given_up, [None] * len(given_up)

    def record(batch: list[Trajectory], lines: list[str | None] | None = None) -> None:
        if store:  # one fsync for the batch: the driver keeps up with 1,000 slots
            store.append_many(batch, lines)
        for traj in batch:
            results.append(keep(traj) if keep else traj)
            if on_episode:
                on_episode(traj, already + len(results), total)

    thresholds = tune_collector()  # the driver holds a thousand refs in flight too
    try:
        for n in slots:
            add_actor(n)
        try:  # an actor that cannot start (bad env kwargs, rftgym missing on a node) fails here, once
            ray.get([a.pid.remote() for a in actors.values()])
        except RayActorError as exc:
            raise RuntimeError(f"Ray workers could not start: {exc}\nCheck that rftgym is installed on every node "
                               "and that the policy unpickles there: pass a spec string, or a Policy whose class "
                               "is importable on the workers (or defined in your script)") from None
        limits = ray.get(next(iter(actors.values())).rate_limits.remote())
        if any(limits):  # rpm/tpm hold for the run, not per actor: one limiter for all of them
            from rftgym.policies.ratelimit import RateLimiter

            limiter = ray.remote(RateLimiter).options(num_cpus=0).remote(*limits, clock=time.time)  # see ratelimit
            shared_limit = (limiter, *limits)
            ray.get([a.use_rate_limiter.remote(*shared_limit) for a in actors.values()])
        while pending or inflight:
            fill()
            if withdrawing:
                withdrawn()
            ready, _ = ray.wait(list(inflight), num_returns=1, timeout=1.0)
            if not ready:
                continue
            ready, _ = ray.wait(list(inflight), num_returns=len(inflight), timeout=0)
            batch: list[Trajectory] = []
            lines: list[str | None] = []  # each episode's JSON line as its actor sent it (None: made here)
            for gen in ready:
                jobs, aid, left = inflight[gen]
                try:
                    done = ray.get(next(gen))
                except StopIteration:  # every episode of the call came back
                    del inflight[gen]
                    continue
                except RayActorError as exc:
                    del inflight[gen]
                    load[aid] -= len(left)
                    given_up, none = lost_actor(aid, [jobs[i] for i in sorted(left)], exc)
                    batch.extend(given_up)
                    lines.extend(none)
                    continue
                except RayTaskError as exc:
                    record(batch, lines)  # what finished before the failure is kept
                    if isinstance(exc.cause, PolicyFatalError):
                        raise exc.cause from None
                    raise
                load[aid] -= len(done)
                for i, data in done:
                    left.discard(i)
                    job = jobs[i]
                    if data is None:  # a queued job asked back (steal): it goes to an idle slot
                        asked[aid] -= 1
                        pending.appendleft(job)
                        continue
                    traj = Trajectory.from_dict(json.loads(data))
                    if traj.infra_error is not None and attempts[job] < max_retries:
                        attempts[job] += 1  # the machinery failed: run it again, from its snapshot and seed
                        pending.appendleft(job)
                        continue
                    batch.append(traj)
                    lines.append(data)
            fill()  # freed slots get their next episode before the driver waits on the disk
            record(batch, lines)
    finally:
        gc.set_threshold(*thresholds)
        _shutdown(ray, list(actors.values()))
        if shared_limit:
            ray.kill(shared_limit[0])
        if started:
            ray.shutdown()
    return results


def _lost(env_id: str, policy_spec: str, seed: int, job: tuple[str, int], tries: int, max_retries: int,
          exc: Exception) -> Trajectory:
    task_id, sample = job
    first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return Trajectory(task_id=task_id, env_id=env_id, seed=episode_seed(seed, task_id, sample), sample=sample,
                      policy=policy_spec, error=f"WorkerDied: the Ray actor running this episode died {tries} "
                      f"time(s); no retries left (max_retries={max_retries}). Last error: {first_line}")


def _shutdown(ray: Any, actors: list[Any]) -> None:
    """Close the actors' envs and sandboxes (their workspaces are on disk), then end them. Actors on
    this node hand their workspace removals over; this process starts them once the actors are gone."""
    if not actors:
        return
    from rftgym.sandbox import clone

    node = ray.get_runtime_context().get_node_id()
    closing = [a.close.remote(node) for a in actors]
    deadline = time.monotonic() + 30
    try:
        done, _ = ray.wait(closing, num_returns=len(closing), timeout=max(0.0, deadline - time.monotonic()))
    except Exception:  # a dead actor has nothing left to close
        done = []
    handed: list[tuple[str, str]] = []
    for ref in done:
        try:
            handed.extend(ray.get(ref) or [])
        except Exception:  # an actor that died while closing: gc_local reaps what it left
            pass
    for a in actors:
        ray.kill(a)
    for trash, marker in handed:
        clone.remove_later(trash, marker)
