"""Number utilities."""


def primes_below(n):
    """All primes smaller than ``n``, ascending."""
    primes = []
    for k in range(2, n):
        d = 2
        while d * d <= k:
            if k % d == 0:
                break
            d += 1
        else:
            primes.append(k)
    return primes


def pairs_with_sum(nums, target):
    """How many index pairs ``i < j`` have ``nums[i] + nums[j] == target``."""
    count = 0
    for i in range(len(nums)):
        for j in range(i + 1, len(nums)):
            if nums[i] + nums[j] == target:
                count += 1
    return count


def max_subarray(xs):
    """The largest sum of a non-empty run of consecutive items. Raises ``ValueError`` for ``[]``."""
    if not xs:
        raise ValueError("max_subarray of an empty sequence")
    best = xs[0]
    for i in range(len(xs)):
        total = 0
        for j in range(i, len(xs)):
            total += xs[j]
            if total > best:
                best = total
    return best


def range_sums(xs, queries):
    """``sum(xs[lo:hi])`` for each ``(lo, hi)`` of ``queries``, with ``0 <= lo <= hi <= len(xs)``."""
    return [sum(xs[lo:hi]) for lo, hi in queries]


def moving_average(xs, k):
    """The mean of every window of ``k`` consecutive numbers, as floats. Raises ``ValueError`` if ``k <= 0``."""
    if k <= 0:
        raise ValueError("k must be positive")
    return [sum(xs[i:i + k]) / k for i in range(len(xs) - k + 1)]
