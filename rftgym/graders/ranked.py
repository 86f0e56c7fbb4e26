"""Ranked localization metrics: the submitted list is ordered (most relevant first), so score the order.

The metrics LocAgent-style papers report, for one ranked list against a gold set:

- ``acc@k``: 1 if every gold item is in the top k, else 0 (all-or-nothing, as in LocBench "Acc@k").
- ``recall@k``: the share of gold items in the top k.
- ``map``: average precision: the mean, over gold items, of the precision at the rank where each is
  found (a gold item never found adds 0).
- ``mrr``: 1 / rank of the first gold item (0 when none is found).
- ``ndcg@k``: binary-relevance DCG of the top k over the ideal DCG (all gold first).

Duplicates count once, at their first rank; items are compared after ``normalize`` (paths:
``rftgym.graders.portable.normalize_path``). An empty gold set scores 0 everywhere (nothing to find).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable

from rftgym.graders.portable import normalize_path

DEFAULT_KS = (1, 3, 5, 10)


def dedup_ranked(items: Any, normalize: Callable[[Any], str | None] = normalize_path) -> list[str]:
    """The normalised items in submitted order, each once; a lone string counts as one item,
    non-strings and items that normalise to None are dropped."""
    if isinstance(items, str):
        items = [items]
    out, seen = [], set()
    for item in items or []:
        key = normalize(item) if isinstance(item, str) else None
        if key and key not in seen:
            seen.add(key)
            out.append(key)
    return out


def ranked_metrics(ranked: Iterable[str], gold: Iterable[str], ks: Iterable[int] = DEFAULT_KS,
                   prefix: str = "", normalize: Callable[[Any], str | None] = normalize_path) -> dict[str, float]:
    """``{prefix + "acc@k", "recall@k", "ndcg@k" for k in ks} + {"map", "mrr"}`` for ``ranked`` vs ``gold``."""
    order = dedup_ranked(list(ranked) if not isinstance(ranked, str) else ranked, normalize)
    golds = set(dedup_ranked(list(gold or []), normalize))
    hits = [item in golds for item in order]
    out: dict[str, float] = {}
    n_gold = len(golds)
    for k in ks:
        found = sum(hits[:k])
        out[f"{prefix}acc@{k}"] = 1.0 if n_gold and found == n_gold else 0.0
        out[f"{prefix}recall@{k}"] = found / n_gold if n_gold else 0.0
        dcg = sum(1.0 / math.log2(i + 2) for i, h in enumerate(hits[:k]) if h)
        ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, n_gold)))
        out[f"{prefix}ndcg@{k}"] = dcg / ideal if ideal else 0.0
    precisions, found = [], 0
    for i, h in enumerate(hits):
        if h:
            found += 1
            precisions.append(found / (i + 1))
    out[f"{prefix}map"] = sum(precisions) / n_gold if n_gold else 0.0
    first = next((i for i, h in enumerate(hits) if h), None)
    out[f"{prefix}mrr"] = 1.0 / (first + 1) if first is not None else 0.0
    return out


def normalize_function(name: Any) -> str | None:
    """``./a/b.py:Cls.f`` -> ``a/b.py:Cls.f`` (the path part normalised, the symbol stripped)."""
    if not isinstance(name, str) or ":" not in name:
        return None
    path, _, symbol = name.strip().partition(":")
    path, symbol = normalize_path(path), symbol.strip()
    return f"{path}:{symbol}" if path and symbol else None
