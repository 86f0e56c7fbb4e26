import pytest

from docforge.errors import FrontMatterError
from docforge.site.frontmatter import (dump_front_matter, format_value, parse_front_matter,
                                       parse_scalar, parse_value, split_front_matter,
                                       split_list_items)


@pytest.mark.parametrize("text,expected", [
    ("hello", "hello"),
    ("  padded  ", "padded"),
    ("", ""),
    ("42", 42),
    ("-7", -7),
    ("3.25", 3.25),
    ("true", True),
    ("Yes", True),
    ("off", False),
    ("null", None),
    ("~", None),
    ("'single'", "single"),
    ('"dq \\"x\\" \\n"', 'dq "x" \n'),
    ("'no \\n escapes'", "no \\n escapes"),
    ("1.2.3", "1.2.3"),
])
def test_parse_scalar(text, expected):
    assert parse_scalar(text) == expected


def test_parse_scalar_unterminated_string():
    with pytest.raises(ValueError):
        parse_scalar('"open')


def test_split_list_items_respects_quotes():
    assert split_list_items('a, "b, c", d') == ["a", ' "b, c"', " d"]


def test_parse_value_lists():
    assert parse_value("[a, 2, 'x, y']") == ["a", 2, "x, y"]
    assert parse_value("[]") == []


def test_parse_value_unterminated_list():
    with pytest.raises(ValueError):
        parse_value("[a, b")


def test_parse_front_matter_basic():
    assert parse_front_matter("title: Hello: World\ndraft: false\n# comment\n\nweight: 3") == \
        {"title": "Hello: World", "draft": False, "weight": 3}


def test_parse_front_matter_block_list():
    assert parse_front_matter("tags:\n  - one\n  - 'two'\ntitle: x") == \
        {"tags": ["one", "two"], "title": "x"}


def test_parse_front_matter_empty_value():
    assert parse_front_matter("summary:") == {"summary": ""}


def test_parse_front_matter_duplicate_key():
    with pytest.raises(FrontMatterError) as info:
        parse_front_matter("a: 1\na: 2", first_lineno=2)
    assert str(info.value) == "front matter line 3: duplicate key 'a'"
    assert info.value.lineno == 3


def test_parse_front_matter_bad_line():
    with pytest.raises(FrontMatterError, match="line 1: expected 'key: value'"):
        parse_front_matter("just text")


def test_parse_front_matter_list_item_without_key():
    with pytest.raises(FrontMatterError, match="list item without a key"):
        parse_front_matter("- orphan")


def test_parse_front_matter_list_item_after_scalar_key():
    with pytest.raises(FrontMatterError):
        parse_front_matter("title: x\n- item")


def test_split_front_matter():
    meta, body, line = split_front_matter("---\ntitle: T\n---\n# Body\n")
    assert meta == {"title": "T"}
    assert body == "# Body\n"
    assert line == 4


def test_split_front_matter_dots_close_block():
    meta, body, _ = split_front_matter("---\na: 1\n...\nrest")
    assert (meta, body) == ({"a": 1}, "rest")


def test_split_front_matter_absent():
    assert split_front_matter("# Just body") == ({}, "# Just body", 1)


def test_split_front_matter_unclosed():
    with pytest.raises(FrontMatterError, match="not closed"):
        split_front_matter("---\ntitle: x\n")


def test_split_front_matter_error_line_numbers_are_file_based():
    with pytest.raises(FrontMatterError) as info:
        split_front_matter("---\ntitle: x\nbad line\n---\n")
    assert info.value.lineno == 3


def test_format_value():
    assert [format_value(v) for v in (True, False, None, 3, [1, "a"])] == \
        ["true", "false", "null", "3", "[1, a]"]


def test_format_value_quotes_ambiguous_strings():
    assert format_value("yes") == '"yes"'
    assert format_value("12") == '"12"'
    assert format_value("- dash") == '"- dash"'
    assert format_value('say "hi"') == 'say "hi"'
    assert format_value("") == '""'


def test_dump_round_trip():
    meta = {"title": "A: B", "tags": ["x", "y"], "draft": True, "note": "true"}
    text = dump_front_matter(meta)
    assert text == '---\ntitle: A: B\ntags: [x, y]\ndraft: true\nnote: "true"\n---\n'
    assert split_front_matter(text + "body")[0] == meta
