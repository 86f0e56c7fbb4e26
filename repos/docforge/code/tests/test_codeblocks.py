import pytest

from docforge.render.codeblocks import (CodeInfo, canonical_language, parse_info_string,
                                        parse_line_spec, render_code_lines)


def test_canonical_language_aliases():
    assert canonical_language("py") == "python"
    assert canonical_language("JS") == "javascript"
    assert canonical_language("haskell") == "haskell"


def test_parse_line_spec():
    assert parse_line_spec("1,3-5, 8") == {1, 3, 4, 5, 8}


def test_parse_line_spec_single_line_range():
    assert parse_line_spec("2-2") == {2}


def test_parse_line_spec_rejects_reversed_range():
    with pytest.raises(ValueError):
        parse_line_spec("5-3")


def test_parse_line_spec_rejects_zero():
    with pytest.raises(ValueError):
        parse_line_spec("0")


def test_parse_info_string_full():
    assert parse_info_string('py {1,3} title="app.py"') == \
        CodeInfo("python", frozenset({1, 3}), "app.py")


def test_parse_info_string_empty():
    assert parse_info_string("") == CodeInfo("", frozenset(), None)


def test_parse_info_string_highlight_before_language():
    assert parse_info_string("{2} sh") == CodeInfo("bash", frozenset({2}), None)


def test_render_code_lines_escapes_and_keeps_trailing_newline():
    assert render_code_lines("a < b\n") == "a &lt; b\n"


def test_render_code_lines_highlight():
    assert render_code_lines("x\ny\nz\n", {2}) == 'x\n<span class="hl">y</span>\nz\n'


def test_render_code_lines_numbers():
    assert render_code_lines("x\ny", line_numbers=True) == \
        '<span class="ln">1</span>x\n<span class="ln">2</span>y'
