import pytest

from docforge.errors import ConfigError
from docforge.site.config import SiteConfig, load_config, validate_config


def test_defaults():
    config = validate_config({})
    assert config == SiteConfig()
    assert (config.title, config.base_url, config.toc_depth, config.per_page) == ("Untitled", "/", 3, 10)


def test_load_config_text():
    config = load_config("title: Docs\nbase_url: /docs\npretty_urls: no\nexclude: [drafts/*]")
    assert (config.title, config.base_url, config.pretty_urls, config.exclude) == \
        ("Docs", "/docs/", False, ["drafts/*"])


def test_absolute_base_url_gets_trailing_slash():
    assert validate_config({"base_url": "https://x.org/site"}).base_url == "https://x.org/site/"


def test_single_exclude_string_becomes_list():
    assert validate_config({"exclude": "*.txt"}).exclude == ["*.txt"]


def test_unknown_keys_reported():
    with pytest.raises(ConfigError) as info:
        validate_config({"titel": "x"})
    assert info.value.issues == ["unknown key 'titel'"]


def test_type_errors_reported():
    with pytest.raises(ConfigError) as info:
        validate_config({"toc_depth": "3", "drafts": "yes"})
    assert info.value.issues == ["'toc_depth' must be of type int, got str",
                                 "'drafts' must be of type bool, got str"]


def test_bool_is_not_accepted_as_int():
    with pytest.raises(ConfigError, match="'per_page' must be of type int, got bool"):
        validate_config({"per_page": True})


@pytest.mark.parametrize("raw,message", [
    ({"toc_depth": 0}, "'toc_depth' must be between 1 and 6"),
    ({"toc_depth": 7}, "'toc_depth' must be between 1 and 6"),
    ({"words_per_minute": 0}, "'words_per_minute' must be positive"),
    ({"per_page": 0}, "'per_page' must be at least 1"),
    ({"base_url": "docs/"}, "'base_url' must start with"),
    ({"language": "english"}, "'language' is not a valid language code"),
    ({"output_dir": "../out"}, "'output_dir' must be a relative path"),
    ({"output_dir": "/abs"}, "'output_dir' must be a relative path"),
])
def test_semantic_validation(raw, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        validate_config(raw)


def test_boundary_values_accepted():
    config = validate_config({"toc_depth": 6, "per_page": 1, "words_per_minute": 1, "language": "pt-BR"})
    assert (config.toc_depth, config.per_page, config.language) == (6, 1, "pt-BR")


def test_multiple_issues_in_one_error():
    with pytest.raises(ConfigError) as info:
        validate_config({"toc_depth": 9, "language": "x"})
    assert len(info.value.issues) == 2
    assert str(info.value).startswith("invalid configuration: 'toc_depth'")


def test_syntax_error_becomes_config_error():
    with pytest.raises(ConfigError, match="line 2"):
        load_config("title: ok\nnot valid")


def test_default_exclude_list_not_shared():
    first = validate_config({})
    first.exclude.append("x")
    assert validate_config({}).exclude == []
