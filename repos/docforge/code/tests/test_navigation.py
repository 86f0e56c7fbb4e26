from docforge.site.navigation import (breadcrumbs, group_by_archive, group_by_tag, prev_next,
                                      sort_pages)
from docforge.site.page import load_page


def page(source, **meta):
    front = "".join(f"{key}: {value}\n" for key, value in meta.items())
    return load_page(source, f"---\n{front}---\n")


def titles(pages):
    return [p.title for p in pages]


def test_sort_by_weight_first():
    pages = [page("a.md", title="A", weight=2), page("b.md", title="B", weight=1)]
    assert titles(sort_pages(pages)) == ["B", "A"]


def test_sort_newest_dated_first_then_undated_by_title():
    pages = [page("a.md", title="zeta"), page("b.md", title="Old", date="2020-01-01"),
             page("c.md", title="New", date="2023-06-01"), page("d.md", title="Alpha")]
    assert titles(sort_pages(pages)) == ["New", "Old", "Alpha", "zeta"]


def test_sort_tie_breaks_on_source_path():
    pages = [page("b.md", title="Same"), page("a.md", title="Same")]
    assert [p.source_path for p in sort_pages(pages)] == ["a.md", "b.md"]


def test_prev_next():
    pages = [page("a.md"), page("b.md"), page("c.md")]
    links = prev_next(pages)
    assert links["a.md"] == (None, pages[1])
    assert links["b.md"] == (pages[0], pages[2])
    assert links["c.md"] == (pages[1], None)


def test_breadcrumbs():
    assert breadcrumbs("/guide/setup-notes/install/") == [
        ("Home", "/"), ("Guide", "/guide/"), ("Setup Notes", "/guide/setup-notes/")]
    assert breadcrumbs("/") == [("Home", "/")]
    assert breadcrumbs("/about/", home="Start") == [("Start", "/")]


def test_group_by_tag():
    a = page("a.md", tags="[web, Python]")
    b = page("b.md", tags="[python]")
    groups = group_by_tag([a, b])
    assert list(groups) == ["python", "web"]
    assert groups["python"] == [a, b]
    assert groups["web"] == [a]


def test_group_by_archive():
    a = page("a.md", date="2024-01-15")
    b = page("b.md", date="2023-12-01")
    c = page("c.md", date="2024-01-02")
    d = page("d.md")
    groups = group_by_archive([a, b, c, d])
    assert list(groups) == ["2024/01", "2023/12"]
    assert groups["2024/01"] == [a, c]
