"""Ordering, previous/next links, breadcrumbs and tag/archive grouping."""

from .dates import archive_key
from .page import titleize


def sort_key(page):
    """Weight first, then newest dated pages, then undated pages by title."""
    date = page.date
    return (page.weight, 0 if date else 1, -date.toordinal() if date else 0,
            page.title.lower(), page.source_path)


def sort_pages(pages):
    return sorted(pages, key=sort_key)


def prev_next(pages):
    """Map each page's source path to its ``(previous, next)`` neighbours."""
    links = {}
    for index, page in enumerate(pages):
        previous = pages[index - 1] if index > 0 else None
        following = pages[index + 1] if index + 1 < len(pages) else None
        links[page.source_path] = (previous, following)
    return links


def breadcrumbs(url, home="Home"):
    """``/guide/setup/install/`` -> Home, Guide, Setup (the page itself is excluded)."""
    segments = [segment for segment in url.strip("/").split("/") if segment]
    crumbs = [(home, "/")]
    path = "/"
    for segment in segments[:-1]:
        path += segment + "/"
        crumbs.append((titleize(segment), path))
    return crumbs


def group_by_tag(pages):
    """Tags in alphabetical order, each with its pages in the given order."""
    groups = {}
    for page in pages:
        for tag in page.tags:
            groups.setdefault(tag, []).append(page)
    return {tag: groups[tag] for tag in sorted(groups)}


def group_by_archive(pages):
    """``YYYY/MM`` buckets, newest first; undated pages are left out."""
    groups = {}
    for page in pages:
        if page.date is None:
            continue
        groups.setdefault(archive_key(page.date), []).append(page)
    return {key: groups[key] for key in sorted(groups, reverse=True)}
