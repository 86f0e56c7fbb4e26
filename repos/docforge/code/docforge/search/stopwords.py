"""English stop words ignored by the search index."""

STOPWORDS = frozenset("""
a an and are as at be but by for from has have i if in into is it its of on or
so such that the their then there these they this to was were will with
""".split())


def is_stopword(term):
    return term in STOPWORDS


def remove_stopwords(tokens):
    """Drop stop words from a list of terms or tokens (positions are kept)."""
    kept = []
    for token in tokens:
        term = token if isinstance(token, str) else token.term
        if term not in STOPWORDS:
            kept.append(token)
    return kept
