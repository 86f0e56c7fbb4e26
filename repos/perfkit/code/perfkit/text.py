"""Text utilities. Words are maximal runs of lower-case letters after lower-casing."""

import re

_WORD = re.compile(r"[a-z]+")


def words(text):
    return _WORD.findall(text.lower())


def word_counts(text):
    """A dict from each word of ``text`` to how often it occurs."""
    ws = words(text)
    counts = {}
    for w in ws:
        counts[w] = ws.count(w)
    return counts


def top_words(text, k):
    """The ``k`` most frequent words as ``(word, count)`` pairs: most frequent first, ties alphabetical."""
    ws = words(text)
    remaining = sorted(set(ws))
    out = []
    while remaining and len(out) < k:
        best = None
        for w in remaining:
            c = ws.count(w)
            if best is None or c > best[1]:
                best = (w, c)
        out.append(best)
        remaining.remove(best[0])
    return out


def anagram_groups(items):
    """Group words that are anagrams of each other. Groups come in the order of their first word,
    words in their order in ``items`` (repeats kept)."""
    groups = []
    for w in items:
        for g in groups:
            if sorted(g[0]) == sorted(w):
                g.append(w)
                break
        else:
            groups.append([w])
    return groups
