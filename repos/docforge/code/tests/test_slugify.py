import pytest

from docforge.text.slugify import SlugRegistry, ascii_fold, slugify


def test_slugify_basic():
    assert slugify("Hello, World!") == "hello-world"


def test_slugify_strips_accents():
    assert slugify("Crème Brûlée") == "creme-brulee"


def test_slugify_removes_apostrophes():
    assert slugify("Don't panic") == "dont-panic"


def test_slugify_custom_separator():
    assert slugify("a b  c", separator="_") == "a_b_c"


def test_slugify_keeps_case_when_asked():
    assert slugify("Hello World", lowercase=False) == "Hello-World"


def test_slugify_trims_separators():
    assert slugify("  --Title--  ") == "title"


def test_slugify_max_length_cuts_at_word_boundary():
    assert slugify("the quick brown fox", max_length=12) == "the-quick"


def test_slugify_max_length_exact_boundary():
    assert slugify("the quick brown fox", max_length=9) == "the-quick"


def test_slugify_max_length_single_long_word():
    assert slugify("supercalifragilistic", max_length=5) == "super"


def test_slugify_non_ascii_only_gives_empty():
    assert slugify("日本語") == ""


def test_ascii_fold():
    assert ascii_fold("Ångström") == "Angstrom"


def test_registry_generates_unique_suffixes():
    registry = SlugRegistry()
    assert [registry.unique("Intro"), registry.unique("Intro"), registry.unique("intro")] == \
        ["intro", "intro-1", "intro-2"]


def test_registry_skips_reserved_suffix():
    registry = SlugRegistry()
    registry.reserve("intro-1")
    assert registry.unique("Intro") == "intro"
    assert registry.unique("Intro") == "intro-2"


def test_registry_fallback_for_empty_slug():
    registry = SlugRegistry()
    assert registry.unique("???") == "section"
    assert registry.unique("!!!") == "section-1"


def test_registry_reserve_reports_duplicates():
    registry = SlugRegistry()
    assert registry.reserve("a") is True
    assert registry.reserve("a") is False
    assert "a" in registry
    assert len(registry) == 1


def test_registry_reset():
    registry = SlugRegistry()
    registry.unique("x")
    registry.reset()
    assert registry.unique("x") == "x"


@pytest.mark.parametrize("text,expected", [
    ("C++ & Rust", "c-rust"),
    ("version 2.0", "version-2-0"),
    ("__init__", "init"),
])
def test_slugify_punctuation(text, expected):
    assert slugify(text) == expected


def test_slugify_max_length_equal_to_length_is_unchanged():
    assert slugify("the quick", max_length=9) == "the-quick"
