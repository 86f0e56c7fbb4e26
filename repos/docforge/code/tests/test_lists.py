from docforge.markup.lexer import tokenize
from docforge.markup.lists import (ListMarker, can_interrupt_paragraph, collect_list, parse_marker,
                                   same_list, split_task)


def test_parse_bullet_marker():
    assert parse_marker("- item") == ListMarker(False, "-", 1, 2, "item")


def test_parse_bullet_marker_with_wide_spacing():
    assert parse_marker("*   item") == ListMarker(False, "*", 1, 4, "item")


def test_parse_ordered_marker():
    assert parse_marker("12) twelve") == ListMarker(True, ")", 12, 4, "twelve")


def test_parse_empty_marker():
    assert parse_marker("1.") == ListMarker(True, ".", 1, 3, "")


def test_parse_marker_indented_code_content():
    marker = parse_marker("-      code")
    assert marker.content_offset == 2
    assert marker.content == "     code"


def test_parse_marker_none_for_text():
    assert parse_marker("-item") is None
    assert parse_marker("text") is None


def test_same_list_requires_same_bullet():
    assert same_list(parse_marker("- a"), parse_marker("- b"))
    assert not same_list(parse_marker("- a"), parse_marker("* b"))
    assert not same_list(parse_marker("1. a"), parse_marker("2) b"))


def test_can_interrupt_paragraph():
    assert can_interrupt_paragraph(parse_marker("- a"))
    assert can_interrupt_paragraph(parse_marker("1. a"))
    assert not can_interrupt_paragraph(parse_marker("2. a"))
    assert not can_interrupt_paragraph(parse_marker("-"))


def test_split_task():
    assert split_task("[x] done") == (True, "done")
    assert split_task("[X] done") == (True, "done")
    assert split_task("[ ] todo") == (False, "todo")
    assert split_task("[y] no") == (None, "[y] no")


def test_collect_list_tight():
    marker, items, end, tight = collect_list(tokenize("- a\n- b\n\npara"), 0)
    assert items == [["a"], ["b"]]
    assert end == 3
    assert tight is True


def test_collect_list_loose_with_blank_between_items():
    _, items, _, tight = collect_list(tokenize("- a\n\n- b"), 0)
    assert items == [["a"], ["b"]]
    assert tight is False


def test_collect_list_continuation_and_nested():
    _, items, _, _ = collect_list(tokenize("- a\n  - b\n  more\n- c"), 0)
    assert items == [["a", "- b", "more"], ["c"]]


def test_collect_list_lazy_continuation():
    _, items, _, _ = collect_list(tokenize("- a\nlazy\n- b"), 0)
    assert items == [["a", "lazy"], ["b"]]


def test_collect_list_stops_at_different_bullet():
    _, items, end, _ = collect_list(tokenize("- a\n* b"), 0)
    assert items == [["a"]]
    assert end == 1
