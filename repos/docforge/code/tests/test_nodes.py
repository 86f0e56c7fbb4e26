import pytest

from docforge.markup.nodes import (CodeBlock, CodeSpan, Document, Emphasis, Heading, Image,
                                   LineBreak, Link, Paragraph, Table, TableRow, Text, is_block)


def test_heading_level_validation():
    with pytest.raises(ValueError):
        Heading(7)
    with pytest.raises(ValueError):
        Heading(0)


def test_walk_is_preorder():
    doc = Document([Paragraph([Text("a"), Emphasis([Text("b")])]), Paragraph([Text("c")])])
    assert [type(n).__name__ for n in doc.walk()] == [
        "Document", "Paragraph", "Text", "Emphasis", "Text", "Paragraph", "Text"]


def test_text_content_includes_code_images_and_breaks():
    para = Paragraph([Text("a"), CodeSpan("b"), LineBreak(), Image("x.png", alt="c")])
    assert para.text_content() == "ab\nc"


def test_text_content_of_link():
    assert Link("/x", children=[Text("go "), Emphasis([Text("now")])]).text_content() == "go now"


def test_find_all():
    doc = Document([Paragraph([Text("a")]), Paragraph([Text("b")])])
    assert [n.value for n in doc.find_all(Text)] == ["a", "b"]


def test_equality_compares_fields_and_children():
    assert Text("a") == Text("a")
    assert Text("a") != Text("b")
    assert Paragraph([Text("a")]) != Paragraph([Text("a"), Text("b")])
    assert Heading(1, anchor="x") != Heading(1, anchor="y")


def test_repr_lists_fields_and_children():
    assert repr(Link("/a", children=[Text("x")])) == \
        "Link(href='/a', title=None, children=[Text(value='x')])"


def test_code_block_language():
    assert CodeBlock("x\n", info="python {1}").language == "python"
    assert CodeBlock("x\n").language == ""


def test_table_header_and_body():
    header = TableRow(header=True)
    row = TableRow()
    table = Table([None], [header, row])
    assert table.header is header
    assert table.body == [row]
    assert Table([None], [row]).header is None


def test_append_returns_node():
    doc = Document()
    para = doc.append(Paragraph())
    assert doc.children == [para]


def test_is_block():
    assert is_block(Paragraph())
    assert not is_block(Text("x"))
