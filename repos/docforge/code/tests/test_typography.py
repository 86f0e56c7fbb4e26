from docforge.markup.nodes import CodeSpan, Text
from docforge.markup.parser import parse
from docforge.markup.typography import smarten


def test_dashes():
    assert smarten("a -- b --- c") == "a \u2013 b \u2014 c"


def test_ellipsis():
    assert smarten("wait...") == "wait\u2026"


def test_double_quotes():
    assert smarten('He said "hi" (and "bye")') == "He said \u201chi\u201d (and \u201cbye\u201d)"


def test_single_quotes_and_apostrophes():
    assert smarten("'tis Bob's 'book'") == "\u2018tis Bob\u2019s \u2018book\u2019"


def test_typography_option_leaves_code_alone():
    doc = parse('"x" `"y"` -- z', typography=True)
    assert doc.children[0].children == [Text("\u201cx\u201d "), CodeSpan('"y"'), Text(" \u2013 z")]


def test_typography_off_by_default():
    doc = parse("a -- b")
    assert doc.children[0].children == [Text("a -- b")]


def test_typography_keeps_code_blocks_and_returns_document():
    from docforge.markup.nodes import CodeBlock
    from docforge.markup.typography import apply_typography
    doc = parse('```\n"raw" -- x\n```\n\n"quoted"')
    assert apply_typography(doc) is doc
    assert doc.children[0] == CodeBlock('"raw" -- x\n')
    assert doc.children[1].children == [Text("\u201cquoted\u201d")]
