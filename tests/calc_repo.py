"""A small real git repository with a real pytest suite and a history of fixes, for bug-fix tests.

History (oldest first):

1. ``Start calc``: ``median`` is wrong for an even number of values, and no test covers that case.
2. ``Fix median of an even number of values``: fixes ``calc/stats.py`` and adds ``test_median_even``.
3. ``Fix typo in README``: docs only.
4. ``Add truncate helper``: a feature in ``calc/text.py``.
5. ``Fix crash when slugify gets only punctuation``: fixes ``calc/text.py``.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

STATS_BUGGY = '''"""Descriptive statistics."""


def mean(xs):
    if not xs:
        raise ValueError("mean of an empty list")
    return sum(xs) / len(xs)


def median(xs):
    if not xs:
        raise ValueError("median of an empty list")
    s = sorted(xs)
    mid = len(s) // 2
    return s[mid]


def clamp(x, lo, hi):
    if lo > hi:
        raise ValueError("lo must not exceed hi")
    return max(lo, min(x, hi))


def variance(xs):
    m = mean(xs)
    return sum((x - m) ** 2 for x in xs) / len(xs)
'''

STATS_FIXED = STATS_BUGGY.replace("""    mid = len(s) // 2
    return s[mid]
""", """    mid = len(s) // 2
    if len(s) % 2 == 1:
        return s[mid]
    return (s[mid - 1] + s[mid]) / 2
""")

TEXT_V1 = '''"""Text helpers."""


def word_count(text):
    return len([w for w in text.split() if w])


def slugify(text, sep="-"):
    words = [w.lower().strip(".,!?") for w in text.split()]
    return sep.join(words)
'''

TEXT_V2 = TEXT_V1 + '''

def truncate(text, width):
    if len(text) <= width:
        return text
    return text[: width - 1] + "~"
'''

TEXT_V3 = TEXT_V2.replace("    return sep.join(words)\n", "    return sep.join(w for w in words if w)\n")

TEST_STATS = '''import pytest

from calc.stats import clamp, mean, median, variance


def test_mean():
    assert mean([1, 2, 3, 4]) == 2.5


def test_mean_empty():
    with pytest.raises(ValueError):
        mean([])


def test_median_odd():
    assert median([3, 1, 2]) == 2


def test_clamp_inside():
    assert clamp(5, 0, 10) == 5


def test_clamp_edges():
    assert clamp(-1, 0, 10) == 0
    assert clamp(11, 0, 10) == 10


def test_clamp_bad_bounds():
    with pytest.raises(ValueError):
        clamp(1, 2, 0)


def test_variance():
    assert variance([2, 4, 4, 4, 5, 5, 7, 9]) == 4.0
'''

MEDIAN_EVEN_TEST = '''

def test_median_even():
    assert median([4, 1, 3, 2]) == 2.5
'''

TEST_TEXT = '''from calc.text import slugify, word_count


def test_word_count():
    assert word_count("a b  c") == 3


def test_slugify():
    assert slugify("Hello, World!") == "hello-world"


def test_slugify_sep():
    assert slugify("a b", sep="_") == "a_b"
'''

TEST_TEXT_V2 = TEST_TEXT.replace("from calc.text import slugify, word_count",
                                 "from calc.text import slugify, truncate, word_count") + '''

def test_truncate_short():
    assert truncate("abc", 5) == "abc"


def test_truncate_long():
    assert truncate("abcdef", 4) == "abc~"
'''


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@x", "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z",
           "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def _commit(root: Path, files: dict[str, str], message: str) -> str:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)
    return git(root, "rev-parse", "HEAD").strip()


def make_calc_repo(root: Path) -> dict:
    """Build the repository at ``root``; returns its path and the SHA of each commit by short name."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    shas = {"start": _commit(root, {"README.md": "# calc\nSmall maths helpers.\nSee teh tests.\n",
                                    "calc/__init__.py": "", "calc/stats.py": STATS_BUGGY, "calc/text.py": TEXT_V1,
                                    "tests/test_stats.py": TEST_STATS, "tests/test_text.py": TEST_TEXT},
                             "Start calc")}
    shas["median_fix"] = _commit(root, {"calc/stats.py": STATS_FIXED, "tests/test_stats.py": TEST_STATS
                                        + MEDIAN_EVEN_TEST}, "Fix median of an even number of values\n\n"
                                 "median([4, 1, 3, 2]) returned 3 instead of 2.5: it took the upper middle value.\n\n"
                                 "Signed-off-by: t <t@x>")
    shas["typo"] = _commit(root, {"README.md": "# calc\nSmall maths helpers.\nSee the tests.\n"}, "Fix typo in README")
    shas["truncate"] = _commit(root, {"calc/text.py": TEXT_V2, "tests/test_text.py": TEST_TEXT_V2},
                               "Add truncate helper")
    shas["slug_fix"] = _commit(root, {"calc/text.py": TEXT_V3}, "Fix crash when slugify gets only punctuation\n\n"
                               "slugify('!! ?') produced '-' separators around empty words.")
    return {"path": root, **shas}
