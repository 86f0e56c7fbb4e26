from docforge.markup.anchors import assign_heading_ids, extract_explicit_id, heading_anchors
from docforge.markup.parser import parse


def test_extract_explicit_id():
    assert extract_explicit_id("Install {#setup}") == ("Install", "setup")


def test_extract_explicit_id_absent():
    assert extract_explicit_id("Plain {not-an-id}") == ("Plain {not-an-id}", None)


def test_generated_ids_are_unique():
    doc = parse("# Intro\n\n## Intro\n\n### Intro")
    assert [h.anchor for h in doc.children] == ["intro", "intro-1", "intro-2"]


def test_explicit_ids_are_reserved_before_generating():
    doc = parse("# Setup\n\n# Other {#setup}")
    assert [h.anchor for h in doc.children] == ["setup-1", "setup"]


def test_heading_id_uses_text_content():
    doc = parse("# The `parse()` *function*")
    assert doc.children[0].anchor == "the-parse-function"


def test_heading_ids_can_be_disabled():
    doc = parse("# Title", heading_ids=False)
    assert doc.children[0].anchor is None


def test_assign_heading_ids_returns_registry():
    doc = parse("# A", heading_ids=False)
    registry = assign_heading_ids(doc)
    assert "a" in registry


def test_heading_anchors():
    assert heading_anchors(parse("# A\n\n## B {#bee}")) == {"a", "bee"}
