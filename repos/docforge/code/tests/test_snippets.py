from docforge.search.snippets import best_window_start, highlight, make_snippet
from docforge.search.tokenizer import tokenize


def test_highlight_marks_stemmed_matches_and_escapes():
    assert highlight("Running <fast> runs", {"run"}) == "<mark>Running</mark> &lt;fast&gt; <mark>runs</mark>"


def test_highlight_custom_marks():
    assert highlight("a cat", {"cat"}, mark=("[", "]")) == "a [cat]"


def test_snippet_without_matches_truncates_at_word():
    assert make_snippet("alpha beta gamma delta", {"zzz"}, width=12) == "alpha beta\u2026"


def test_snippet_short_text_without_matches():
    assert make_snippet("a < b", {"zzz"}) == "a &lt; b"


def test_snippet_whole_text_when_short():
    assert make_snippet("the cat sat", {"cat"}) == "the <mark>cat</mark> sat"


def test_snippet_window_around_match():
    text = " ".join(f"w{i}" for i in range(40)) + " target " + " ".join(f"x{i}" for i in range(40))
    snippet = make_snippet(text, {"target"}, width=40)
    assert snippet == "\u2026w33 w34 w35 w36 w37 w38 w39 <mark>target</mark> x0\u2026"


def test_best_window_prefers_distinct_terms():
    text = "cat filler filler filler filler filler cat dog"
    matches = [t for t in tokenize(text) if t.term in {"cat", "dog"}]
    assert best_window_start(matches, 12) == 39


def test_default_width_and_context_before():
    text = ("lead " * 30) + "match" + (" tail" * 40)
    snippet = make_snippet(text, {"match"})
    assert snippet.startswith("\u2026lead lead lead lead lead lead <mark>match</mark> tail")
    assert snippet.endswith("tail\u2026")
    assert len(snippet.replace("<mark>", "").replace("</mark>", "")) == 117


def test_window_start_moves_to_next_word_when_cut_mid_word():
    from docforge.search.snippets import _word_start
    assert _word_start("abc def ghi", 5) == 8
    assert _word_start("abc def ghi", 4) == 4
    assert _word_start("abc def", 0) == 0


def test_best_window_tie_prefers_earliest():
    matches = [t for t in tokenize("cat x cat") if t.term == "cat"]
    assert best_window_start(matches, 3) == 0
