import pytest

from docforge.markup.parser import parse
from docforge.render.toc import TocEntry, build_toc, flatten, render_toc_html, render_toc_text

SOURCE = "# A\n\n## B\n\n### C\n\n## D\n\n#### E\n\n# F"


def test_build_toc_nests_by_level():
    toc = build_toc(parse(SOURCE))
    assert [(e.title, [c.title for c in e.children]) for e in toc] == [("A", ["B", "D"]), ("F", [])]
    assert toc[0].children[0].children == [TocEntry(3, "C", "c")]


def test_build_toc_respects_max_level():
    toc = build_toc(parse(SOURCE), max_level=2)
    assert [e.title for e in flatten(toc)] == ["A", "B", "D", "F"]


def test_build_toc_respects_min_level():
    toc = build_toc(parse(SOURCE), min_level=2, max_level=4)
    assert [e.title for e in toc] == ["B", "D"]
    assert [e.title for e in toc[1].children] == ["E"]


def test_build_toc_ignores_headings_in_blockquotes():
    assert build_toc(parse("> # Quoted\n\n# Real")) == [TocEntry(1, "Real", "real")]


def test_build_toc_rejects_inverted_levels():
    with pytest.raises(ValueError):
        build_toc(parse("# A"), min_level=3, max_level=2)


def test_level_jump_is_nested_under_previous():
    toc = build_toc(parse("# A\n\n### C"))
    assert toc[0].children[0].title == "C"


def test_render_toc_html():
    assert render_toc_html(build_toc(parse("# A & B\n\n## C"))) == (
        '<ul class="toc">\n<li><a href="#a-b">A &amp; B</a>\n'
        '<ul>\n<li><a href="#c">C</a></li>\n</ul>\n</li>\n</ul>')


def test_render_toc_html_empty():
    assert render_toc_html([]) == ""


def test_render_toc_text():
    assert render_toc_text(build_toc(parse(SOURCE))) == "- A\n  - B\n    - C\n  - D\n- F"


def test_render_toc_text_custom_indent_and_bullet():
    assert render_toc_text(build_toc(parse("# A\n\n## B")), indent=4, bullet="*") == "* A\n    * B"
