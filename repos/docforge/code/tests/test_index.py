import pytest

from docforge.search.index import InvertedIndex


def make_index():
    index = InvertedIndex()
    index.add_document("a", "The cat sat on the mat. Cats!", title="Cats")
    index.add_document("b", "A dog chased the cat", title="Dogs")
    return index


def test_analyze_drops_stopwords_keeps_positions_and_stems():
    assert InvertedIndex().analyze("The cats are running") == [("cat", 1), ("run", 3)]


def test_analyze_without_stemming_or_stopwords():
    index = InvertedIndex(use_stemming=False, use_stopwords=False)
    assert index.analyze_terms("The cats") == ["the", "cats"]


def test_postings_and_frequencies():
    index = make_index()
    assert index.positions("cat", "a") == [1, 6]
    assert index.term_frequency("cat", "a") == 2
    assert index.term_frequency("cat", "b") == 1
    assert index.document_frequency("cat") == 2
    assert index.document_frequency("dog") == 1
    assert index.document_frequency("zebra") == 0


def test_document_lengths_and_average():
    index = make_index()
    assert index.doc_lengths == {"a": 4, "b": 3}
    assert index.average_length == 3.5
    assert index.document_count == 2
    assert InvertedIndex().average_length == 0.0


def test_title_terms():
    assert make_index().title_terms["a"] == {"cat"}


def test_duplicate_document_rejected():
    index = make_index()
    with pytest.raises(ValueError, match="duplicate document id"):
        index.add_document("a", "again")


def test_remove_document_cleans_postings():
    index = make_index()
    index.remove_document("b")
    assert index.documents_with("cat") == {"a"}
    assert "dog" not in index.postings
    assert index.document_count == 1
    with pytest.raises(KeyError):
        index.remove_document("b")


def test_round_trip_serialisation():
    index = make_index()
    data = index.to_dict()
    assert data["version"] == 1
    assert list(data["documents"]) == ["a", "b"]
    clone = InvertedIndex.from_dict(data)
    assert clone.postings == index.postings
    assert clone.titles == index.titles


def test_from_dict_rejects_other_versions():
    with pytest.raises(ValueError, match="unsupported index version"):
        InvertedIndex.from_dict({"version": 99})
