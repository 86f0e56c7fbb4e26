"""Site configuration: parsing, defaults and validation."""

import re
from dataclasses import dataclass, field

from ..errors import ConfigError, FrontMatterError
from .frontmatter import parse_front_matter

FIELD_TYPES = {
    "title": str,
    "base_url": str,
    "pretty_urls": bool,
    "output_dir": str,
    "language": str,
    "author": str,
    "toc_depth": int,
    "drafts": bool,
    "words_per_minute": int,
    "per_page": int,
    "exclude": list,
}

DEFAULTS = {
    "title": "Untitled",
    "base_url": "/",
    "pretty_urls": True,
    "output_dir": "_site",
    "language": "en",
    "author": "",
    "toc_depth": 3,
    "drafts": False,
    "words_per_minute": 200,
    "per_page": 10,
    "exclude": [],
}

LANGUAGE_RE = re.compile(r"^[a-z]{2}(?:-[A-Z]{2})?$")


@dataclass
class SiteConfig:
    title: str = DEFAULTS["title"]
    base_url: str = DEFAULTS["base_url"]
    pretty_urls: bool = DEFAULTS["pretty_urls"]
    output_dir: str = DEFAULTS["output_dir"]
    language: str = DEFAULTS["language"]
    author: str = DEFAULTS["author"]
    toc_depth: int = DEFAULTS["toc_depth"]
    drafts: bool = DEFAULTS["drafts"]
    words_per_minute: int = DEFAULTS["words_per_minute"]
    per_page: int = DEFAULTS["per_page"]
    exclude: list = field(default_factory=list)


def parse_config_text(text):
    try:
        return parse_front_matter(text, first_lineno=1)
    except FrontMatterError as exc:
        raise ConfigError(str(exc)) from exc


def _check_type(key, value, expected):
    if expected is int and isinstance(value, bool):
        return False
    return isinstance(value, expected)


def normalize_base_url(url):
    if not url.endswith("/"):
        url += "/"
    return url


def validate_config(raw):
    """Validate a raw mapping and return a :class:`SiteConfig`.

    All problems are collected and reported together in one ``ConfigError``.
    """
    issues = [f"unknown key '{key}'" for key in sorted(set(raw) - set(FIELD_TYPES))]
    values = {key: (list(value) if isinstance(value, list) else value)
              for key, value in DEFAULTS.items()}
    for key, expected in FIELD_TYPES.items():
        if key not in raw:
            continue
        value = raw[key]
        if expected is list and isinstance(value, str):
            value = [value]
        if not _check_type(key, value, expected):
            issues.append(f"'{key}' must be of type {expected.__name__}, "
                          f"got {type(value).__name__}")
            continue
        values[key] = value
    if not 1 <= values["toc_depth"] <= 6:
        issues.append("'toc_depth' must be between 1 and 6")
    if values["words_per_minute"] <= 0:
        issues.append("'words_per_minute' must be positive")
    if values["per_page"] < 1:
        issues.append("'per_page' must be at least 1")
    base_url = values["base_url"]
    if not base_url.startswith(("/", "http://", "https://")):
        issues.append("'base_url' must start with '/', 'http://' or 'https://'")
    else:
        values["base_url"] = normalize_base_url(base_url)
    if not LANGUAGE_RE.match(values["language"]):
        issues.append(f"'language' is not a valid language code: {values['language']!r}")
    output_dir = values["output_dir"]
    if not output_dir or output_dir.startswith("/") or ".." in output_dir.split("/"):
        issues.append("'output_dir' must be a relative path inside the project")
    if issues:
        raise ConfigError(issues)
    return SiteConfig(**values)


def load_config(text):
    return validate_config(parse_config_text(text))
