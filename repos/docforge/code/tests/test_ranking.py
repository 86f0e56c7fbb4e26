import math

import pytest

from docforge.search.index import InvertedIndex
from docforge.search.ranking import bm25_term, idf, rank, score_document


def test_idf_values():
    assert idf(1, 10) == pytest.approx(math.log(1 + 9.5 / 1.5))
    assert idf(10, 10) == pytest.approx(math.log(1 + 0.5 / 10.5))
    assert idf(1, 10) > idf(5, 10)


def test_bm25_zero_tf():
    assert bm25_term(0, 1, 10, 5, 5) == 0.0


def test_bm25_average_length_document():
    expected = idf(1, 10) * 1 * 2.2 / (1 + 1.2)
    assert bm25_term(1, 1, 10, 5, 5) == pytest.approx(expected)


def test_bm25_longer_documents_score_lower():
    assert bm25_term(1, 1, 10, 20, 5) < bm25_term(1, 1, 10, 2, 5)


def test_bm25_more_occurrences_score_higher():
    assert bm25_term(3, 1, 10, 5, 5) > bm25_term(1, 1, 10, 5, 5)


def test_bm25_without_average_length():
    assert bm25_term(1, 1, 10, 5, 0) == pytest.approx(idf(1, 10))


def test_score_document_includes_title_boost():
    index = InvertedIndex(title_boost=2.0)
    index.add_document("a", "cat", title="cat")
    index.add_document("b", "cat", title="")
    assert score_document(index, "a", ["cat"]) - score_document(index, "b", ["cat"]) == \
        pytest.approx(2.0 * idf(2, 2))


def test_score_document_ignores_unknown_terms():
    index = InvertedIndex()
    index.add_document("a", "cat")
    assert score_document(index, "a", ["zebra"]) == 0.0


def test_rank_orders_by_score_then_id():
    assert rank({"b": 1.0, "a": 1.0, "c": 2.123456}) == [("c", 2.1235), ("a", 1.0), ("b", 1.0)]


def test_rank_limit():
    assert rank({"a": 1, "b": 2, "c": 3}, limit=2) == [("c", 3), ("b", 2)]


def test_bm25_with_unit_average_length():
    assert bm25_term(1, 1, 10, 1, 1) == pytest.approx(idf(1, 10))
    assert bm25_term(1, 1, 10, 3, 1) == pytest.approx(idf(1, 10) * 2.2 / (1 + 1.2 * (0.25 + 2.25)))
