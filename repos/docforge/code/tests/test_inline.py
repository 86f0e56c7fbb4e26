from docforge.markup.footnotes import FootnoteRegistry
from docforge.markup.inline import InlineParser, merge_text, unescape_backslashes
from docforge.markup.nodes import (CodeSpan, Emphasis, FootnoteDef, FootnoteRef, Image, LineBreak,
                                   Link, Strikethrough, Strong, Text)
from docforge.markup.references import ReferenceMap


def inline(text, refs=None, footnotes=None, strikethrough=True):
    return InlineParser(refs or ReferenceMap(), footnotes, strikethrough).parse(text)


def test_plain_text():
    assert inline("hello") == [Text("hello")]


def test_emphasis_and_strong():
    assert inline("*a* **b** _c_ __d__") == [
        Emphasis([Text("a")]), Text(" "), Strong([Text("b")]), Text(" "),
        Emphasis([Text("c")]), Text(" "), Strong([Text("d")])]


def test_triple_delimiters_make_strong_emphasis():
    assert inline("***both***") == [Strong([Emphasis([Text("both")])])]


def test_nested_emphasis_inside_strong():
    assert inline("**a *b* c**") == [Strong([Text("a "), Emphasis([Text("b")]), Text(" c")])]


def test_strong_inside_emphasis():
    assert inline("*a **b** c*") == [Emphasis([Text("a "), Strong([Text("b")]), Text(" c")])]


def test_opening_delimiter_followed_by_space_is_literal():
    assert inline("a * b * c") == [Text("a * b * c")]


def test_closing_delimiter_preceded_by_space_is_not_a_closer():
    assert inline("*foo bar *") == [Text("*foo bar *")]


def test_intraword_underscore_is_literal():
    assert inline("snake_case_name") == [Text("snake_case_name")]


def test_underscore_closer_followed_by_letter_is_not_a_closer():
    assert inline("_foo_bar") == [Text("_foo_bar")]


def test_intraword_asterisk_emphasis_allowed():
    assert inline("un*frigging*believable") == [
        Text("un"), Emphasis([Text("frigging")]), Text("believable")]


def test_unmatched_delimiter_is_literal():
    assert inline("**bold") == [Text("**bold")]


def test_strikethrough():
    assert inline("~~gone~~") == [Strikethrough([Text("gone")])]


def test_single_tilde_is_literal():
    assert inline("~a~") == [Text("~a~")]


def test_strikethrough_disabled():
    assert inline("~~x~~", strikethrough=False) == [Text("~~x~~")]


def test_code_span():
    assert inline("use `x = 1` here") == [Text("use "), CodeSpan("x = 1"), Text(" here")]


def test_code_span_double_backticks_and_space_stripping():
    assert inline("`` a`b ``") == [CodeSpan("a`b")]


def test_code_span_only_spaces_not_stripped():
    assert inline("`  `") == [CodeSpan("  ")]


def test_code_span_newlines_become_spaces():
    assert inline("`a\nb`") == [CodeSpan("a b")]


def test_unmatched_backticks_are_literal():
    assert inline("``x`") == [Text("``x`")]


def test_emphasis_markers_inside_code_are_ignored():
    assert inline("*a `*` b*") == [Emphasis([Text("a "), CodeSpan("*"), Text(" b")])]


def test_backslash_escapes():
    assert inline("\\*not\\* \\a") == [Text("*not* \\a")]


def test_hard_line_break_with_two_spaces():
    assert inline("a  \nb") == [Text("a"), LineBreak(), Text("b")]


def test_hard_line_break_with_backslash():
    assert inline("a\\\nb") == [Text("a"), LineBreak(), Text("b")]


def test_soft_line_break_keeps_newline_and_drops_single_space():
    assert inline("a \n  b") == [Text("a\nb")]


def test_inline_link_with_title():
    assert inline('[go](/x "T")') == [Link("/x", "T", [Text("go")])]


def test_inline_link_destination_in_angle_brackets():
    assert inline("[a](<my page.md>)") == [Link("my page.md", None, [Text("a")])]


def test_inline_link_with_balanced_parentheses():
    assert inline("[w](https://en.wikipedia.org/wiki/Foo_(bar))") == \
        [Link("https://en.wikipedia.org/wiki/Foo_(bar)", None, [Text("w")])]


def test_inline_link_empty_destination():
    assert inline("[a]()") == [Link("", None, [Text("a")])]


def test_link_text_is_parsed_for_emphasis():
    assert inline("[*em* text](/u)") == [Link("/u", None, [Emphasis([Text("em")]), Text(" text")])]


def test_nested_brackets_in_link_text():
    assert inline("[a [b] c](/u)") == [Link("/u", None, [Text("a [b] c")])]


def test_unclosed_link_destination_is_text():
    assert inline("[a](/u") == [Text("[a](/u")]


def test_image():
    assert inline('![A *cat*](cat.png "Cat")') == [Image("cat.png", "A cat", "Cat")]


def test_full_reference_link():
    refs = ReferenceMap()
    refs.add("Site", "https://example.com", "Ex")
    assert inline("[home][site]", refs) == [Link("https://example.com", "Ex", [Text("home")])]


def test_collapsed_and_shortcut_reference_links():
    refs = ReferenceMap()
    refs.add("docs", "/docs")
    assert inline("[Docs][] and [docs]", refs) == [
        Link("/docs", None, [Text("Docs")]), Text(" and "), Link("/docs", None, [Text("docs")])]


def test_undefined_reference_stays_text():
    assert inline("[nothing][here]") == [Text("[nothing][here]")]


def test_autolink_url():
    assert inline("<https://a.b/c>") == [Link("https://a.b/c", None, [Text("https://a.b/c")])]


def test_autolink_email():
    assert inline("<me@example.com>") == [Link("mailto:me@example.com", None,
                                               [Text("me@example.com")])]


def test_angle_bracket_text_is_not_autolink():
    assert inline("a <b> c") == [Text("a <b> c")]


def test_footnote_reference():
    registry = FootnoteRegistry()
    registry.define("n", FootnoteDef("n"))
    assert inline("x[^n]", footnotes=registry) == [Text("x"), FootnoteRef("n", 1)]


def test_undefined_footnote_reference_is_text():
    assert inline("x[^zz]", footnotes=FootnoteRegistry()) == [Text("x[^zz]")]


def test_merge_text():
    assert merge_text([Text("a"), Text("b"), CodeSpan("c"), Text("d")]) == \
        [Text("ab"), CodeSpan("c"), Text("d")]


def test_unescape_backslashes():
    assert unescape_backslashes("a\\_b\\q") == "a_b\\q"


def test_underscore_after_single_leading_letter_is_literal():
    assert inline("a_b_") == [Text("a_b_")]
