"""URL classification, sanitising and percent-encoding for rendered links."""

import re

SAFE_SCHEMES = frozenset({"http", "https", "mailto", "ftp", "tel"})
SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_CONTROL_RE = re.compile(r"[\x00-\x20\x7f]+")
_HEX = "0123456789abcdefABCDEF"
_URL_SAFE = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    "-._~:/?#[]@!$&'()*+,;="
)


def url_scheme(url):
    """Lower-cased scheme of *url* (ignoring embedded control characters)."""
    match = SCHEME_RE.match(_CONTROL_RE.sub("", url))
    return match.group(1).lower() if match else None


def is_safe_url(url):
    scheme = url_scheme(url)
    return scheme is None or scheme in SAFE_SCHEMES


def normalize_url(url):
    """Percent-encode characters that are not allowed in a URL.

    Existing ``%XX`` escapes are preserved; a stray ``%`` becomes ``%25``.
    """
    out = []
    i = 0
    while i < len(url):
        ch = url[i]
        if ch == "%":
            if i + 2 < len(url) and url[i + 1] in _HEX and url[i + 2] in _HEX:
                out.append(url[i:i + 3])
                i += 3
                continue
            out.append("%25")
        elif ch in _URL_SAFE:
            out.append(ch)
        else:
            out.append("".join(f"%{byte:02X}" for byte in ch.encode("utf-8")))
        i += 1
    return "".join(out)


def sanitize_url(url, fallback="#"):
    """Normalise a safe URL; replace a dangerous one (``javascript:``...) by *fallback*."""
    if not is_safe_url(url):
        return fallback
    return normalize_url(url)


def is_external(url):
    return url.startswith("//") or url_scheme(url) in ("http", "https")


def split_fragment(url):
    """Split ``path#fragment``; the fragment is ``""`` when absent."""
    path, _, fragment = url.partition("#")
    return path, fragment
