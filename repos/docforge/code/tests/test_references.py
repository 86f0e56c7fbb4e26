from docforge.markup.references import Reference, ReferenceMap, normalize_label, parse_reference


def test_parse_reference_with_title():
    assert parse_reference('[Docs]: https://example.com "The Docs"') == \
        ("Docs", Reference("https://example.com", "The Docs"))


def test_parse_reference_angle_brackets_and_single_quotes():
    assert parse_reference("[a]: <https://x.y/a b> 'T'") == ("a", Reference("https://x.y/a b", "T"))


def test_parse_reference_parenthesised_title():
    assert parse_reference("[a]: /url (Title)") == ("a", Reference("/url", "Title"))


def test_parse_reference_without_title():
    assert parse_reference("   [x]: /y") == ("x", Reference("/y", None))


def test_parse_reference_rejects_footnotes_and_text():
    assert parse_reference("[^1]: note") is None
    assert parse_reference("[x] /y") is None
    assert parse_reference("    [x]: /y") is None


def test_normalize_label():
    assert normalize_label("  Foo   BAR ") == "foo bar"


def test_reference_map_first_definition_wins():
    refs = ReferenceMap()
    assert refs.add("Foo", "/one") is True
    assert refs.add("foo", "/two") is False
    assert refs.get("FOO") == Reference("/one", None)
    assert len(refs) == 1


def test_reference_map_lookup_missing():
    refs = ReferenceMap()
    assert refs.get("nope") is None
    assert "nope" not in refs


def test_reference_map_rejects_empty_label():
    refs = ReferenceMap()
    assert refs.add("   ", "/x") is False
    assert refs.labels() == []
