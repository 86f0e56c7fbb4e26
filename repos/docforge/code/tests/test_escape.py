from docforge.text.escape import Markup, escape, escape_html, is_safe, strip_tags, unescape_html


def test_escape_html_basic_characters():
    assert escape_html("a < b & c > d") == "a &lt; b &amp; c &gt; d"


def test_escape_html_quotes_by_default():
    assert escape_html("\"hi\" 'there'") == "&quot;hi&quot; &#x27;there&#x27;"


def test_escape_html_without_quotes():
    assert escape_html("\"x\" <y>", quote=False) == "\"x\" &lt;y&gt;"


def test_escape_html_converts_non_strings():
    assert escape_html(42) == "42"


def test_unescape_named_entities():
    assert unescape_html("&lt;b&gt; &amp; &quot;q&quot; &mdash;") == "<b> & \"q\" \u2014"


def test_unescape_numeric_entities():
    assert unescape_html("&#65;&#x42;&#X43;") == "ABC"


def test_unescape_invalid_codepoint_becomes_replacement_char():
    assert unescape_html("&#0;") == "\ufffd"


def test_unescape_unknown_entity_left_alone():
    assert unescape_html("&bogus; &amp") == "&bogus; &amp"


def test_strip_tags():
    assert strip_tags("<p>Hello <b>world</b></p>") == "Hello world"


def test_markup_is_not_escaped_again():
    safe = Markup("<b>x</b>")
    assert escape(safe) == "<b>x</b>"
    assert is_safe(safe)
    assert not is_safe("<b>")


def test_markup_concatenation_escapes_plain_strings():
    assert Markup("<br>") + "<i>" == "<br>&lt;i&gt;"
    assert "<i>" + Markup("<br>") == "&lt;i&gt;<br>"


def test_markup_join_escapes_items():
    assert Markup(", ").join(["<a>", Markup("<b>")]) == "&lt;a&gt;, <b>"


def test_markup_striptags_collapses_whitespace_and_unescapes():
    assert Markup("<p>a  &amp;\n b</p>").striptags() == "a & b"


def test_markup_repr():
    assert repr(Markup("x")) == "Markup('x')"


def test_unescape_control_codepoint_one_is_kept():
    assert unescape_html("&#1;&#xD800;") == "\x01\ufffd"
