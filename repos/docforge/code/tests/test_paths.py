import pytest

from docforge.site.paths import (is_source_file, normalize_source_path, output_depth, output_path,
                                 relative_url, root_prefix, strip_extension, url_for)


def test_normalize_source_path():
    assert normalize_source_path("./docs//guide/../intro.md") == "docs/intro.md"
    assert normalize_source_path("a\\b.md") == "a/b.md"


def test_normalize_source_path_rejects_escape():
    with pytest.raises(ValueError):
        normalize_source_path("../outside.md")
    with pytest.raises(ValueError):
        normalize_source_path("./")


def test_strip_extension():
    assert strip_extension("post.MD") == "post"
    assert strip_extension("notes.markdown") == "notes"
    assert strip_extension("image.png") == "image.png"


def test_is_source_file():
    assert is_source_file("a/b.md")
    assert not is_source_file("a/b.html")


@pytest.mark.parametrize("source,pretty,expected", [
    ("about.md", True, "about/index.html"),
    ("about.md", False, "about.html"),
    ("index.md", True, "index.html"),
    ("blog/index.md", True, "blog/index.html"),
    ("blog/README.md", False, "blog/index.html"),
    ("blog/2024/post.md", True, "blog/2024/post/index.html"),
])
def test_output_path(source, pretty, expected):
    assert output_path(source, pretty) == expected


def test_output_path_with_slug():
    assert output_path("blog/post.md", slug="hello") == "blog/hello/index.html"
    assert output_path("blog/index.md", pretty_urls=False, slug="home") == "blog/home.html"


@pytest.mark.parametrize("out,base,expected", [
    ("index.html", "/", "/"),
    ("blog/index.html", "/", "/blog/"),
    ("blog/post.html", "/", "/blog/post.html"),
    ("about/index.html", "/docs/", "/docs/about/"),
    ("about/index.html", "https://x.org/", "https://x.org/about/"),
])
def test_url_for(out, base, expected):
    assert url_for(out, base) == expected


@pytest.mark.parametrize("source,target,expected", [
    ("index.html", "about/index.html", "about/"),
    ("about/index.html", "index.html", "../"),
    ("blog/a/index.html", "blog/b/index.html", "../b/"),
    ("blog/a/index.html", "blog/a/index.html", "./"),
    ("a.html", "b.html", "b.html"),
    ("docs/a.html", "img/x.png", "../img/x.png"),
])
def test_relative_url(source, target, expected):
    assert relative_url(source, target) == expected


def test_output_depth_and_root_prefix():
    assert output_depth("index.html") == 0
    assert output_depth("a/b/index.html") == 2
    assert root_prefix("index.html") == "./"
    assert root_prefix("a/b/index.html") == "../../"
