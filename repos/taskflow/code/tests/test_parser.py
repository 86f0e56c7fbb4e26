import pytest

from taskflow.dsl.parser import parse_workflow
from taskflow.errors import DSLSyntaxError, SpecValidationError

SOURCE = '''
# nightly pipeline
workflow nightly_etl {
  schedule "0 2 * * *"
  param region = "eu"
  param batch = 500
  task extract { retries = 3 retry_delay = "30s" timeout = "5m" }
  task transform after extract { priority = 5 cacheable = true }
  task load after transform, extract {
    trigger = "all_done"
    arg target = "warehouse-${region}"
    arg dry_run = false
  }
}
'''


def test_parse_full_workflow():
    spec = parse_workflow(SOURCE)
    assert spec.name == "nightly_etl"
    assert spec.schedule == "0 2 * * *"
    assert spec.params == {"region": "eu", "batch": 500}
    assert spec.task_names() == ["extract", "transform", "load"]


def test_task_options_parsed():
    spec = parse_workflow(SOURCE)
    extract = spec.task("extract")
    assert (extract.retries, extract.retry_delay, extract.timeout) == (3, 30, 300)
    transform = spec.task("transform")
    assert (transform.after, transform.priority, transform.cacheable) == (["extract"], 5, True)


def test_args_and_multiple_dependencies():
    load = parse_workflow(SOURCE).task("load")
    assert load.after == ["transform", "extract"]
    assert load.args == {"target": "warehouse-${region}", "dry_run": False}
    assert load.trigger == "all_done"


def test_task_without_block():
    spec = parse_workflow("workflow w { task a task b after a }")
    assert spec.task("b").after == ["a"]


def test_missing_workflow_keyword():
    with pytest.raises(DSLSyntaxError) as info:
        parse_workflow("pipeline w { }")
    assert info.value.line == 1
    assert info.value.column == 1


def test_unknown_option_reports_position():
    with pytest.raises(DSLSyntaxError) as info:
        parse_workflow("workflow w {\n task a {\n  colour = 1\n }\n}")
    assert (info.value.line, info.value.column) == (3, 3)
    assert "colour" in str(info.value)


def test_duplicate_option_and_schedule():
    with pytest.raises(DSLSyntaxError):
        parse_workflow("workflow w { task a { retries = 1 retries = 2 } }")
    with pytest.raises(DSLSyntaxError):
        parse_workflow('workflow w { schedule "@daily" schedule "@hourly" task a }')


def test_keyword_cannot_be_task_name():
    with pytest.raises(DSLSyntaxError):
        parse_workflow("workflow w { task after }")


def test_unterminated_block():
    with pytest.raises(DSLSyntaxError):
        parse_workflow("workflow w { task a { retries = 1 ")


def test_trailing_tokens_rejected():
    with pytest.raises(DSLSyntaxError):
        parse_workflow("workflow w { task a } extra")


def test_bad_option_value_type():
    with pytest.raises(DSLSyntaxError) as info:
        parse_workflow('workflow w { task a { retries = "three" } }')
    assert "task 'a'" in str(info.value)


def test_validation_runs_by_default():
    with pytest.raises(SpecValidationError):
        parse_workflow("workflow w { task a after ghost }")
    spec = parse_workflow("workflow w { task a after ghost }", validate=False)
    assert spec.task("a").after == ["ghost"]


def test_value_required():
    with pytest.raises(DSLSyntaxError):
        parse_workflow("workflow w { param x = }")


def test_bare_identifier_is_not_a_value():
    with pytest.raises(DSLSyntaxError) as info:
        parse_workflow("workflow w { param x = foo task a }")
    assert "expected a value" in str(info.value)


def test_expectation_messages():
    with pytest.raises(DSLSyntaxError) as info:
        parse_workflow("pipeline w { }")
    assert str(info.value) == "line 1, column 1: expected 'workflow', found 'pipeline'"
    with pytest.raises(DSLSyntaxError) as info:
        parse_workflow("workflow w task a")
    assert str(info.value) == "line 1, column 12: expected 'LBRACE', found 'task'"
    with pytest.raises(DSLSyntaxError) as info:
        parse_workflow("workflow w { param x")
    assert str(info.value) == "line 1, column 21: expected 'EQUALS', found 'EOF'"
