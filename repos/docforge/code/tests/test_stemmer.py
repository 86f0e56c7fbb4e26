import pytest

from docforge.search.stemmer import ends_double_consonant, has_vowel, stem


@pytest.mark.parametrize("word,expected", [
    ("running", "run"),
    ("jumped", "jump"),
    ("falling", "fall"),
    ("buzzing", "buzz"),
    ("pages", "page"),
    ("page", "page"),
    ("templates", "templat"),
    ("template", "templat"),
    ("classes", "class"),
    ("libraries", "library"),
    ("ties", "tie"),
    ("relational", "relat"),
    ("organization", "organiz"),
    ("helpfulness", "helpful"),
    ("darkness", "dark"),
    ("quickly", "quick"),
    ("early", "early"),
    ("status", "status"),
    ("analysis", "analysis"),
    ("glass", "glass"),
    ("sing", "sing"),
    ("need", "need"),
    ("bed", "bed"),
    ("Rendered", "render"),
    ("cat", "cat"),
])
def test_stem(word, expected):
    assert stem(word) == expected


def test_has_vowel():
    assert has_vowel("try") is True
    assert has_vowel("y") is False
    assert has_vowel("str") is False


def test_ends_double_consonant():
    assert ends_double_consonant("runn")
    assert not ends_double_consonant("see")
    assert not ends_double_consonant("a")


def test_ly_suffix_length_threshold():
    assert stem("lovely") == "love"
    assert stem("holy") == "holy"


def test_short_bases_keep_their_suffix_boundaries():
    assert stem("eating") == "eat"
    assert stem("abness") == "abness"
    assert stem("sadness") == "sad"
