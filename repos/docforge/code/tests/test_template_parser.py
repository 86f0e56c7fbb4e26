import pytest

from docforge.errors import TemplateSyntaxError
from docforge.templates.lexer import tokenize
from docforge.templates.nodes import ForNode, IfNode, IncludeNode, OutputNode, SetNode, TextNode
from docforge.templates.parser import TemplateParser


def parse(source):
    return TemplateParser(tokenize(source), name="t").parse()


def test_parse_simple_nodes():
    nodes = parse("a{{ b }}{% set c = 1 %}{% include 'x' %}")
    assert [type(n) for n in nodes] == [TextNode, OutputNode, SetNode, IncludeNode]


def test_if_branches():
    (node,) = parse("{% if a %}1{% elif b %}2{% elif c %}3{% else %}4{% endif %}")
    assert isinstance(node, IfNode)
    assert len(node.branches) == 3
    assert [n.text for n in node.else_body] == ["4"]


def test_for_targets():
    (node,) = parse("{% for k , v in d %}{% else %}x{% endfor %}")
    assert isinstance(node, ForNode)
    assert node.targets == ["k", "v"]
    assert len(node.else_body) == 1


def test_node_line_numbers():
    nodes = parse("\n\n{% if a %}{% endif %}")
    assert nodes[1].lineno == 3


def test_missing_end_tag():
    with pytest.raises(TemplateSyntaxError) as info:
        parse("{% if a %}\nx")
    assert str(info.value) == "t, line 2: unexpected end of template, expected 'elif' or 'else' or 'endif'"


def test_unexpected_end_tag():
    with pytest.raises(TemplateSyntaxError, match="unexpected 'endfor'"):
        parse("{% endfor %}")


def test_unknown_tag():
    with pytest.raises(TemplateSyntaxError, match="unknown tag 'macro'"):
        parse("{% macro x %}")


def test_invalid_for_syntax():
    with pytest.raises(TemplateSyntaxError, match="invalid for loop"):
        parse("{% for x of y %}{% endfor %}")


def test_invalid_set_syntax():
    with pytest.raises(TemplateSyntaxError, match="invalid set tag"):
        parse("{% set 1 = 2 %}")


def test_if_without_condition():
    with pytest.raises(TemplateSyntaxError, match="requires a condition"):
        parse("{% if %}{% endif %}")


def test_include_without_name():
    with pytest.raises(TemplateSyntaxError, match="requires a template name"):
        parse("{% include %}")


def test_expression_errors_carry_template_name_and_line():
    with pytest.raises(TemplateSyntaxError) as info:
        parse("\n{{ a + }}")
    assert info.value.name == "t"
    assert info.value.lineno == 2
