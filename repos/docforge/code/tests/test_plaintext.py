from docforge.markup.parser import parse
from docforge.render.plaintext import PlainTextRenderer, render_text


def test_headings_underlined():
    assert render_text("# Title\n\n## Sub\n\n### Third") == "Title\n=====\n\nSub\n---\n\nThird\n"


def test_headings_without_underline():
    assert render_text("# Title", underline_headings=False) == "Title\n"


def test_inline_markup_is_stripped():
    assert render_text("*a* **b** `c`") == "a b c\n"


def test_link_shows_url():
    assert render_text("[docs](https://x.y)") == "docs (https://x.y)\n"


def test_link_url_hidden_when_same_as_text_or_anchor():
    assert render_text("<https://x.y> [top](#top) <me@x.io>") == "https://x.y top me@x.io\n"


def test_link_url_hidden_by_option():
    assert render_text("[docs](https://x.y)", show_urls=False) == "docs\n"


def test_image_placeholder():
    assert render_text("![Cat](c.png) ![](d.png)") == "[Cat] [image]\n"


def test_paragraph_wrapping():
    assert render_text("one two three four five", width=9) == "one two\nthree\nfour five\n"


def test_code_block_indented():
    assert render_text("```\na\n\nb\n```") == "    a\n\n    b\n"


def test_blockquote_prefix():
    assert render_text("> a\n>\n> b") == "> a\n>\n> b\n"


def test_lists_and_numbering():
    assert render_text("3. a\n4. b\n\n- x\n  - y") == "3. a\n4. b\n\n- x\n  - y\n"


def test_task_items():
    assert render_text("- [x] a\n- [ ] b") == "- [x] a\n- [ ] b\n"


def test_custom_bullet():
    assert PlainTextRenderer(bullet="*").render(parse("- a")) == "* a\n"


def test_table_alignment():
    assert render_text("| a | bb |\n|--:|:-:|\n| 100 | c |") == "  a | bb\n----+---\n100 | c\n"


def test_footnotes_listed_at_end():
    assert render_text("x[^n]\n\n[^n]: Note") == "x[1]\n\n[1] Note\n"


def test_thematic_break():
    assert render_text("a\n\n---\n\nb") == "a\n\n* * *\n\nb\n"


def test_line_break():
    assert render_text("a\\\nb") == "a\nb\n"
