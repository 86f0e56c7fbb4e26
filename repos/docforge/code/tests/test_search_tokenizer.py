from docforge.search.tokenizer import Token, normalize_term, terms, tokenize


def test_tokenize_positions_and_offsets():
    assert tokenize("Hello, World") == [Token("hello", 0, 0, 5), Token("world", 1, 7, 12)]


def test_apostrophes_removed():
    assert terms("Don't stop") == ["dont", "stop"]
    assert terms("it\u2019s") == ["its"]


def test_accents_folded():
    assert terms("Café naïve") == ["cafe", "naive"]


def test_underscores_and_punctuation_split_words():
    assert terms("snake_case foo-bar v2.0") == ["snake", "case", "foo", "bar", "v2", "0"]


def test_non_ascii_words_are_kept():
    assert terms("日本 test") == ["日本", "test"]


def test_overlong_tokens_skipped():
    assert terms("a" * 41 + " ok") == ["ok"]
    assert terms("b" * 40) == ["b" * 40]


def test_normalize_term():
    assert normalize_term("Ärger") == "arger"
