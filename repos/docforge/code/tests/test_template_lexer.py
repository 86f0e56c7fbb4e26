import pytest

from docforge.errors import TemplateSyntaxError
from docforge.templates.lexer import Token, tokenize


def test_text_only():
    assert tokenize("hello") == [Token("text", "hello", 1)]


def test_variables_and_blocks():
    assert tokenize("a{{ x }}b{% if y %}") == [
        Token("text", "a", 1), Token("var", "x", 1), Token("text", "b", 1), Token("block", "if y", 1)]


def test_comments_are_dropped():
    assert tokenize("a{# note #}b") == [Token("text", "a", 1), Token("text", "b", 1)]


def test_line_numbers_track_newlines():
    tokens = tokenize("line1\n{{ a }}\n\n{% b %}")
    assert [(t.kind, t.lineno) for t in tokens] == [
        ("text", 1), ("var", 2), ("text", 2), ("block", 4)]


def test_whitespace_control_strips_both_sides():
    assert tokenize("a  \n{%- x -%}\n  b") == [
        Token("text", "a", 1), Token("block", "x", 2), Token("text", "b", 2)]


def test_whitespace_control_at_end_of_template():
    assert tokenize("{{ x -}}   \n") == [Token("var", "x", 1)]


def test_raw_block_is_literal():
    assert tokenize("{% raw %}{{ not }}{% endraw %}!") == [
        Token("text", "{{ not }}", 1), Token("text", "!", 1)]


def test_unclosed_tag_reports_line():
    with pytest.raises(TemplateSyntaxError) as info:
        tokenize("ok\n{{ oops", name="t.html")
    assert str(info.value) == "t.html, line 2: unclosed '{{' tag"


def test_unclosed_raw_block():
    with pytest.raises(TemplateSyntaxError, match="unclosed raw block"):
        tokenize("{% raw %}x")


def test_empty_tag_is_an_error():
    with pytest.raises(TemplateSyntaxError, match="empty tag"):
        tokenize("{{ }}")


def test_whitespace_control_without_spaces():
    assert tokenize("{{x-}}  y") == [Token("var", "x", 1), Token("text", "y", 1)]
