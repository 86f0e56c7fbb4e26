from docforge.markup.nodes import (Document, FootnoteRef, Heading, Link, List, Paragraph, Table,
                                   Text)
from docforge.markup.parser import MarkupParser, ParseOptions, parse


def test_parse_returns_document():
    doc = parse("hello")
    assert isinstance(doc, Document)
    assert doc.children == [Paragraph([Text("hello")])]


def test_raw_attributes_are_removed():
    doc = parse("# H\n\npara\n\n| a |\n|---|\n| b |")
    assert not any(hasattr(node, "raw") for node in doc.walk())


def test_reference_defined_after_use():
    doc = parse("[x][ref]\n\n[ref]: /target")
    assert doc.children[0].children == [Link("/target", None, [Text("x")])]


def test_reference_inside_list_item_is_global():
    doc = parse("- [a]\n\n[a]: /a-url")
    link = doc.find_all(Link)[0]
    assert link.href == "/a-url"


def test_document_footnotes_ordered_by_reference():
    doc = parse("A[^b] B[^a]\n\n[^a]: Alpha\n[^b]: Beta")
    assert [(d.label, d.number) for d in doc.footnotes] == [("b", 1), ("a", 2)]
    assert [r.number for r in doc.find_all(FootnoteRef)] == [1, 2]


def test_unreferenced_footnotes_are_dropped():
    doc = parse("text\n\n[^a]: Alpha")
    assert doc.footnotes == []


def test_footnote_definition_content_is_inline_parsed():
    doc = parse("x[^1]\n\n[^1]: *em*")
    assert doc.footnotes[0].children[0].children[0].text_content() == "em"


def test_footnotes_disabled():
    doc = parse("x[^1]\n\n[^1]: note", footnotes=False)
    assert doc.footnotes == []
    assert doc.children[0].children == [Text("x[^1]")]
    assert len(doc.children) == 2


def test_tables_option():
    source = "| a |\n|---|\n| b |"
    assert isinstance(parse(source).children[0], Table)
    assert isinstance(parse(source, tables=False).children[0], Paragraph)


def test_markup_parser_with_options_object():
    doc = MarkupParser(ParseOptions(heading_ids=False)).parse("# T")
    assert doc.children[0] == Heading(1, [Text("T")])


def test_nested_list_structure():
    doc = parse("1. one\n   - sub\n2. two")
    outer = doc.children[0]
    assert isinstance(outer, List) and outer.ordered
    assert isinstance(outer.children[0].children[1], List)
    assert len(outer.children) == 2


def test_references_are_exposed_on_document():
    doc = parse("[a]: /x")
    assert doc.references.get("a").url == "/x"
    assert doc.children == []


def test_crlf_source():
    doc = parse("# T\r\n\r\ntext\r\n")
    assert [type(n).__name__ for n in doc.children] == ["Heading", "Paragraph"]
