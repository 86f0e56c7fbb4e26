import pytest

from docforge.markup.nodes import Link
from docforge.site.links import LinkIssue, LinkResolver, classify_href, resolve_target
from docforge.site.page import load_page
from docforge.site.paths import output_path


def make_site(sources):
    pages = {}
    for source, text in sources.items():
        page = load_page(source, text)
        page.output_path = output_path(source)
        pages[source] = page
    return LinkResolver(pages), pages


@pytest.mark.parametrize("href,kind", [
    ("", "empty"), ("  ", "empty"), ("#top", "anchor"), ("mailto:a@b.c", "mailto"),
    ("https://x.y", "external"), ("//cdn/x.js", "external"), ("ftp://f", "external"),
    ("guide.md", "internal"), ("../up.md#x", "internal"), ("/abs/path.md", "internal"),
])
def test_classify_href(href, kind):
    assert classify_href(href) == kind


def test_resolve_target_relative():
    assert resolve_target("docs/guide/a.md", "../b.md#sec") == ("docs/b.md", "sec")


def test_resolve_target_root_relative_and_query():
    assert resolve_target("docs/a.md", "/blog/post.md?x=1") == ("blog/post.md", "")


def test_resolve_target_same_page_fragment():
    assert resolve_target("a.md", "#x") == ("a.md", "x")


def test_resolve_target_escaping_root():
    assert resolve_target("a.md", "../../x.md") == (None, "")


def test_resolve_target_directory():
    assert resolve_target("index.md", "blog/") == ("blog/", "")


def test_find_page_variants():
    resolver, pages = make_site({"a.md": "", "blog/index.md": "", "b/index.md": ""})
    assert resolver.find_page("a") is pages["a.md"]
    assert resolver.find_page("a.md") is pages["a.md"]
    assert resolver.find_page("blog/") is pages["blog/index.md"]
    assert resolver.find_page("b") is pages["b/index.md"]
    assert resolver.find_page("c") is None
    assert resolver.find_page(None) is None


def test_check_reports_broken_links_and_anchors():
    resolver, _ = make_site({
        "index.md": "[ok](guide.md#install) [bad](missing.md) [frag](guide.md#nope) "
                    "[self](#top) [selfbad](#gone) [empty]() [ext](https://x.y)\n\n# Top",
        "guide.md": "# Guide\n\n## Install",
    })
    assert resolver.check() == [
        LinkIssue("index.md", "missing.md", "broken link"),
        LinkIssue("index.md", "guide.md#nope", "unknown anchor '#nope' in guide.md"),
        LinkIssue("index.md", "#gone", "unknown anchor '#gone'"),
        LinkIssue("index.md", "", "empty link"),
    ]


def test_check_sorted_by_source():
    resolver, _ = make_site({"b.md": "[x](nope.md)", "a.md": "[y](nope.md)"})
    assert [issue.source for issue in resolver.check()] == ["a.md", "b.md"]


def test_link_issue_str():
    assert str(LinkIssue("a.md", "x.md", "broken link")) == "a.md: x.md: broken link"


def test_rewrite_internal_links():
    resolver, pages = make_site({
        "index.md": "[g](docs/guide.md#install) [ext](https://x.y) [m](missing.md)",
        "docs/guide.md": "## Install",
    })
    assert resolver.rewrite(pages["index.md"]) == 1
    hrefs = [link.href for link in pages["index.md"].document.find_all(Link)]
    assert hrefs == ["docs/guide/#install", "https://x.y", "missing.md"]


def test_rewrite_from_nested_page():
    resolver, pages = make_site({"index.md": "# Home", "docs/guide.md": "[home](../index.md)"})
    resolver.rewrite(pages["docs/guide.md"])
    assert pages["docs/guide.md"].document.find_all(Link)[0].href == "../../"
