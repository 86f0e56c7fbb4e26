import pytest

from docforge.text.wrap import dedent, fill, indent, truncate_chars, truncate_words, wrap


def test_wrap_simple():
    assert wrap("the quick brown fox jumps", width=10) == ["the quick", "brown fox", "jumps"]


def test_wrap_exact_width_fits():
    assert wrap("abcd efgh", width=9) == ["abcd efgh"]


def test_wrap_collapses_whitespace():
    assert wrap("a   b\n\nc", width=80) == ["a b c"]


def test_wrap_with_indents():
    assert wrap("one two three four", width=10, initial_indent="* ", subsequent_indent="  ") == \
        ["* one two", "  three", "  four"]


def test_wrap_breaks_long_words():
    assert wrap("abcdefghij", width=4) == ["abcd", "efgh", "ij"]


def test_wrap_keeps_long_words_when_disabled():
    assert wrap("ab abcdefghij cd", width=4, break_long_words=False) == ["ab", "abcdefghij", "cd"]


def test_wrap_empty_text():
    assert wrap("", width=10) == []


def test_wrap_rejects_bad_width():
    with pytest.raises(ValueError):
        wrap("x", width=0)


def test_wrap_rejects_indent_wider_than_width():
    with pytest.raises(ValueError):
        wrap("word", width=3, initial_indent="    ")


def test_fill_joins_lines():
    assert fill("aa bb cc", width=5) == "aa bb\ncc"


def test_dedent_removes_common_margin():
    assert dedent("    a\n      b\n\n    c") == "a\n  b\n\nc"


def test_indent_skips_blank_lines():
    assert indent("a\n\nb", "> ") == "> a\n\n> b"


def test_indent_all_lines():
    assert indent("a\n\nb", "> ", skip_blank=False) == "> a\n> \n> b"


def test_truncate_words():
    assert truncate_words("one two three four", 2) == "one two..."


def test_truncate_words_no_cut_needed():
    assert truncate_words("one  two", 2) == "one two"


def test_truncate_chars_prefers_word_boundary():
    assert truncate_chars("hello wonderful world", 15) == "hello..."


def test_truncate_chars_short_text_unchanged():
    assert truncate_chars("short", 5) == "short"


def test_truncate_chars_hard_cut_without_space():
    assert truncate_chars("abcdefghij", 6) == "abc..."


def test_wrap_default_width_is_72():
    text = "x" * 70 + " yy zz"
    assert wrap(text) == ["x" * 70, "yy zz"]
    assert len(wrap("a " * 36)[0]) == 71


def test_fill_default_width():
    assert fill("word " * 20) == " ".join(["word"] * 14) + "\n" + " ".join(["word"] * 6)


def test_wrap_with_room_for_one_character():
    assert wrap("ab", width=2, initial_indent=" ") == [" a", " b"]
