import pytest

from docforge.errors import BuildError
from docforge.search.searcher import Searcher
from docforge.site.builder import SiteBuilder
from docforge.site.config import validate_config

SOURCES = {
    "index.md": "---\ntitle: Home\n---\nWelcome. Read the [guide](guide/setup.md#install).",
    "guide/setup.md": "---\ntitle: Setup\ndate: 2024-03-05\ntags: [Guide]\n---\n"
                      "# Setup\n\n## Install\n\nRun the installer.",
    "drafts/wip.md": "---\ndraft: true\n---\nSecret",
    "notes.txt": "Plain notes",
}

TEMPLATE = ("{{ page.title }}|{{ page.url }}|{{ page.date|date('short') }}|{{ page.tags|join(',') }}|"
            "{{ page.reading_time }}|{% if prev %}{{ prev.url }}{% endif %}|"
            "{% if next %}{{ next.url }}{% endif %}\n{{ toc }}\n{{ content }}")


def build(sources=SOURCES, **config):
    builder = SiteBuilder(validate_config(config), sources, {"page.html": TEMPLATE})
    return builder, builder.build()


def test_output_files():
    _, result = build()
    assert sorted(result.files) == ["guide/setup/index.html", "index.html", "notes/index.html"]


def test_drafts_included_when_enabled():
    _, result = build(drafts=True)
    assert "drafts/wip/index.html" in result.files


def test_exclude_patterns():
    _, result = build(exclude=["*.txt"])
    assert "notes/index.html" not in result.files


def test_page_rendering_context():
    _, result = build()
    page = result.files["guide/setup/index.html"]
    first_line = page.split("\n")[0]
    assert first_line == "Setup|/guide/setup/|Mar 5, 2024|guide|1 minute||/"
    assert '<ul class="toc">' in page
    assert '<h2 id="install">Install</h2>' in page


def test_links_are_rewritten_to_output_urls():
    _, result = build()
    assert '<a href="guide/setup/#install">guide</a>' in result.files["index.html"]


def test_content_is_not_double_escaped_but_titles_are():
    builder = SiteBuilder(validate_config({"title": "A & B"}), {"index.md": "x < y"})
    html = builder.build().files["index.html"]
    assert "<title>Index | A &amp; B</title>" in html
    assert "<p>x &lt; y</p>" in html


def test_pages_sorted_with_prev_next():
    _, result = build()
    assert [p.source_path for p in result.pages] == ["guide/setup.md", "index.md", "notes.txt"]
    assert result.files["index.html"].split("\n")[0] == "Home|/|||1 minute|/guide/setup/|/notes/"


def test_link_issues_collected():
    _, result = build({"index.md": "[x](nope.md)"})
    assert [str(i) for i in result.issues] == ["index.md: nope.md: broken link"]


def test_strict_links_raise():
    builder = SiteBuilder(validate_config({}), {"index.md": "[x](nope.md)"}, strict_links=True)
    with pytest.raises(BuildError, match="1 broken link"):
        builder.build()


def test_output_path_collision():
    builder = SiteBuilder(validate_config({}), {"a.md": "x", "a/index.md": "y"})
    with pytest.raises(BuildError, match="collision"):
        builder.build()


def test_slug_collision_detected():
    sources = {"one.md": "---\nslug: same\n---\n", "same.md": "x"}
    with pytest.raises(BuildError, match="both map to same/index.html"):
        SiteBuilder(validate_config({}), sources).build()


def test_non_pretty_urls():
    _, result = build(pretty_urls=False)
    assert sorted(result.files) == ["guide/setup.html", "index.html", "notes.html"]


def test_base_url_used_for_page_urls():
    _, result = build(base_url="/docs")
    assert [p.url for p in result.pages] == ["/docs/guide/setup/", "/docs/", "/docs/notes/"]


def test_search_index_built():
    _, result = build()
    results = Searcher(result.index).search("installer")
    assert [r.doc_id for r in results] == ["/guide/setup/"]


def test_write_files(tmp_path):
    builder, result = build(output_dir="public")
    written = builder.write(result, tmp_path)
    assert len(written) == 3
    assert (tmp_path / "public" / "guide" / "setup" / "index.html").read_text(encoding="utf-8") == \
        result.files["guide/setup/index.html"]


def test_default_template():
    builder = SiteBuilder(validate_config({"language": "de"}), {"index.md": "# Hi"})
    html = builder.build().files["index.html"]
    assert html.startswith('<!DOCTYPE html>\n<html lang="de">\n<head><title>Hi | Untitled</title>')
