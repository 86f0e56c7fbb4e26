from docforge.markup.nodes import Table
from docforge.markup.tables import (build_table, cell_alignment, fit_cells, looks_like_table,
                                    parse_delimiter_row, split_row)


def test_split_row_strips_outer_pipes():
    assert split_row("| a | b |") == ["a", "b"]


def test_split_row_without_outer_pipes():
    assert split_row("a | b") == ["a", "b"]


def test_split_row_escaped_pipe():
    assert split_row("| a \\| b | c |") == ["a | b", "c"]


def test_split_row_empty_cells():
    assert split_row("| | x |") == ["", "x"]


def test_cell_alignment():
    assert [cell_alignment(c) for c in [":--", "--:", ":-:", "---"]] == \
        ["left", "right", "center", None]


def test_parse_delimiter_row():
    assert parse_delimiter_row("|:---|---:|:-:|") == ["left", "right", "center"]


def test_parse_delimiter_row_rejects_non_dash_cells():
    assert parse_delimiter_row("| --- | abc |") is None
    assert parse_delimiter_row("---") is None


def test_looks_like_table_needs_matching_column_count():
    assert looks_like_table("| a | b |", "|---|---|")
    assert not looks_like_table("| a | b |", "|---|")
    assert not looks_like_table("a b", "|---|")


def test_fit_cells():
    assert fit_cells(["a"], 3) == ["a", "", ""]
    assert fit_cells(["a", "b", "c"], 2) == ["a", "b"]


def test_build_table_marks_header_and_raw_cells():
    table = build_table("| h1 | h2 |", ["left", None], ["| a |", "| b | c | d |"])
    assert isinstance(table, Table)
    assert [row.header for row in table.children] == [True, False, False]
    assert [[cell.raw for cell in row.children] for row in table.children] == \
        [["h1", "h2"], ["a", ""], ["b", "c"]]
    assert [cell.align for cell in table.children[1].children] == ["left", None]


def test_split_row_trailing_backslash():
    assert split_row("a | b\\") == ["a", "b\\"]
