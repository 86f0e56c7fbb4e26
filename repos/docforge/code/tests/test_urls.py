import pytest

from docforge.render.urls import (is_external, is_safe_url, normalize_url, sanitize_url,
                                  split_fragment, url_scheme)


def test_url_scheme():
    assert url_scheme("HTTPS://x") == "https"
    assert url_scheme("/path") is None
    assert url_scheme("java\tscript:alert(1)") == "javascript"


@pytest.mark.parametrize("url,safe", [
    ("https://example.com", True),
    ("mailto:a@b.c", True),
    ("page.html", True),
    ("javascript:alert(1)", False),
    ("JavaScript:alert(1)", False),
    (" javascript:x", False),
    ("data:text/html,hi", False),
    ("vbscript:x", False),
])
def test_is_safe_url(url, safe):
    assert is_safe_url(url) is safe


def test_normalize_url_encodes_spaces_and_unicode():
    assert normalize_url("/a b/ü") == "/a%20b/%C3%BC"


def test_normalize_url_preserves_existing_escapes():
    assert normalize_url("/a%20b") == "/a%20b"


def test_normalize_url_encodes_stray_percent():
    assert normalize_url("/100%") == "/100%25"
    assert normalize_url("/50%zz") == "/50%25zz"


def test_normalize_url_keeps_reserved_characters():
    assert normalize_url("https://x.y/p?q=1&r=2#frag") == "https://x.y/p?q=1&r=2#frag"


def test_sanitize_url_replaces_dangerous_urls():
    assert sanitize_url("javascript:alert(1)") == "#"
    assert sanitize_url("javascript:alert(1)", fallback="") == ""
    assert sanitize_url("/ok page") == "/ok%20page"


def test_is_external():
    assert is_external("https://x.y")
    assert is_external("//cdn.example.com/a.js")
    assert not is_external("mailto:a@b.c")
    assert not is_external("docs/page.md")


def test_split_fragment():
    assert split_fragment("page.md#sec") == ("page.md", "sec")
    assert split_fragment("page.md") == ("page.md", "")
    assert split_fragment("#top") == ("", "top")


def test_normalize_url_escape_at_end_of_url():
    assert normalize_url("/a%20") == "/a%20"
    assert normalize_url("/a%2") == "/a%252"


def test_normalize_url_requires_two_hex_digits():
    assert normalize_url("/%G0") == "/%25G0"
