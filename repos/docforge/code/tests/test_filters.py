import pytest

from docforge.templates import filters as f
from docforge.templates.context import Undefined
from docforge.text.escape import Markup


def test_default():
    assert f.do_default(Undefined("x"), "dflt") == "dflt"
    assert f.do_default("", "dflt") == ""
    assert f.do_default("", "dflt", boolean=True) == "dflt"
    assert f.do_default("v", "dflt") == "v"


def test_case_filters():
    assert f.do_upper("aB") == "AB"
    assert f.do_lower("aB") == "ab"
    assert f.do_title("hello wORLD") == "Hello World"
    assert f.do_capitalize("hELLO there") == "Hello there"
    assert f.do_trim("  x ") == "x"


def test_first_last_length():
    assert f.do_first([3, 4]) == 3
    assert f.do_first([]) == ""
    assert f.do_last([3, 4]) == 4
    assert f.do_last([]) == ""
    assert f.do_length("abc") == 3


def test_join():
    assert f.do_join([1, 2, 3], "-") == "1-2-3"


def test_join_escapes_plain_items_when_any_is_markup():
    result = f.do_join([Markup("<b>a</b>"), "<i>"], ", ")
    assert isinstance(result, Markup)
    assert result == "<b>a</b>, &lt;i&gt;"


def test_reverse_sort_unique_map():
    assert f.do_reverse("abc") == "cba"
    assert f.do_reverse([1, 2]) == [2, 1]
    assert f.do_sort([3, 1, 2]) == [1, 2, 3]
    assert f.do_sort([3, 1, 2], reverse=True) == [3, 2, 1]
    assert f.do_sort([{"n": 2}, {"n": 1}], attribute="n") == [{"n": 1}, {"n": 2}]
    assert f.do_unique([1, 2, 1, 3]) == [1, 2, 3]
    assert f.do_map([{"n": 2}, {"n": 1}], "n") == [2, 1]


def test_replace():
    assert f.do_replace("aaa", "a", "b") == "bbb"
    assert f.do_replace("aaa", "a", "b", 2) == "bba"


def test_truncate():
    assert f.do_truncate("hello world", 20) == "hello world"
    assert f.do_truncate("hello wonderful world", 15) == "hello..."
    assert f.do_truncate("hello wonderful world", 15, killwords=True) == "hello wonder..."


def test_escape_and_safe():
    assert f.do_escape("<a>") == "&lt;a&gt;"
    assert isinstance(f.do_safe("<a>"), Markup)


def test_striptags():
    assert f.do_striptags("<p>a &amp;   <b>b</b></p>") == "a & b"


def test_slugify_wordcount_reading_time():
    assert f.do_slugify("Hello World") == "hello-world"
    assert f.do_wordcount("one two three") == 3
    assert f.do_reading_time("word " * 450) == "3 minutes"
    assert f.do_reading_time("") == "less than a minute"


def test_int():
    assert f.do_int("42") == 42
    assert f.do_int("3.9") == 3
    assert f.do_int("x") == 0
    assert f.do_int("x", default=-1) == -1


def test_round():
    assert f.do_round(2.5) == 3.0
    assert f.do_round(1.234, 2) == 1.23
    assert f.do_round(1.231, 2, "ceil") == 1.24
    assert f.do_round(1.239, 2, "floor") == 1.23
    with pytest.raises(ValueError):
        f.do_round(1.0, 0, "banker")


def test_indent():
    assert f.do_indent("a\nb\n\nc", 2) == "a\n  b\n\n  c"
    assert f.do_indent("a\nb", 2, first=True) == "  a\n  b"


def test_wordwrap_items_dictsort_urlencode():
    assert f.do_wordwrap("aa bb cc", 5) == "aa bb\ncc"
    assert f.do_items({"a": 1}) == [("a", 1)]
    assert f.do_dictsort({"b": 1, "a": 2}) == [("a", 2), ("b", 1)]
    assert f.do_urlencode("a b/c") == "a%20b%2Fc"


def test_registry_aliases():
    assert f.BUILTIN_FILTERS["e"] is f.do_escape
    assert f.BUILTIN_FILTERS["d"] is f.do_default
    assert f.BUILTIN_FILTERS["count"] is f.do_length


def test_truncate_default_length_is_255():
    assert f.do_truncate("a" * 255) == "a" * 255
    assert f.do_truncate("a" * 256, killwords=True) == "a" * 252 + "..."


def test_indent_default_width_is_four():
    assert f.do_indent("a\nb") == "a\n    b"
