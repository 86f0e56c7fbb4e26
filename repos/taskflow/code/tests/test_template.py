import pytest

from taskflow.dsl.template import placeholders, render, render_args, render_value
from taskflow.errors import TemplateError


def test_render_simple():
    assert render("s3://${bucket}/${day}", {"bucket": "b", "day": 3}) == "s3://b/3"


def test_default_used_only_when_missing():
    assert render("${env:-dev}", {}) == "dev"
    assert render("${env:-dev}", {"env": "prod"}) == "prod"
    assert render("${env:-}", {}) == ""


def test_dollar_escape():
    assert render("cost: $$5 ${x}", {"x": 1}) == "cost: $5 1"
    assert render("$${x}", {"x": 1}) == "${x}"


def test_missing_parameter():
    with pytest.raises(TemplateError) as info:
        render("${nope}", {})
    assert "nope" in str(info.value)


def test_text_without_placeholders_unchanged():
    assert render("plain $ text {x}", {}) == "plain $ text {x}"


def test_placeholders_unique_in_order():
    assert placeholders("${b} ${a:-1} ${b} $$") == ["b", "a"]


def test_render_value_nested():
    value = {"paths": ["${root}/a", 3], "flag": True, "inner": {"k": "${root}"}}
    assert render_value(value, {"root": "/data"}) == {
        "paths": ["/data/a", 3], "flag": True, "inner": {"k": "/data"},
    }


def test_render_args():
    assert render_args({"a": "${x}", "b": 2}, {"x": "y"}) == {"a": "y", "b": 2}
