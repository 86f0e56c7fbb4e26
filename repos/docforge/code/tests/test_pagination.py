import pytest

from docforge.site.pagination import PageSlice, page_url, page_window, paginate


def test_paginate_splits_items():
    pages = paginate(range(5), 2)
    assert [p.items for p in pages] == [[0, 1], [2, 3], [4]]
    assert [p.number for p in pages] == [1, 2, 3]
    assert pages[0].total_pages == 3
    assert pages[0].total_items == 5


def test_paginate_exact_multiple():
    assert len(paginate(range(4), 2)) == 2


def test_paginate_empty_yields_one_page():
    assert paginate([], 3) == [PageSlice(1, [], 1, 0)]


def test_paginate_rejects_bad_size():
    with pytest.raises(ValueError):
        paginate([1], 0)


def test_prev_next_flags():
    first, middle, last = paginate(range(3), 1)
    assert (first.has_prev, first.has_next, first.prev_number, first.next_number) == (False, True, None, 2)
    assert (middle.prev_number, middle.next_number) == (1, 3)
    assert (last.has_prev, last.has_next, last.next_number) == (True, False, None)


def test_page_url():
    assert page_url("/blog/", 1) == "/blog/"
    assert page_url("/blog", 3) == "/blog/page/3/"
    with pytest.raises(ValueError):
        page_url("/blog/", 0)


def test_page_window_with_gaps():
    assert page_window(5, 10, radius=1) == [1, None, 4, 5, 6, None, 10]


def test_page_window_near_start():
    assert page_window(1, 10) == [1, 2, 3, None, 10]


def test_page_window_no_gap_when_adjacent():
    assert page_window(3, 5, radius=1) == [1, 2, 3, 4, 5]


def test_page_window_small_and_invalid():
    assert page_window(1, 1) == [1]
    assert page_window(1, 0) == []
    with pytest.raises(ValueError):
        page_window(4, 3)
