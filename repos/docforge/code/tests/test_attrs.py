from docforge.render.attrs import class_names, format_attrs, tag


def test_format_attrs_escapes_values():
    assert format_attrs({"title": 'a "b" <c>'}) == ' title="a &quot;b&quot; &lt;c&gt;"'


def test_format_attrs_skips_none_and_false():
    assert format_attrs({"a": None, "b": False, "c": "x"}) == ' c="x"'


def test_format_attrs_boolean_true_is_bare():
    assert format_attrs({"disabled": True}) == " disabled"


def test_format_attrs_lists_are_space_joined():
    assert format_attrs({"class": ["a", "", "b"]}) == ' class="a b"'
    assert format_attrs({"class": []}) == ""


def test_format_attrs_keeps_order_and_converts_numbers():
    assert format_attrs({"start": 3, "id": "x"}) == ' start="3" id="x"'


def test_class_names_deduplicates():
    assert class_names("a b", None, "b c", "") == "a b c"


def test_tag_helper():
    assert tag("span", {"class": "x"}, "hi") == '<span class="x">hi</span>'
    assert tag("br", void=True) == "<br>"
    assert tag("img", {"src": "a.png"}, void=True, xhtml=True) == '<img src="a.png" />'
