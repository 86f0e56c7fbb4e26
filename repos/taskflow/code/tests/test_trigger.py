import pytest

from taskflow.core.states import TaskState as S
from taskflow.errors import ConfigurationError
from taskflow.execution.trigger import RUN, SKIP, WAIT, evaluate, validate_rule


def test_no_upstream_always_runs():
    assert evaluate("all_success", []) == RUN
    assert evaluate("all_failed", []) == RUN


def test_all_success():
    assert evaluate("all_success", [S.SUCCEEDED, S.SUCCEEDED]) == RUN
    assert evaluate("all_success", [S.SUCCEEDED, S.RUNNING]) == WAIT
    assert evaluate("all_success", [S.SUCCEEDED, S.FAILED]) == SKIP
    assert evaluate("all_success", [S.SUCCEEDED, S.SKIPPED]) == SKIP
    assert evaluate("all_success", [S.RUNNING, S.CANCELLED]) == SKIP


def test_all_failed():
    assert evaluate("all_failed", [S.FAILED, S.TIMED_OUT]) == RUN
    assert evaluate("all_failed", [S.FAILED, S.SUCCEEDED]) == SKIP
    assert evaluate("all_failed", [S.FAILED, S.RUNNING]) == WAIT
    assert evaluate("all_failed", [S.FAILED, S.SKIPPED]) == SKIP


def test_all_done():
    assert evaluate("all_done", [S.FAILED, S.SUCCEEDED, S.SKIPPED]) == RUN
    assert evaluate("all_done", [S.FAILED, S.RETRYING]) == WAIT


def test_one_success():
    assert evaluate("one_success", [S.RUNNING, S.SUCCEEDED]) == RUN
    assert evaluate("one_success", [S.FAILED, S.RUNNING]) == WAIT
    assert evaluate("one_success", [S.FAILED, S.SKIPPED]) == SKIP


def test_one_failed():
    assert evaluate("one_failed", [S.RUNNING, S.TIMED_OUT]) == RUN
    assert evaluate("one_failed", [S.SUCCEEDED, S.RUNNING]) == WAIT
    assert evaluate("one_failed", [S.SUCCEEDED, S.SKIPPED]) == SKIP


def test_none_failed():
    assert evaluate("none_failed", [S.SUCCEEDED, S.SKIPPED]) == RUN
    assert evaluate("none_failed", [S.SUCCEEDED, S.FAILED]) == SKIP
    assert evaluate("none_failed", [S.SUCCEEDED, S.PENDING]) == WAIT


def test_always():
    assert evaluate("always", [S.FAILED, S.RUNNING]) == RUN


def test_unknown_rule():
    with pytest.raises(ConfigurationError):
        evaluate("most_success", [S.SUCCEEDED])
    assert validate_rule("all_done") == "all_done"
