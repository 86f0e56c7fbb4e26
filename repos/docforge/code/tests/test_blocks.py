from docforge.markup.blocks import BlockParser
from docforge.markup.footnotes import FootnoteRegistry
from docforge.markup.lexer import split_lines
from docforge.markup.nodes import (BlockQuote, CodeBlock, Heading, List, Paragraph, Table,
                                   ThematicBreak)
from docforge.markup.references import Reference, ReferenceMap


def blocks(source, **kwargs):
    parser = BlockParser(ReferenceMap(), FootnoteRegistry(), **kwargs)
    return parser.parse_lines(split_lines(source))


def kinds(nodes):
    return [type(node).__name__ for node in nodes]


def test_atx_heading_raw_text_and_level():
    (heading,) = blocks("### Title ###")
    assert isinstance(heading, Heading)
    assert (heading.level, heading.raw) == (3, "Title")


def test_atx_heading_explicit_id():
    (heading,) = blocks("## Setup {#install}")
    assert (heading.raw, heading.anchor) == ("Setup", "install")


def test_empty_atx_heading():
    (heading,) = blocks("#")
    assert heading.raw == ""


def test_setext_headings():
    nodes = blocks("Title\n=====\n\nSub\n---")
    assert [(n.level, n.raw) for n in nodes] == [(1, "Title"), (2, "Sub")]


def test_paragraph_lines_are_joined_and_stripped():
    (para,) = blocks("  first\n   second")
    assert isinstance(para, Paragraph)
    assert para.raw == "first\nsecond"


def test_paragraph_keeps_trailing_spaces_before_newline():
    (para,) = blocks("a  \nb  ")
    assert para.raw == "a  \nb"


def test_blank_line_separates_paragraphs():
    assert kinds(blocks("a\n\nb")) == ["Paragraph", "Paragraph"]


def test_paragraph_interrupted_by_heading_and_fence():
    assert kinds(blocks("a\n# h\nb\n```\nc\n```")) == \
        ["Paragraph", "Heading", "Paragraph", "CodeBlock"]


def test_ordered_list_not_starting_at_one_does_not_interrupt_paragraph():
    nodes = blocks("text\n2. not a list")
    assert kinds(nodes) == ["Paragraph"]
    assert nodes[0].raw == "text\n2. not a list"


def test_bullet_list_interrupts_paragraph():
    assert kinds(blocks("text\n- item")) == ["Paragraph", "List"]


def test_thematic_break():
    assert kinds(blocks("a\n\n***\n\nb")) == ["Paragraph", "ThematicBreak", "Paragraph"]


def test_indented_code_block_trims_trailing_blank_lines():
    (code,) = blocks("    x = 1\n\n    y = 2\n\n")
    assert isinstance(code, CodeBlock)
    assert code.code == "x = 1\n\ny = 2\n"


def test_indented_code_cannot_interrupt_paragraph():
    (para,) = blocks("text\n    more")
    assert para.raw == "text\nmore"


def test_fenced_code_with_info_string():
    (code,) = blocks("```python {2}\nprint(1)\n```")
    assert (code.info, code.code) == ("python {2}", "print(1)\n")


def test_fenced_code_closing_fence_must_be_long_enough():
    (code,) = blocks("````\n```\nstill code\n````")
    assert code.code == "```\nstill code\n"


def test_fenced_code_closing_fence_must_match_character():
    (code,) = blocks("~~~\n```\n~~~")
    assert code.code == "```\n"


def test_unclosed_fence_runs_to_end():
    (code,) = blocks("```\na\nb")
    assert code.code == "a\nb\n"


def test_fenced_code_removes_opening_indent():
    (code,) = blocks("  ```\n    x\n  y\n  ```")
    assert code.code == "  x\ny\n"


def test_empty_fenced_code():
    (code,) = blocks("```\n```")
    assert code.code == ""


def test_blockquote_with_lazy_continuation():
    (quote,) = blocks("> a\nb\n> c")
    assert isinstance(quote, BlockQuote)
    assert [p.raw for p in quote.children] == ["a\nb\nc"]


def test_nested_blockquote():
    (quote,) = blocks("> > deep")
    assert isinstance(quote.children[0], BlockQuote)


def test_list_node_attributes():
    (lst,) = blocks("3. a\n4. b")
    assert isinstance(lst, List)
    assert (lst.ordered, lst.start, lst.tight, len(lst.children)) == (True, 3, True, 2)


def test_bullet_list_has_no_start():
    (lst,) = blocks("- a")
    assert (lst.ordered, lst.start) == (False, None)


def test_task_list_items():
    (lst,) = blocks("- [x] done\n- [ ] todo\n- plain")
    assert [item.checked for item in lst.children] == [True, False, None]
    assert lst.children[0].children[0].raw == "done"


def test_reference_definitions_are_collected_not_rendered():
    refs = ReferenceMap()
    nodes = BlockParser(refs).parse_lines(["[home]: /index.html", "text"])
    assert kinds(nodes) == ["Paragraph"]
    assert refs.get("home") == Reference("/index.html", None)


def test_footnote_definition_is_registered():
    registry = FootnoteRegistry()
    nodes = BlockParser(ReferenceMap(), registry).parse_lines(["[^n]: Note text", "", "after"])
    assert kinds(nodes) == ["Paragraph"]
    assert registry.is_defined("n")


def test_footnote_syntax_is_a_paragraph_when_disabled():
    nodes = BlockParser(ReferenceMap(), None).parse_lines(["[^n]: Note text"])
    assert nodes[0].raw == "[^n]: Note text"


def test_table_block():
    table = blocks("| a | b |\n|---|--:|\n| 1 | 2 |\n| 3 | 4 |\n\nafter")[0]
    assert isinstance(table, Table)
    assert table.aligns == [None, "right"]
    assert len(table.children) == 3


def test_table_ends_at_line_without_pipe():
    nodes = blocks("| a |\n|---|\n| 1 |\nplain")
    assert kinds(nodes) == ["Table", "Paragraph"]


def test_tables_can_be_disabled():
    assert kinds(blocks("| a |\n|---|", tables=False)) == ["Paragraph"]
