"""``text_similarity``: how close ``input`` is to ``reference``, in [0, 1], by ``evaluation_metric``.

Metrics, implemented here without downloads (so scores are reproducible offline):

- ``fuzzy_match``: normalised Indel similarity of the raw strings, ``2 * LCS / (len(a) + len(b))``
  (rapidfuzz's ``fuzz.ratio`` / 100); two empty strings score 1.
- The token metrics read lower-cased ``[a-z0-9]+`` words; an empty input or reference scores 0.
- ``bleu``: sentence BLEU with uniform weights over n = 1..N, N = min(4, both lengths), clipped
  n-gram precisions, no smoothing (a zero precision makes 0) and the brevity penalty.
- ``gleu``: Google-BLEU, min(precision, recall) of all 1..4-gram matches.
- ``meteor``: METEOR with the exact-match module only (no stemming or WordNet synonyms):
  ``F = 10PR / (R + 9P)`` times ``1 - 0.5 * (chunks / matches) ** 3``.
- ``rouge_1`` .. ``rouge_5``: F1 of clipped n-gram overlap; ``rouge_l``: F1 of the token LCS.
- ``cosine`` needs an embedding model and is refused with a message.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any, Callable, Sequence

from rftgym.graders.openai_format import GradeContext, GraderConfigError, SampleGrader, check_template, render
from rftgym.types import Grade

_WORDS = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    return _WORDS.findall(text.lower())


def lcs_length(a: Sequence[Any], b: Sequence[Any]) -> int:
    """Length of the longest common subsequence, bit-parallel (Hyyrö): O(len(a) * len(b) / word)."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return 0
    masks: dict[Any, int] = {}
    for i, x in enumerate(b):
        masks[x] = masks.get(x, 0) | (1 << i)
    full = (1 << len(b)) - 1
    s = full
    for x in a:
        m = masks.get(x)
        if m is None:
            continue
        u = s & m
        s = ((s + u) | (s - u)) & full
    return len(b) - bin(s).count("1")


def ngrams(tokens: list[str], n: int) -> Counter:
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def _f1(overlap: int, n_candidate: int, n_reference: int) -> float:
    if not overlap:
        return 0.0
    p, r = overlap / n_candidate, overlap / n_reference
    return 2 * p * r / (p + r)


def fuzzy_match(a: str, b: str) -> float:
    if not a and not b:
        return 1.0
    return 2 * lcs_length(a, b) / (len(a) + len(b))


def bleu(c: list[str], r: list[str]) -> float:
    order = min(4, len(c), len(r))
    if order == 0:
        return 0.0
    logs = []
    for n in range(1, order + 1):
        cand, ref = ngrams(c, n), ngrams(r, n)
        hits = sum(min(k, ref[g]) for g, k in cand.items())
        if not hits:
            return 0.0
        logs.append(math.log(hits / sum(cand.values())))
    brevity = 1.0 if len(c) > len(r) else math.exp(1 - len(r) / len(c))
    return brevity * math.exp(sum(logs) / order)


def gleu(c: list[str], r: list[str]) -> float:
    hits = n_cand = n_ref = 0
    for n in range(1, 5):
        cand, ref = ngrams(c, n), ngrams(r, n)
        hits += sum(min(k, ref[g]) for g, k in cand.items())
        n_cand, n_ref = n_cand + sum(cand.values()), n_ref + sum(ref.values())
    if not n_cand or not n_ref:
        return 0.0
    return min(hits / n_cand, hits / n_ref)


def meteor(c: list[str], r: list[str]) -> float:
    used: set[int] = set()
    aligned: list[int] = []  # reference position of each matched candidate token, in candidate order
    for word in c:
        pos = next((j for j, w in enumerate(r) if w == word and j not in used), None)
        if pos is not None:
            used.add(pos)
            aligned.append(pos)
    m = len(aligned)
    if not m:
        return 0.0
    p, rec = m / len(c), m / len(r)
    fmean = 10 * p * rec / (rec + 9 * p)
    chunks = 1 + sum(1 for x, y in zip(aligned, aligned[1:]) if y != x + 1)
    return fmean * (1 - 0.5 * (chunks / m) ** 3)


def rouge_n(n: int) -> Callable[[list[str], list[str]], float]:
    def score(c: list[str], r: list[str]) -> float:
        cand, ref = ngrams(c, n), ngrams(r, n)
        hits = sum(min(k, ref[g]) for g, k in cand.items())
        return _f1(hits, sum(cand.values()), sum(ref.values()))

    return score


def rouge_l(c: list[str], r: list[str]) -> float:
    if not c or not r:
        return 0.0
    return _f1(lcs_length(c, r), len(c), len(r))


TOKEN_METRICS: dict[str, Callable[[list[str], list[str]], float]] = {
    "bleu": bleu, "gleu": gleu, "meteor": meteor, "rouge_l": rouge_l,
    **{f"rouge_{n}": rouge_n(n) for n in range(1, 6)},
}
METRICS = ("fuzzy_match", *TOKEN_METRICS)


def similarity(metric: str, text: str, reference: str) -> float:
    if metric == "fuzzy_match":
        return fuzzy_match(text, reference)
    return TOKEN_METRICS[metric](words(text), words(reference))


class TextSimilarity(SampleGrader):
    type = "text_similarity"
    required = ("input", "reference", "evaluation_metric")

    def __init__(self, config: dict[str, Any], where: str, options) -> None:
        super().__init__(config, where, options)
        check_template(config["input"], f"{where}.input")
        check_template(config["reference"], f"{where}.reference")
        metric = config["evaluation_metric"]
        if metric == "cosine":
            raise GraderConfigError(f"{where}: the cosine metric needs an embedding model, which rftgym does not "
                                    "call; use fuzzy_match, bleu, gleu, meteor, rouge_1..rouge_5 or rouge_l")
        if metric not in METRICS:
            raise GraderConfigError(f"{where}.evaluation_metric is {metric!r}; use one of {', '.join(METRICS)}")

    def score(self, sample: dict[str, Any], item: dict[str, Any], ctx: GradeContext) -> Grade:
        text = render(self.config["input"], sample, item)
        reference = render(self.config["reference"], sample, item)
        return Grade(similarity(self.config["evaluation_metric"], text, reference))
