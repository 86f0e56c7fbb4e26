"""BM25 relevance scoring."""

import math

K1 = 1.2
B = 0.75


def idf(document_frequency, document_count):
    """BM25 inverse document frequency (always positive)."""
    return math.log(1 + (document_count - document_frequency + 0.5) / (document_frequency + 0.5))


def bm25_term(tf, df, document_count, doc_length, average_length, k1=K1, b=B):
    if tf <= 0:
        return 0.0
    if average_length > 0:
        norm = k1 * (1 - b + b * doc_length / average_length)
    else:
        norm = k1
    return idf(df, document_count) * tf * (k1 + 1) / (tf + norm)


def score_document(index, doc_id, terms):
    """Sum BM25 scores of *terms*; title matches add a boosted idf bonus."""
    total = 0.0
    count = index.document_count
    for term in terms:
        df = index.document_frequency(term)
        if df == 0:
            continue
        total += bm25_term(index.term_frequency(term, doc_id), df, count,
                           index.doc_lengths[doc_id], index.average_length)
        if term in index.title_terms.get(doc_id, ()):
            total += index.title_boost * idf(df, count)
    return total


def rank(scores, limit=None):
    """Sort ``{doc_id: score}`` by descending score, then by id."""
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    if limit is not None:
        ordered = ordered[:limit]
    return [(doc_id, round(score, 4)) for doc_id, score in ordered]
