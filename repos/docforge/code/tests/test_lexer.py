import pytest

from docforge.markup.lexer import LineKind, classify, match_fence, split_lines, tokenize


def test_split_lines_normalizes_line_endings():
    assert split_lines("a\r\nb\rc\n") == ["a", "b", "c"]


def test_split_lines_keeps_inner_blank_lines():
    assert split_lines("a\n\nb") == ["a", "", "b"]


@pytest.mark.parametrize("text,kind", [
    ("", LineKind.BLANK),
    ("   ", LineKind.BLANK),
    ("    code", LineKind.INDENTED),
    ("# Title", LineKind.ATX_HEADING),
    ("###### Six", LineKind.ATX_HEADING),
    ("####### Seven", LineKind.TEXT),
    ("#hashtag", LineKind.TEXT),
    ("```python", LineKind.FENCE),
    ("~~~", LineKind.FENCE),
    ("``", LineKind.TEXT),
    ("***", LineKind.THEMATIC_BREAK),
    ("- - -", LineKind.THEMATIC_BREAK),
    ("--", LineKind.TEXT),
    ("> quote", LineKind.QUOTE),
    ("- item", LineKind.BULLET),
    ("+ item", LineKind.BULLET),
    ("1. item", LineKind.ORDERED),
    ("3) item", LineKind.ORDERED),
    ("1234567890. x", LineKind.TEXT),
    ("plain", LineKind.TEXT),
])
def test_classify(text, kind):
    assert classify(text) is kind


def test_match_fence_returns_indent_fence_and_info():
    assert match_fence("  ```` py title") == (2, "````", "py title")


def test_backtick_fence_info_cannot_contain_backticks():
    assert match_fence("``` a`b") is None
    assert match_fence("~~~ a`b") == (0, "~~~", "a`b")


def test_tokenize_expands_tabs_and_numbers_lines():
    lines = tokenize("a\n\tcode")
    assert [(l.text, l.lineno, l.kind) for l in lines] == [
        ("a", 1, LineKind.TEXT), ("    code", 2, LineKind.INDENTED)]


def test_line_indent_property():
    assert tokenize("   - x")[0].indent == 3
