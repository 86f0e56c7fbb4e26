"""Operations on sequences."""


def dedupe(items):
    """The items without repeats, each kept at its first position."""
    out = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def common_items(a, b):
    """The items of ``a`` (in order, repeats kept) that also occur in ``b``."""
    return [x for x in a if x in b]


def rolling_max(xs, k):
    """The maximum of every window of ``k`` consecutive items; ``[]`` when there are fewer than ``k``.

    Raises ``ValueError`` when ``k`` is not positive.
    """
    if k <= 0:
        raise ValueError("k must be positive")
    return [max(xs[i:i + k]) for i in range(len(xs) - k + 1)]


def inversions(xs):
    """How many pairs ``i < j`` have ``xs[i] > xs[j]``."""
    count = 0
    for i in range(len(xs)):
        for j in range(i + 1, len(xs)):
            if xs[i] > xs[j]:
                count += 1
    return count
