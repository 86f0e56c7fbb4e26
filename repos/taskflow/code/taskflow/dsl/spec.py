"""Workflow specifications produced by the DSL parser or loaded from dicts."""

from taskflow.core.ids import validate_name
from taskflow.errors import InvalidNameError, SpecValidationError
from taskflow.execution.trigger import TRIGGER_RULES
from taskflow.schedule.cron import is_valid
from taskflow.schedule.durations import parse_duration

BACKOFF_KINDS = ("fixed", "linear", "exponential")

TASK_OPTIONS = {
    "retries": int,
    "retry_delay": parse_duration,
    "backoff": str,
    "timeout": parse_duration,
    "priority": int,
    "trigger": str,
    "cacheable": bool,
    "duration": parse_duration,
}


def coerce_option(key, value):
    """Convert a raw task option value to its typed form."""
    if key not in TASK_OPTIONS:
        raise SpecValidationError([f"unknown task option {key!r}"])
    converter = TASK_OPTIONS[key]
    if converter is bool and not isinstance(value, bool):
        raise SpecValidationError([f"option {key!r} must be true or false"])
    if converter is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise SpecValidationError([f"option {key!r} must be an integer"])
    try:
        return converter(value)
    except ValueError as exc:
        raise SpecValidationError([f"option {key!r}: {exc}"]) from None


class TaskSpec:
    def __init__(self, name, after=None, args=None, **options):
        self.name = name
        self.after = list(after or [])
        self.args = dict(args or {})
        self.retries = 0
        self.retry_delay = 0.0
        self.backoff = "fixed"
        self.timeout = None
        self.priority = 0
        self.trigger = "all_success"
        self.cacheable = False
        self.duration = 0.0
        for key, value in options.items():
            setattr(self, key, coerce_option(key, value))

    def to_dict(self):
        data = {"name": self.name}
        if self.after:
            data["after"] = list(self.after)
        if self.args:
            data["args"] = dict(self.args)
        defaults = TaskSpec("_")
        for key in TASK_OPTIONS:
            if getattr(self, key) != getattr(defaults, key):
                data[key] = getattr(self, key)
        return data


class WorkflowSpec:
    def __init__(self, name, schedule=None, params=None, tasks=None):
        self.name = name
        self.schedule = schedule
        self.params = dict(params or {})
        self.tasks = list(tasks or [])

    def task(self, name):
        for task in self.tasks:
            if task.name == name:
                return task
        raise KeyError(name)

    def task_names(self):
        return [task.name for task in self.tasks]

    def problems(self):
        problems = []
        try:
            validate_name(self.name, kind="workflow")
        except InvalidNameError as exc:
            problems.append(str(exc))
        if self.schedule is not None and not is_valid(self.schedule):
            problems.append(f"invalid schedule {self.schedule!r}")
        if not self.tasks:
            problems.append("workflow has no tasks")
        seen = set()
        names = set(self.task_names())
        for task in self.tasks:
            try:
                validate_name(task.name)
            except InvalidNameError as exc:
                problems.append(str(exc))
            if task.name in seen:
                problems.append(f"duplicate task {task.name!r}")
            seen.add(task.name)
            for dep in task.after:
                if dep == task.name:
                    problems.append(f"task {task.name!r} depends on itself")
                elif dep not in names:
                    problems.append(f"task {task.name!r} depends on unknown task {dep!r}")
            if task.retries < 0:
                problems.append(f"task {task.name!r} has negative retries")
            if task.timeout is not None and task.timeout <= 0:
                problems.append(f"task {task.name!r} timeout must be positive")
            if task.trigger not in TRIGGER_RULES:
                problems.append(f"task {task.name!r} has unknown trigger {task.trigger!r}")
            if task.backoff not in BACKOFF_KINDS:
                problems.append(f"task {task.name!r} has unknown backoff {task.backoff!r}")
        return problems

    def validate(self):
        problems = self.problems()
        if problems:
            raise SpecValidationError(problems)
        return self

    def to_dict(self):
        data = {"name": self.name, "tasks": [task.to_dict() for task in self.tasks]}
        if self.schedule is not None:
            data["schedule"] = self.schedule
        if self.params:
            data["params"] = dict(self.params)
        return data


def spec_from_dict(data):
    """Build (and validate) a WorkflowSpec from plain JSON-like data."""
    if not isinstance(data, dict) or "name" not in data:
        raise SpecValidationError(["workflow definition needs a 'name'"])
    tasks = []
    for raw in data.get("tasks", []):
        options = dict(raw)
        name = options.pop("name", None)
        if name is None:
            raise SpecValidationError(["every task needs a 'name'"])
        after = options.pop("after", [])
        if isinstance(after, str):
            after = [after]
        args = options.pop("args", {})
        tasks.append(TaskSpec(name, after=after, args=args, **options))
    spec = WorkflowSpec(data["name"], data.get("schedule"), data.get("params"), tasks)
    return spec.validate()
