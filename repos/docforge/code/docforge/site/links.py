"""Resolution, checking and rewriting of links between pages."""

import posixpath
from dataclasses import dataclass

from ..markup.nodes import Link
from ..render.urls import split_fragment, url_scheme
from .paths import normalize_source_path, relative_url


@dataclass(frozen=True)
class LinkIssue:
    source: str
    href: str
    reason: str

    def __str__(self):
        return f"{self.source}: {self.href}: {self.reason}"


def classify_href(href):
    """One of ``empty``, ``anchor``, ``mailto``, ``external`` or ``internal``."""
    if not href.strip():
        return "empty"
    if href.startswith("#"):
        return "anchor"
    scheme = url_scheme(href)
    if scheme == "mailto":
        return "mailto"
    if scheme or href.startswith("//"):
        return "external"
    return "internal"


def resolve_target(from_source, href):
    """Return ``(candidate_source_path, fragment)`` for an internal link."""
    path, fragment = split_fragment(href)
    path = path.split("?", 1)[0]
    if not path:
        return from_source, fragment
    trailing_slash = path.endswith("/")
    if path.startswith("/"):
        joined = path.lstrip("/")
    else:
        joined = posixpath.join(posixpath.dirname(from_source), path)
    try:
        candidate = normalize_source_path(joined)
    except ValueError:
        return None, fragment
    if trailing_slash:
        candidate += "/"
    return candidate, fragment


class LinkResolver:
    def __init__(self, pages):
        self.pages = dict(pages)

    def find_page(self, candidate):
        if candidate is None:
            return None
        if candidate.endswith("/"):
            options = [candidate + "index.md"]
        else:
            options = [candidate, candidate + ".md", candidate + "/index.md"]
        for option in options:
            if option in self.pages:
                return self.pages[option]
        return None

    def resolve(self, page, href):
        candidate, fragment = resolve_target(page.source_path, href)
        return self.find_page(candidate), fragment

    def check_page(self, page):
        issues = []
        for link in page.document.find_all(Link):
            kind = classify_href(link.href)
            if kind == "empty":
                issues.append(LinkIssue(page.source_path, link.href, "empty link"))
            elif kind == "anchor":
                if link.href[1:] not in page.anchors:
                    issues.append(LinkIssue(page.source_path, link.href,
                                            f"unknown anchor '{link.href}'"))
            elif kind == "internal":
                target, fragment = self.resolve(page, link.href)
                if target is None:
                    issues.append(LinkIssue(page.source_path, link.href, "broken link"))
                elif fragment and fragment not in target.anchors:
                    issues.append(LinkIssue(page.source_path, link.href,
                                            f"unknown anchor '#{fragment}' in {target.source_path}"))
        return issues

    def check(self):
        issues = []
        for source in sorted(self.pages):
            issues.extend(self.check_page(self.pages[source]))
        return issues

    def rewrite(self, page):
        """Point internal links at the target pages' output files."""
        changed = 0
        for link in page.document.find_all(Link):
            if classify_href(link.href) != "internal":
                continue
            target, fragment = self.resolve(page, link.href)
            if target is None or not target.output_path:
                continue
            href = relative_url(page.output_path, target.output_path)
            link.href = href + (f"#{fragment}" if fragment else "")
            changed += 1
        return changed
