"""Turns a WorkflowSpec into an executable DAG."""

import json

from taskflow.dsl.parser import parse_workflow
from taskflow.dsl.spec import spec_from_dict
from taskflow.dsl.template import render_args
from taskflow.errors import UnknownTaskError
from taskflow.execution.retry import ExponentialBackoff, FixedDelay, LinearBackoff, NoRetry
from taskflow.graph.cycles import assert_acyclic
from taskflow.graph.dag import DAG


def retry_policy_for(task):
    """Retry policy implied by a task's ``retries``/``retry_delay``/``backoff``."""
    if task.retries == 0:
        return NoRetry()
    attempts = task.retries + 1
    if task.backoff == "exponential":
        base = task.retry_delay or 1.0
        return ExponentialBackoff(base=base, max_attempts=attempts)
    if task.backoff == "linear":
        return LinearBackoff(task.retry_delay, task.retry_delay, max_attempts=attempts)
    return FixedDelay(task.retry_delay, max_attempts=attempts)


def build_dag(spec, registry=None, params=None, strict=False):
    """Create a DAG whose task attributes the WorkflowRunner understands.

    ``registry`` maps task names to callables.  With ``strict`` every task
    must have a callable.  ``params`` override the workflow's defaults.
    """
    registry = registry or {}
    merged = dict(spec.params)
    merged.update(params or {})
    dag = DAG(spec.name)
    for task in spec.tasks:
        fn = registry.get(task.name)
        if fn is None and strict:
            raise UnknownTaskError(f"no callable registered for task {task.name!r}")
        dag.add_task(
            task.name,
            fn=fn,
            retry=retry_policy_for(task),
            timeout=task.timeout,
            priority=task.priority,
            trigger_rule=task.trigger,
            cacheable=task.cacheable,
            duration=task.duration,
            args=render_args(task.args, merged),
        )
    for task in spec.tasks:
        for dep in task.after:
            dag.add_dependency(task.name, dep)
    assert_acyclic(dag)
    return dag


def load_spec(text):
    """Parse either a JSON workflow definition or the DSL."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return spec_from_dict(json.loads(stripped))
    return parse_workflow(text)
