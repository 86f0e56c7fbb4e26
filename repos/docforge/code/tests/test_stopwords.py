from docforge.search.stopwords import STOPWORDS, is_stopword, remove_stopwords
from docforge.search.tokenizer import tokenize


def test_common_words_are_stopwords():
    assert all(is_stopword(w) for w in ["the", "and", "of", "is", "to"])


def test_content_words_are_not_stopwords():
    assert not is_stopword("python")
    assert not is_stopword("not")


def test_remove_stopwords_from_strings():
    assert remove_stopwords(["the", "cat", "is", "here"]) == ["cat", "here"]


def test_remove_stopwords_keeps_token_positions():
    kept = remove_stopwords(tokenize("the quick fox"))
    assert [(t.term, t.position) for t in kept] == [("quick", 1), ("fox", 2)]


def test_stopword_set_size():
    assert len(STOPWORDS) == 38
