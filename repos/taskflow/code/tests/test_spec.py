import pytest

from taskflow.dsl.spec import TaskSpec, WorkflowSpec, coerce_option, spec_from_dict
from taskflow.errors import SpecValidationError


def test_task_defaults():
    task = TaskSpec("a")
    assert (task.retries, task.retry_delay, task.backoff, task.timeout) == (0, 0.0, "fixed", None)
    assert (task.priority, task.trigger, task.cacheable, task.duration) == (0, "all_success", False, 0.0)


def test_coerce_option_types():
    assert coerce_option("timeout", "5m") == 300
    assert coerce_option("retries", 3) == 3
    assert coerce_option("cacheable", True) is True
    with pytest.raises(SpecValidationError):
        coerce_option("retries", "3")
    with pytest.raises(SpecValidationError):
        coerce_option("retries", True)
    with pytest.raises(SpecValidationError):
        coerce_option("cacheable", "yes")
    with pytest.raises(SpecValidationError):
        coerce_option("colour", 1)
    with pytest.raises(SpecValidationError):
        coerce_option("timeout", "soon")


def test_valid_spec_has_no_problems():
    spec = WorkflowSpec("etl", "0 2 * * *", tasks=[TaskSpec("a"), TaskSpec("b", after=["a"])])
    assert spec.problems() == []
    assert spec.validate() is spec


def test_problems_are_collected():
    spec = WorkflowSpec("bad name", "not cron", tasks=[
        TaskSpec("a", after=["ghost", "a"], retries=-1, trigger="sometimes"),
        TaskSpec("a", backoff="random"),
    ])
    assert spec.problems() == [
        "invalid workflow name: 'bad name'",
        "invalid schedule 'not cron'",
        "task 'a' depends on unknown task 'ghost'",
        "task 'a' depends on itself",
        "task 'a' has negative retries",
        "task 'a' has unknown trigger 'sometimes'",
        "duplicate task 'a'",
        "task 'a' has unknown backoff 'random'",
    ]


def test_empty_workflow_and_bad_timeout():
    assert WorkflowSpec("w").problems() == ["workflow has no tasks"]
    spec = WorkflowSpec("w", tasks=[TaskSpec("a", timeout=0)])
    assert spec.problems() == ["task 'a' timeout must be positive"]


def test_task_lookup():
    spec = WorkflowSpec("w", tasks=[TaskSpec("a"), TaskSpec("b")])
    assert spec.task("b").name == "b"
    assert spec.task_names() == ["a", "b"]
    with pytest.raises(KeyError):
        spec.task("c")


def test_spec_from_dict():
    spec = spec_from_dict({
        "name": "etl",
        "params": {"region": "eu"},
        "tasks": [{"name": "a", "retries": 2, "timeout": "1m"},
                  {"name": "b", "after": "a", "args": {"path": "/tmp"}}],
    })
    assert spec.params == {"region": "eu"}
    assert spec.task("a").timeout == 60
    assert spec.task("b").after == ["a"]
    assert spec.task("b").args == {"path": "/tmp"}


def test_spec_from_dict_errors():
    with pytest.raises(SpecValidationError):
        spec_from_dict({"tasks": []})
    with pytest.raises(SpecValidationError):
        spec_from_dict({"name": "w", "tasks": [{"retries": 1}]})
    with pytest.raises(SpecValidationError):
        spec_from_dict({"name": "w", "tasks": [{"name": "a", "after": ["b"]}]})


def test_to_dict_round_trip_omits_defaults():
    spec = WorkflowSpec("w", "@daily", {"k": 1}, [TaskSpec("a", retries=2),
                                                   TaskSpec("b", after=["a"], args={"x": 1})])
    data = spec.to_dict()
    assert data["tasks"][0] == {"name": "a", "retries": 2}
    assert data["tasks"][1] == {"name": "b", "after": ["a"], "args": {"x": 1}}
    assert spec_from_dict(data).to_dict() == data


def test_small_positive_timeout_is_valid():
    spec = WorkflowSpec("w", tasks=[TaskSpec("a", timeout=0.5)])
    assert spec.problems() == []
