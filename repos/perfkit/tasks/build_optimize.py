"""Writes optimize.jsonl: one Optimize-v0 task per slow perfkit function (maintainers run this).

Each task names the function, a hidden input generator, sizes and a target speedup; ``solution`` is
a fast, exactly equivalent version used only by the stress harness's oracle. Run from this folder:
``python build_optimize.py`` then ``rftgym repos pin``.
"""

import json
import textwrap
import zlib
from pathlib import Path

WINDOWS = ("def make_input(rng, size):\n    return [[rng.randint(-1000, 1000) for _ in range(size)], "
           "rng.randint(max(1, size // 10), size // 5 + 2)]\n")
INTS = "def make_input(rng, size):\n    return [[rng.randint(-size, size) for _ in range(size)]]\n"
TASKS = [
    ("seqs", "dedupe", 4000,
     "def make_input(rng, size):\n    return [[rng.randint(0, max(1, size // 2)) for _ in range(size)]]\n",
     """
     def dedupe(items):
         \"\"\"The items without repeats, each kept at its first position.\"\"\"
         seen = set()
         out = []
         for item in items:
             if item not in seen:
                 seen.add(item)
                 out.append(item)
         return out
     """),
    ("seqs", "common_items", 2500,
     "def make_input(rng, size):\n    return [[rng.randint(0, 3 * size) for _ in range(size)],\n"
     "            [rng.randint(0, 3 * size) for _ in range(size)]]\n",
     """
     def common_items(a, b):
         \"\"\"The items of ``a`` (in order, repeats kept) that also occur in ``b``.\"\"\"
         present = set(b)
         return [x for x in a if x in present]
     """),
    ("seqs", "rolling_max", 6000, WINDOWS,
     """
     from collections import deque


     def rolling_max(xs, k):
         \"\"\"The maximum of every window of ``k`` consecutive items; ``[]`` when there are fewer than ``k``.

         Raises ``ValueError`` when ``k`` is not positive.
         \"\"\"
         if k <= 0:
             raise ValueError("k must be positive")
         window = deque()
         out = []
         for i, x in enumerate(xs):
             while window and xs[window[-1]] <= x:
                 window.pop()
             window.append(i)
             if window[0] <= i - k:
                 window.popleft()
             if i >= k - 1:
                 out.append(xs[window[0]])
         return out
     """),
    ("seqs", "inversions", 1600, INTS,
     """
     def inversions(xs):
         \"\"\"How many pairs ``i < j`` have ``xs[i] > xs[j]``.\"\"\"
         def sort(a):
             if len(a) <= 1:
                 return a, 0
             mid = len(a) // 2
             left, x = sort(a[:mid])
             right, y = sort(a[mid:])
             merged, count, i, j = [], x + y, 0, 0
             while i < len(left) and j < len(right):
                 if left[i] <= right[j]:
                     merged.append(left[i])
                     i += 1
                 else:
                     merged.append(right[j])
                     count += len(left) - i
                     j += 1
             merged.extend(left[i:])
             merged.extend(right[j:])
             return merged, count

         return sort(list(xs))[1]
     """),
    ("numbers", "primes_below", 60000, "def make_input(rng, size):\n    return [rng.randint(size // 2, size)]\n",
     """
     def primes_below(n):
         \"\"\"All primes smaller than ``n``, ascending.\"\"\"
         if n < 3:
             return []
         sieve = bytearray([1]) * n
         sieve[0] = sieve[1] = 0
         for p in range(2, int(n ** 0.5) + 1):
             if sieve[p]:
                 sieve[p * p::p] = bytearray(len(range(p * p, n, p)))
         return [k for k in range(n) if sieve[k]]
     """),
    ("numbers", "pairs_with_sum", 1500,
     "def make_input(rng, size):\n    return [[rng.randint(-20, 20) for _ in range(size)], rng.randint(-10, 10)]\n",
     """
     def pairs_with_sum(nums, target):
         \"\"\"How many index pairs ``i < j`` have ``nums[i] + nums[j] == target``.\"\"\"
         seen = {}
         count = 0
         for x in nums:
             count += seen.get(target - x, 0)
             seen[x] = seen.get(x, 0) + 1
         return count
     """),
    ("numbers", "max_subarray", 1500, INTS.replace("size)]]", "size)]] if size else [[rng.randint(-5, 5)]]"),
     """
     def max_subarray(xs):
         \"\"\"The largest sum of a non-empty run of consecutive items. Raises ``ValueError`` for ``[]``.\"\"\"
         if not xs:
             raise ValueError("max_subarray of an empty sequence")
         best = current = xs[0]
         for x in xs[1:]:
             current = x if current < 0 else current + x
             if current > best:
                 best = current
         return best
     """),
    ("numbers", "range_sums", 3000,
     "def make_input(rng, size):\n    xs = [rng.randint(-100, 100) for _ in range(size)]\n"
     "    qs = []\n    for _ in range(size):\n        lo = rng.randint(0, size // 4)\n"
     "        qs.append([lo, rng.randint(max(lo, 3 * size // 4), size)])\n    return [xs, qs]\n",
     """
     def range_sums(xs, queries):
         \"\"\"``sum(xs[lo:hi])`` for each ``(lo, hi)`` of ``queries``, with ``0 <= lo <= hi <= len(xs)``.\"\"\"
         prefix = [0]
         for x in xs:
             prefix.append(prefix[-1] + x)
         return [prefix[hi] - prefix[lo] for lo, hi in queries]
     """),
    ("numbers", "moving_average", 6000, WINDOWS,
     """
     def moving_average(xs, k):
         \"\"\"The mean of every window of ``k`` consecutive numbers, as floats. Raises ``ValueError`` if ``k <= 0``.\"\"\"
         if k <= 0:
             raise ValueError("k must be positive")
         prefix = [0]
         for x in xs:
             prefix.append(prefix[-1] + x)
         return [(prefix[i + k] - prefix[i]) / k for i in range(len(xs) - k + 1)]
     """),
    ("text", "word_counts", 2000,
     "WORDS = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma'.split()\n"
     "def make_input(rng, size):\n    vocab = [rng.choice(WORDS) + str(rng.randint(0, 9)).translate(str.maketrans('0123456789', 'abcdefghij'))"
     " for _ in range(max(1, size // 3))]\n"
     "    return [' '.join(rng.choice(vocab).upper() if rng.random() < 0.1 else rng.choice(vocab) for _ in range(size))]\n",
     """
     def word_counts(text):
         \"\"\"A dict from each word of ``text`` to how often it occurs.\"\"\"
         counts = {}
         for w in words(text):
             counts[w] = counts.get(w, 0) + 1
         return counts
     """),
    ("text", "top_words", 1500,
     "def make_input(rng, size):\n    vocab = [''.join(rng.choice('abcdefgh') for _ in range(rng.randint(1, 5))) for _ in range(max(1, size // 4))]\n"
     "    return [' '.join(rng.choice(vocab) for _ in range(size)), rng.randint(0 if size < 100 else 1, 12)]\n",
     """
     def top_words(text, k):
         \"\"\"The ``k`` most frequent words as ``(word, count)`` pairs: most frequent first, ties alphabetical.\"\"\"
         if k <= 0:
             return []
         counts = {}
         for w in words(text):
             counts[w] = counts.get(w, 0) + 1
         return sorted(counts.items(), key=lambda wc: (-wc[1], wc[0]))[:k]
     """),
    ("text", "anagram_groups", 2500,
     "def make_input(rng, size):\n    return [[''.join(rng.choice('abcde') for _ in range(rng.randint(1, 4))) for _ in range(size)]]\n",
     """
     def anagram_groups(items):
         \"\"\"Group words that are anagrams of each other. Groups come in the order of their first word,
         words in their order in ``items`` (repeats kept).\"\"\"
         groups = {}
         for w in items:
             groups.setdefault(tuple(sorted(w)), []).append(w)
         return list(groups.values())
     """),
]

PROMPT = ("`perfkit.{module}.{function}` (in perfkit/{module}.py) is too slow on large inputs. Make it faster "
          "without changing its behaviour: the same result, the same exceptions and the same effect on its "
          "arguments for every input. Keep its name and signature.")


def main() -> None:
    rows = []
    for module, function, bench, generator, solution in TASKS:
        task_id = f"perfkit-opt-{function.replace('_', '-')}"
        rows.append({
            "id": task_id, "prompt": PROMPT.format(module=module, function=function), "repo": "perfkit",
            "commit": "HEAD", "split": "test" if zlib.crc32(task_id.encode()) % 3 == 0 else "train",
            "module": f"perfkit.{module}", "function": function, "generator": generator, "seed": zlib.crc32(task_id.encode()),
            "checks": 30, "check_size": 40, "bench_size": bench, "rounds": 5, "target_speedup": 4.0,
            "solution": textwrap.dedent(solution).strip() + "\n",
        })
    out = Path(__file__).with_name("optimize.jsonl")
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    print(f"wrote {len(rows)} tasks to {out}")


if __name__ == "__main__":
    main()
