from docforge.markup.nodes import Document, Emphasis, Image, Link, Paragraph, Text
from docforge.markup.visitor import (Transformer, Visitor, collect_headings, collect_links,
                                     count_nodes)
from docforge.markup.parser import parse


def test_visitor_dispatches_by_class_name():
    seen = []

    class Collector(Visitor):
        def visit_Text(self, node):
            seen.append(node.value)

    Collector().visit(Document([Paragraph([Text("a"), Emphasis([Text("b")])])]))
    assert seen == ["a", "b"]


def test_transformer_removes_nodes_returning_none():
    class DropEmphasis(Transformer):
        def visit_Emphasis(self, node):
            return None

    doc = Document([Paragraph([Text("a"), Emphasis([Text("b")]), Text("c")])])
    DropEmphasis().transform(doc)
    assert doc.children[0].children == [Text("a"), Text("c")]


def test_transformer_splices_lists():
    class Unwrap(Transformer):
        def visit_Emphasis(self, node):
            return node.children

    doc = Document([Paragraph([Emphasis([Text("x"), Text("y")])])])
    Unwrap().transform(doc)
    assert doc.children[0].children == [Text("x"), Text("y")]


def test_transformer_replaces_nodes():
    class Upper(Transformer):
        def visit_Text(self, node):
            return Text(node.value.upper())

    doc = Document([Paragraph([Text("hi")])])
    assert Upper().transform(doc) is doc
    assert doc.children[0].children == [Text("HI")]


def test_count_nodes():
    doc = Document([Paragraph([Text("a"), Text("b")])])
    assert count_nodes(doc) == {"Document": 1, "Paragraph": 1, "Text": 2}


def test_collect_headings_includes_nested():
    doc = parse("# One\n\n> ## Two\n")
    assert [h.level for h in collect_headings(doc)] == [1, 2]


def test_collect_links():
    doc = Document([Paragraph([Link("/a", children=[Text("x")]), Image("b.png")])])
    assert collect_links(doc) == [("link", "/a"), ("image", "b.png")]


def test_transform_returns_replacement_root():
    class Replace(Transformer):
        def visit_Document(self, node):
            return Document([Paragraph([Text("new")])])

    original = Document()
    result = Replace().transform(original)
    assert result is not original
    assert result.children == [Paragraph([Text("new")])]
