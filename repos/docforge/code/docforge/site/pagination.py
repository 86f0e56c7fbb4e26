"""Splitting listings into pages and building page-number windows."""

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class PageSlice:
    number: int
    items: list
    total_pages: int
    total_items: int

    @property
    def has_prev(self):
        return self.number > 1

    @property
    def has_next(self):
        return self.number < self.total_pages

    @property
    def prev_number(self):
        return self.number - 1 if self.has_prev else None

    @property
    def next_number(self):
        return self.number + 1 if self.has_next else None


def paginate(items, per_page):
    """Split *items*; an empty listing still yields one (empty) page."""
    if per_page < 1:
        raise ValueError("per_page must be at least 1")
    items = list(items)
    total_pages = max(1, math.ceil(len(items) / per_page))
    return [PageSlice(number, items[(number - 1) * per_page:number * per_page],
                      total_pages, len(items))
            for number in range(1, total_pages + 1)]


def page_url(base_url, number):
    """URL of listing page *number*; page 1 lives at *base_url* itself."""
    if number < 1:
        raise ValueError("page numbers start at 1")
    if not base_url.endswith("/"):
        base_url += "/"
    if number == 1:
        return base_url
    return f"{base_url}page/{number}/"


def page_window(current, total, radius=2):
    """Page numbers to show around *current*; ``None`` marks a gap.

    The first and last pages are always included.
    """
    if total < 1:
        return []
    if not 1 <= current <= total:
        raise ValueError("current page out of range")
    shown = {1, total}
    shown.update(range(max(1, current - radius), min(total, current + radius) + 1))
    window = []
    previous = 0
    for number in sorted(shown):
        if number - previous > 1:
            window.append(None)
        window.append(number)
        previous = number
    return window
