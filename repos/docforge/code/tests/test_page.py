import datetime

from docforge.site.page import Page, load_page, normalize_tags, titleize


def test_titleize():
    assert titleize("getting-started_guide") == "Getting Started Guide"


def test_normalize_tags():
    assert normalize_tags("Python, web ,python,, Static  Sites") == ["python", "web", "static sites"]
    assert normalize_tags(["A", "b", "a"]) == ["a", "b"]
    assert normalize_tags(None) == []
    assert normalize_tags("") == []


def test_title_from_front_matter():
    assert load_page("x.md", "---\ntitle: Meta\n---\n# Heading").title == "Meta"


def test_title_from_first_h1():
    assert load_page("x.md", "## Sub\n\n# Main *One*").title == "Main One"


def test_title_from_filename():
    assert load_page("guide/first-steps.md", "text").title == "First Steps"


def test_slug_and_draft():
    page = load_page("x.md", "---\nslug: custom\ndraft: true\n---\n")
    assert (page.slug, page.draft) == ("custom", True)
    plain = load_page("x.md", "body")
    assert (plain.slug, plain.draft) == (None, False)


def test_draft_requires_boolean_true():
    assert load_page("x.md", "---\ndraft: maybe\n---\n").draft is False


def test_date_and_tags():
    page = load_page("x.md", "---\ndate: March 5, 2024\ntags: [B, a]\n---\n")
    assert page.date == datetime.date(2024, 3, 5)
    assert page.tags == ["b", "a"]
    assert load_page("x.md", "x").date is None


def test_weight_defaults_and_rejects_non_int():
    assert load_page("x.md", "---\nweight: 5\n---\n").weight == 5
    assert load_page("x.md", "---\nweight: high\n---\n").weight == 0
    assert load_page("x.md", "---\nweight: true\n---\n").weight == 0


def test_summary_from_first_paragraph():
    page = load_page("x.md", "# T\n\nOne *two*\nthree four.\n\nLater.")
    assert page.summary() == "One two three four."
    assert page.summary(words=2) == "One two..."


def test_summary_from_meta_and_empty():
    assert load_page("x.md", "---\nsummary: Given\n---\ntext").summary() == "Given"
    assert load_page("x.md", "# Only heading").summary() == ""


def test_anchors():
    assert load_page("x.md", "# A\n\n## B").anchors == {"a", "b"}


def test_stats_and_search_text():
    page = load_page("x.md", "# Title\n\nSee [the docs](http://x.y).")
    assert page.search_text() == "Title\n\nSee the docs.\n"
    assert page.plain_text() == "Title\n=====\n\nSee the docs (http://x.y).\n"
    assert page.stats().words == 4


def test_body_excludes_front_matter():
    page = load_page("x.md", "---\na: 1\n---\nbody")
    assert isinstance(page, Page)
    assert (page.meta, page.body) == ({"a": 1}, "body")


def test_summary_default_is_thirty_words():
    words = " ".join(f"w{i}" for i in range(40))
    assert load_page("x.md", words).summary() == " ".join(f"w{i}" for i in range(30)) + "..."


def test_weight_defaults_to_zero():
    assert load_page("x.md", "body").weight == 0
