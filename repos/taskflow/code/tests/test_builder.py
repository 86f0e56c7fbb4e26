import pytest

from taskflow.core.clock import SimulatedClock
from taskflow.dsl.builder import build_dag, load_spec, retry_policy_for
from taskflow.dsl.parser import parse_workflow
from taskflow.dsl.spec import TaskSpec, WorkflowSpec
from taskflow.errors import CycleError, UnknownTaskError
from taskflow.execution.retry import ExponentialBackoff, FixedDelay, LinearBackoff, NoRetry
from taskflow.execution.runner import WorkflowRunner


def test_retry_policy_for_kinds():
    assert isinstance(retry_policy_for(TaskSpec("a")), NoRetry)
    fixed = retry_policy_for(TaskSpec("a", retries=2, retry_delay=5))
    assert isinstance(fixed, FixedDelay)
    assert fixed.delays() == [5, 5]
    exp = retry_policy_for(TaskSpec("a", retries=3, backoff="exponential"))
    assert isinstance(exp, ExponentialBackoff)
    assert exp.delays() == [1, 2, 4]
    linear = retry_policy_for(TaskSpec("a", retries=3, retry_delay=2, backoff="linear"))
    assert isinstance(linear, LinearBackoff)
    assert linear.delays() == [2, 4, 6]


def test_exponential_uses_retry_delay_as_base():
    policy = retry_policy_for(TaskSpec("a", retries=2, retry_delay=10, backoff="exponential"))
    assert policy.delays() == [10, 20]


def test_build_dag_attributes_and_edges():
    spec = parse_workflow('''
    workflow w {
      param region = "eu"
      task a { priority = 2 timeout = "10s" duration = 3 }
      task b after a { trigger = "all_done" cacheable = true arg out = "${region}/x" }
    }''')
    dag = build_dag(spec)
    a, b = dag.node("a"), dag.node("b")
    assert (a.get("priority"), a.get("timeout"), a.get("duration")) == (2, 10, 3)
    assert (b.get("trigger_rule"), b.get("cacheable")) == ("all_done", True)
    assert b.get("args") == {"out": "eu/x"}
    assert dag.edges() == [("a", "b")]
    assert dag.name == "w"


def test_param_overrides():
    spec = parse_workflow('workflow w { param region = "eu" task a { arg r = "${region}" } }')
    assert build_dag(spec, params={"region": "us"}).node("a").get("args") == {"r": "us"}


def test_registry_binds_callables_and_strict_mode():
    spec = WorkflowSpec("w", tasks=[TaskSpec("a"), TaskSpec("b")])
    dag = build_dag(spec, {"a": len})
    assert dag.node("a").get("fn") is len
    assert dag.node("b").get("fn") is None
    with pytest.raises(UnknownTaskError):
        build_dag(spec, {"a": len}, strict=True)


def test_cycles_rejected():
    spec = WorkflowSpec("w", tasks=[TaskSpec("a", after=["b"]), TaskSpec("b", after=["a"])])
    with pytest.raises(CycleError):
        build_dag(spec)


def test_load_spec_json_and_dsl():
    assert load_spec('  {"name": "j", "tasks": [{"name": "a"}]}').name == "j"
    assert load_spec("workflow d { task a }").name == "d"


def test_end_to_end_run():
    spec = parse_workflow('''
    workflow etl {
      task extract { retries = 2 }
      task load after extract
    }''')
    dag = build_dag(spec, {"extract": lambda ctx: 42,
                           "load": lambda ctx: ctx.upstream["extract"] + 1})
    result = WorkflowRunner(dag, SimulatedClock()).run()
    assert result.results["load"] == 43


def test_strict_mode_passes_when_all_tasks_registered():
    spec = WorkflowSpec("w", tasks=[TaskSpec("a"), TaskSpec("b")])
    dag = build_dag(spec, {"a": len, "b": str}, strict=True)
    assert dag.node("b").get("fn") is str
