import pytest

from docforge.errors import QueryError
from docforge.search.index import InvertedIndex
from docforge.search.query import Query, parse_query

ANALYZE = InvertedIndex().analyze


def test_terms_are_and_clauses():
    assert parse_query("fast parsers", ANALYZE).clauses == [["fast"], ["parser"]]


def test_or_joins_neighbouring_terms():
    assert parse_query("cat OR dog fish", ANALYZE).clauses == [["cat", "dog"], ["fish"]]


def test_lowercase_or_is_a_stopword():
    assert parse_query("cat or dog", ANALYZE).clauses == [["cat"], ["dog"]]


def test_phrase_offsets_account_for_stopwords():
    query = parse_query('"war of the worlds"', ANALYZE)
    assert query.phrases == [[("war", 0), ("world", 3)]]
    assert query.clauses == []


def test_single_word_phrase_becomes_clause():
    assert parse_query('"cats"', ANALYZE).clauses == [["cat"]]


def test_exclusions():
    query = parse_query("python -snakes -snake", ANALYZE)
    assert query.excluded == ["snak"]
    assert query.clauses == [["python"]]


def test_positive_terms_are_unique_and_ordered():
    query = parse_query('cat dog "dog food"', ANALYZE)
    assert query.positive_terms() == ["cat", "dog", "food"]


def test_unbalanced_quote():
    with pytest.raises(QueryError, match="unbalanced quote"):
        parse_query('"open', ANALYZE)


@pytest.mark.parametrize("text", ["OR cat", "cat OR"])
def test_dangling_or(text):
    with pytest.raises(QueryError, match="OR must appear between two terms"):
        parse_query(text, ANALYZE)


def test_only_exclusions_is_an_error():
    with pytest.raises(QueryError):
        parse_query("-cat", ANALYZE)


def test_empty_query():
    query = parse_query("the of", ANALYZE)
    assert query == Query()
    assert query.is_empty
