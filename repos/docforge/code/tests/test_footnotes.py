from docforge.markup.footnotes import FootnoteRegistry, collect_definition, parse_footnote_start
from docforge.markup.lexer import tokenize
from docforge.markup.nodes import FootnoteDef


def test_parse_footnote_start():
    assert parse_footnote_start("[^note]: Some text") == ("note", "Some text")
    assert parse_footnote_start("[note]: x") is None


def test_collect_definition_with_indented_continuation():
    lines = tokenize("[^1]: First\n    second\n\n    third\n\nafter")
    assert collect_definition(lines, 0) == ("1", ["First", "second", "", "third"], 4)


def test_collect_definition_lazy_line():
    lines = tokenize("[^a]: one\ntwo\n[^b]: three")
    assert collect_definition(lines, 0) == ("a", ["one", "two"], 2)


def test_collect_definition_stops_at_heading():
    lines = tokenize("[^a]: one\n# Head")
    assert collect_definition(lines, 0)[2] == 1


def test_registry_numbers_by_first_reference():
    registry = FootnoteRegistry()
    registry.define("a", FootnoteDef("a"))
    registry.define("b", FootnoteDef("b"))
    assert registry.reference("b") == 1
    assert registry.reference("a") == 2
    assert registry.reference("b") == 1
    assert [(d.label, d.number) for d in registry.referenced()] == [("b", 1), ("a", 2)]


def test_registry_undefined_reference_returns_none():
    assert FootnoteRegistry().reference("missing") is None


def test_registry_labels_case_insensitive_and_first_wins():
    registry = FootnoteRegistry()
    first = FootnoteDef("Note")
    assert registry.define("Note", first) is True
    assert registry.define("NOTE", FootnoteDef("NOTE")) is False
    assert registry.is_defined("note")
    assert registry.reference("nOtE") == 1
    assert registry.referenced() == [first]


def test_registry_unreferenced_labels():
    registry = FootnoteRegistry()
    registry.define("a", FootnoteDef("a"))
    registry.define("b", FootnoteDef("b"))
    registry.reference("a")
    assert registry.unreferenced_labels() == ["b"]
