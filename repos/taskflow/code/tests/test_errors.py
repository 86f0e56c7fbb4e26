import pytest

from taskflow import errors
from taskflow.core.states import TaskState


def test_cron_syntax_error_prefixes_field():
    exc = errors.CronSyntaxError("bad value", "hour")
    assert str(exc) == "hour: bad value"
    assert exc.field == "hour"


def test_cron_syntax_error_without_field():
    assert str(errors.CronSyntaxError("oops")) == "oops"


def test_cycle_error_renders_path():
    exc = errors.CycleError(["a", "b", "a"])
    assert str(exc) == "dependency cycle: a -> b -> a"
    assert exc.cycle == ["a", "b", "a"]


def test_invalid_transition_message():
    exc = errors.InvalidTransitionError(TaskState.PENDING, TaskState.SUCCEEDED)
    assert str(exc) == "cannot transition from pending to succeeded"


def test_retry_exhausted_message():
    exc = errors.RetryExhausted("load", 3, ValueError("x"))
    assert str(exc) == "load failed after 3 attempt(s): ValueError('x')"


def test_rate_limit_exceeded_carries_retry_after():
    exc = errors.RateLimitExceeded(1.5)
    assert exc.retry_after == 1.5
    assert "1.500s" in str(exc)


def test_dsl_syntax_error_location():
    exc = errors.DSLSyntaxError("boom", 3, 7)
    assert str(exc) == "line 3, column 7: boom"
    assert (exc.line, exc.column) == (3, 7)


def test_spec_validation_error_joins_problems():
    exc = errors.SpecValidationError(["a", "b"])
    assert str(exc) == "a; b"
    assert exc.problems == ["a", "b"]


def test_unknown_task_error_str_is_plain():
    assert str(errors.UnknownTaskError("no task x")) == "no task x"


def test_all_errors_share_base():
    for cls in (errors.StorageError, errors.SchemaVersionError, errors.QueueEmptyError,
                errors.DeadlineExceeded, errors.TemplateError):
        assert issubclass(cls, errors.TaskflowError)
    with pytest.raises(ValueError):
        raise errors.DurationParseError("x")
