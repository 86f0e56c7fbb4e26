import pytest

from docforge.errors import TemplateError, TemplateSyntaxError
from docforge.templates.context import Context
from docforge.templates.engine import Environment
from docforge.templates.expressions import parse_expression, tokenize_expression


def ev(source, **data):
    return parse_expression(source).evaluate(Context(data, environment=Environment()))


def test_tokenize_expression():
    assert tokenize_expression("a.b == 'x' | upper") == [
        ("name", "a"), ("op", "."), ("name", "b"), ("op", "=="), ("string", "'x'"),
        ("op", "|"), ("name", "upper")]


def test_tokenize_rejects_unknown_characters():
    with pytest.raises(TemplateSyntaxError):
        tokenize_expression("a $ b")


def test_literals():
    assert ev("42") == 42
    assert ev("2.5") == 2.5
    assert ev("'it\\'s'") == "it's"
    assert ev('"a\\nb"') == "a\nb"
    assert [ev("true"), ev("False"), ev("none")] == [True, False, None]


def test_list_literal():
    assert ev("[1, 'a', x]", x=3) == [1, "a", 3]
    assert ev("[]") == []


def test_arithmetic_precedence():
    assert ev("1 + 2 * 3") == 7
    assert ev("(1 + 2) * 3") == 9
    assert ev("10 - 4 - 3") == 3
    assert ev("7 % 4") == 3
    assert ev("7 / 2") == 3.5


def test_unary_minus():
    assert ev("-x + 1", x=5) == -4


def test_string_concatenation_with_tilde():
    assert ev("'n=' ~ n ~ none ~ flag", n=3, flag=True) == "n=3true"


def test_comparisons():
    assert ev("a < b", a=1, b=2) is True
    assert ev("a >= b", a=1, b=2) is False
    assert ev("a == 'x'", a="x") is True
    assert ev("a != 'x'", a="x") is False
    assert ev("2 <= 2") is True
    assert ev("3 > 2") is True


def test_membership():
    assert ev("'b' in items", items=["a", "b"]) is True
    assert ev("'c' not in items", items=["a", "b"]) is True


def test_boolean_logic_short_circuits():
    assert ev("a or b", a=0, b="fallback") == "fallback"
    assert ev("a and b", a=0, b=1) == 0
    assert ev("not a and b", a=False, b=True) is True


def test_attribute_and_item_access():
    data = {"user": {"name": "Ann", "tags": ["x", "y"]}}
    assert ev("user.name", **data) == "Ann"
    assert ev("user['tags'][1]", **data) == "y"
    assert ev("user.tags.0", **data) == "x"


def test_filters_with_arguments():
    assert ev("name | upper", name="ann") == "ANN"
    assert ev("text|truncate(8, end='!')", text="hello big world") == "hello!"
    assert ev("items|join(', ')|upper", items=["a", "b"]) == "A, B"


def test_filter_binds_tighter_than_minus():
    assert ev("-x|int", x="3") == -3


def test_tests():
    assert ev("x is defined", x=1) is True
    assert ev("y is defined") is False
    assert ev("y is not defined") is True
    assert ev("n is even", n=4) is True
    assert ev("n is odd", n=4) is False
    assert ev("v is none", v=None) is True


def test_unknown_test_raises():
    with pytest.raises(TemplateError, match="unknown test 'shiny'"):
        ev("x is shiny", x=1)


def test_division_by_zero_raises_template_error():
    with pytest.raises(TemplateError, match="division by zero"):
        ev("1 / 0")


def test_type_error_is_wrapped():
    with pytest.raises(TemplateError, match="unsupported operands"):
        ev("'a' + 1")


@pytest.mark.parametrize("source", ["", "1 +", "(1", "a b", "x|", "[1, 2"])
def test_syntax_errors(source):
    with pytest.raises(TemplateSyntaxError):
        parse_expression(source)


def test_positional_after_keyword_is_error():
    with pytest.raises(TemplateSyntaxError, match="positional argument after keyword"):
        parse_expression("x|truncate(end='.', 3)")


def test_not_without_in_is_not_a_comparison():
    with pytest.raises(TemplateSyntaxError):
        parse_expression("a not b")
