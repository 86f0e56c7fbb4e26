from docforge.search.index import InvertedIndex
from docforge.search.searcher import SearchResult, Searcher


def make_searcher():
    index = InvertedIndex()
    index.add_document("/install/", "Install the package with pip. Installing is easy.", title="Install")
    index.add_document("/usage/", "Usage: run the parser on a document.", title="Usage")
    index.add_document("/faq/", "The parser can fail to install on old systems.", title="FAQ")
    return Searcher(index, snippet_width=60)


def ids(results):
    return [r.doc_id for r in results]


def test_single_term_ranked_with_title_boost():
    assert ids(make_searcher().search("install")) == ["/install/", "/faq/"]


def test_and_semantics():
    assert ids(make_searcher().search("parser install")) == ["/faq/"]


def test_or_semantics():
    assert sorted(ids(make_searcher().search("pip OR document"))) == ["/install/", "/usage/"]


def test_exclusion():
    assert ids(make_searcher().search("parser -fail")) == ["/usage/"]


def test_phrase_search():
    searcher = make_searcher()
    assert ids(searcher.search('"fail to install"')) == ["/faq/"]
    assert ids(searcher.search('"install fail"')) == []


def test_no_results_for_unknown_or_empty_query():
    searcher = make_searcher()
    assert searcher.search("zebra") == []
    assert searcher.search("the") == []


def test_limit():
    assert len(make_searcher().search("install", limit=1)) == 1


def test_result_fields():
    (result,) = make_searcher().search("pip")
    assert isinstance(result, SearchResult)
    assert result.title == "Install"
    assert result.snippet == "Install the package with <mark>pip</mark>. Installing is easy."
    assert result.score > 0


def test_search_without_stemming():
    index = InvertedIndex(use_stemming=False)
    index.add_document("a", "running fast")
    searcher = Searcher(index)
    assert searcher.search("run") == []
    assert searcher.search("running")[0].snippet == "<mark>running</mark> fast"


def test_default_snippet_width_is_120():
    index = InvertedIndex()
    index.add_document("a", "needle " + "word " * 60)
    snippet = Searcher(index).search("needle")[0].snippet
    assert snippet == "<mark>needle</mark> " + " ".join(["word"] * 22) + "\u2026"


def test_default_limit_is_ten():
    index = InvertedIndex()
    for number in range(12):
        index.add_document(f"doc{number:02d}", "common word")
    assert ids(Searcher(index).search("common")) == [f"doc{n:02d}" for n in range(10)]
