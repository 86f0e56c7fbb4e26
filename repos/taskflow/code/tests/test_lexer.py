import pytest

from taskflow.dsl.lexer import tokenize
from taskflow.errors import DSLSyntaxError


def kinds(text):
    return [(t.kind, t.value) for t in tokenize(text)]


def test_punctuation_and_identifiers():
    assert kinds("task a { x = 1 }") == [
        ("IDENT", "task"), ("IDENT", "a"), ("LBRACE", "{"), ("IDENT", "x"),
        ("EQUALS", "="), ("NUMBER", 1), ("RBRACE", "}"), ("EOF", None),
    ]


def test_identifier_characters():
    assert kinds("load.v2 step-3 _x")[:3] == [
        ("IDENT", "load.v2"), ("IDENT", "step-3"), ("IDENT", "_x"),
    ]


def test_numbers():
    assert [t.value for t in tokenize("7 -3 2.5 -0.25")][:4] == [7, -3, 2.5, -0.25]
    assert isinstance(tokenize("7")[0].value, int)


def test_strings_with_escapes():
    assert tokenize(r'"a \"b\" \\ c\n"')[0].value == 'a "b" \\ c\n'


def test_comments_skipped():
    assert kinds("a # comment , {\nb") == [("IDENT", "a"), ("IDENT", "b"), ("EOF", None)]


def test_line_and_column_tracking():
    tokens = tokenize('workflow w {\n  task  x\n}')
    task = tokens[3]
    assert (task.value, task.line, task.column) == ("task", 2, 3)
    assert (tokens[4].line, tokens[4].column) == (2, 9)
    assert (tokens[5].kind, tokens[5].line, tokens[5].column) == ("RBRACE", 3, 1)


def test_unterminated_string():
    with pytest.raises(DSLSyntaxError) as info:
        tokenize('x = "abc\n"')
    assert (info.value.line, info.value.column) == (1, 5)


def test_invalid_escape():
    with pytest.raises(DSLSyntaxError):
        tokenize(r'"\q"')


def test_unexpected_character():
    with pytest.raises(DSLSyntaxError) as info:
        tokenize("task a;")
    assert info.value.column == 7


def test_lone_minus():
    with pytest.raises(DSLSyntaxError):
        tokenize("x = - 1")


def test_comma():
    assert kinds("a, b")[1] == ("COMMA", ",")


def test_token_repr():
    assert repr(tokenize("abc")[0]) == "Token(IDENT, 'abc', 1:1)"


def test_dot_after_number_needs_digits():
    with pytest.raises(DSLSyntaxError) as info:
        tokenize("7.x")
    assert info.value.column == 2
