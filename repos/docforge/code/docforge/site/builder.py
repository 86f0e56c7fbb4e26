"""The site builder: pages in, rendered HTML files (and a search index) out."""

import fnmatch
import os
from dataclasses import dataclass, field

from ..errors import BuildError
from ..render.html import render_html
from ..render.toc import build_toc, render_toc_html
from ..search.index import InvertedIndex
from ..templates.engine import Environment
from ..templates.loader import DictLoader
from ..text.escape import Markup
from ..text.stats import format_reading_time
from .dates import format_date, parse_date
from .links import LinkResolver
from .navigation import prev_next, sort_pages
from .page import load_page
from .paths import normalize_source_path, output_path, url_for

PAGE_TEMPLATE = "page.html"

DEFAULT_TEMPLATE = """<!DOCTYPE html>
<html lang="{{ site.language }}">
<head><title>{{ page.title }} | {{ site.title }}</title></head>
<body>
{{ content }}
</body>
</html>
"""


def _date_filter(value, style="long"):
    if not value:
        return ""
    return format_date(parse_date(value), style)


@dataclass
class BuildResult:
    files: dict = field(default_factory=dict)
    issues: list = field(default_factory=list)
    pages: list = field(default_factory=list)
    index: object = None


class SiteBuilder:
    def __init__(self, config, sources, templates=None, strict_links=False):
        self.config = config
        self.sources = dict(sources)
        self.strict_links = strict_links
        self.environment = Environment(
            loader=DictLoader(templates or {PAGE_TEMPLATE: DEFAULT_TEMPLATE}),
            autoescape=True)
        self.environment.add_filter("date", _date_filter)

    def is_excluded(self, path):
        return any(fnmatch.fnmatchcase(path, pattern) for pattern in self.config.exclude)

    def load_pages(self):
        pages = []
        for source in sorted(self.sources):
            path = normalize_source_path(source)
            if self.is_excluded(path):
                continue
            page = load_page(path, self.sources[source])
            if page.draft and not self.config.drafts:
                continue
            pages.append(page)
        return pages

    def assign_paths(self, pages):
        claimed = {}
        for page in pages:
            out = output_path(page.source_path, self.config.pretty_urls, slug=page.slug)
            if out in claimed:
                raise BuildError(f"output path collision: {claimed[out]} and "
                                 f"{page.source_path} both map to {out}")
            claimed[out] = page.source_path
            page.output_path = out
            page.url = url_for(out, self.config.base_url)

    def page_context(self, page, neighbours):
        stats = page.stats(self.config.words_per_minute)
        previous, following = neighbours
        toc = build_toc(page.document, max_level=self.config.toc_depth)
        return {
            "site": {"title": self.config.title, "base_url": self.config.base_url,
                     "language": self.config.language, "author": self.config.author},
            "page": {"title": page.title, "url": page.url, "date": page.date,
                     "tags": page.tags, "summary": page.summary(),
                     "words": stats.words,
                     "reading_time": format_reading_time(stats.reading_minutes),
                     "meta": page.meta},
            "content": Markup(render_html(page.document).rstrip("\n")),
            "toc": Markup(render_toc_html(toc)),
            "prev": {"title": previous.title, "url": previous.url} if previous else None,
            "next": {"title": following.title, "url": following.url} if following else None,
        }

    def build(self):
        pages = self.load_pages()
        self.assign_paths(pages)
        resolver = LinkResolver({page.source_path: page for page in pages})
        issues = resolver.check()
        if self.strict_links and issues:
            raise BuildError(f"{len(issues)} broken link(s): "
                             + "; ".join(str(issue) for issue in issues))
        for page in pages:
            resolver.rewrite(page)
        ordered = sort_pages(pages)
        neighbours = prev_next(ordered)
        template = self.environment.get_template(PAGE_TEMPLATE)
        index = InvertedIndex()
        files = {}
        for page in ordered:
            context = self.page_context(page, neighbours[page.source_path])
            files[page.output_path] = template.render(context)
            index.add_document(page.url, page.search_text(), title=page.title)
        return BuildResult(files, issues, ordered, index)

    def write(self, result, root):
        """Write built files below ``root/<output_dir>``; returns written paths."""
        written = []
        base = os.path.join(os.fspath(root), self.config.output_dir)
        for path in sorted(result.files):
            target = os.path.join(base, *path.split("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w", encoding="utf-8") as handle:
                handle.write(result.files[path])
            written.append(target)
        return written
