"""Executes a workflow DAG task by task on a simulated clock."""

from taskflow.core.events import EventBus
from taskflow.core.states import StateMachine, TaskState
from taskflow.errors import DeadlineExceeded, TaskCancelled
from taskflow.execution.cache import MISS
from taskflow.execution.context import TaskContext
from taskflow.execution.hashing import fingerprint
from taskflow.execution.retry import NoRetry
from taskflow.execution.timeout import CancellationToken, Deadline
from taskflow.execution.trigger import ALL_SUCCESS, RUN, evaluate
from taskflow.graph.toposort import topological_order


class RunResult:
    def __init__(self, run_id, workflow, started_at):
        self.run_id = run_id
        self.workflow = workflow
        self.started_at = started_at
        self.finished_at = None
        self.states = {}
        self.results = {}
        self.errors = {}
        self.attempts = {}
        self.durations = {}
        self.order = []

    @property
    def status(self):
        values = set(self.states.values())
        if values & {TaskState.FAILED, TaskState.TIMED_OUT}:
            return "failed"
        if TaskState.CANCELLED in values:
            return "cancelled"
        return "succeeded"

    @property
    def duration(self):
        if self.finished_at is None:
            return None
        return self.finished_at - self.started_at

    def tasks_in(self, state):
        return [name for name in self.order if self.states[name] is state]


class WorkflowRunner:
    """Runs tasks in topological order.

    Recognised task attributes: ``fn`` (callable taking a TaskContext),
    ``retry`` (RetryPolicy), ``timeout`` (seconds), ``duration`` (simulated
    seconds each attempt takes), ``trigger_rule``, ``args`` and
    ``cacheable``.
    """

    def __init__(self, dag, clock, default_retry=None, cache=None, bus=None,
                 params=None, run_id="run-000001", token=None):
        self.dag = dag
        self.clock = clock
        self.default_retry = default_retry or NoRetry()
        self.cache = cache
        self.bus = bus or EventBus()
        self.params = dict(params or {})
        self.run_id = run_id
        self.token = token or CancellationToken()

    def run(self):
        result = RunResult(self.run_id, self.dag.name, self.clock.now())
        self.bus.emit("workflow_started", run_id=self.run_id, workflow=self.dag.name)
        for name in topological_order(self.dag):
            result.order.append(name)
            self._run_task(name, result)
        result.finished_at = self.clock.now()
        self.bus.emit("workflow_finished", run_id=self.run_id, status=result.status)
        return result

    def _cache_key(self, name, node, upstream):
        return fingerprint(name, (), {"args": node.get("args", {}), "upstream": upstream})

    def _finish(self, name, machine, result, event, **payload):
        result.states[name] = machine.state
        result.attempts[name] = machine.attempts
        result.durations[name] = machine.time_in_state(TaskState.RUNNING)
        self.bus.emit(event, task=name, **payload)

    def _run_task(self, name, result):
        node = self.dag.node(name)
        machine = StateMachine(self.clock)
        deps = self.dag.upstream(name)
        if self.token.cancelled:
            machine.transition(TaskState.CANCELLED)
            return self._finish(name, machine, result, "task_cancelled")
        rule = node.get("trigger_rule", ALL_SUCCESS)
        if evaluate(rule, [result.states[dep] for dep in deps]) != RUN:
            machine.transition(TaskState.SKIPPED)
            return self._finish(name, machine, result, "task_skipped")
        upstream = {dep: result.results.get(dep) for dep in deps}
        key = None
        if self.cache is not None and node.get("cacheable", False):
            key = self._cache_key(name, node, upstream)
            cached = self.cache.get(key)
            if cached is not MISS:
                result.results[name] = cached
                for state in (TaskState.SCHEDULED, TaskState.RUNNING, TaskState.SUCCEEDED):
                    machine.transition(state)
                return self._finish(name, machine, result, "task_cache_hit")
        policy = node.get("retry") or self.default_retry
        while True:
            machine.transition(TaskState.SCHEDULED)
            machine.transition(TaskState.RUNNING)
            self.bus.emit("task_started", task=name, attempt=machine.attempts)
            error = self._attempt(name, node, machine, upstream, result)
            if error is None:
                if key is not None:
                    self.cache.put(key, result.results[name])
                return self._finish(name, machine, result, "task_succeeded")
            if isinstance(error, TaskCancelled):
                machine.transition(TaskState.CANCELLED)
                return self._finish(name, machine, result, "task_cancelled")
            if not policy.should_retry(machine.attempts, error):
                result.errors[name] = error
                return self._finish(name, machine, result, "task_failed", error=error)
            delay = policy.delay(machine.attempts)
            machine.transition(TaskState.RETRYING)
            self.bus.emit("task_retrying", task=name, attempt=machine.attempts, delay=delay)
            self.clock.sleep(delay)

    def _attempt(self, name, node, machine, upstream, result):
        timeout = node.get("timeout")
        deadline = Deadline(self.clock, timeout)
        context = TaskContext(
            name, machine.attempts, self.clock, self.params, upstream,
            token=self.token, deadline=deadline, run_id=self.run_id, args=node.get("args"),
        )
        fn = node.get("fn") or (lambda ctx: None)
        try:
            value = fn(context)
            duration = node.get("duration", 0.0)
            if timeout is not None and context.elapsed() + duration > timeout:
                self.clock.sleep(max(0.0, timeout - context.elapsed()))
                raise DeadlineExceeded(f"{name} timed out after {timeout}s")
            if duration:
                self.clock.sleep(duration)
        except DeadlineExceeded as exc:
            machine.transition(TaskState.TIMED_OUT)
            return exc
        except TaskCancelled as exc:
            return exc
        except Exception as exc:  # noqa: BLE001 - task failures are data
            machine.transition(TaskState.FAILED)
            return exc
        result.results[name] = value
        machine.transition(TaskState.SUCCEEDED)
        return None
