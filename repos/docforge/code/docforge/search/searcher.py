"""Executing queries against an :class:`InvertedIndex`."""

from dataclasses import dataclass

from .query import parse_query
from .ranking import rank, score_document
from .snippets import make_snippet
from .stemmer import stem


@dataclass(frozen=True)
class SearchResult:
    doc_id: str
    score: float
    title: str
    snippet: str


class Searcher:
    def __init__(self, index, snippet_width=120):
        self.index = index
        self.snippet_width = snippet_width

    def parse(self, text):
        return parse_query(text, self.index.analyze)

    def _phrase_documents(self, phrase):
        first_term, first_offset = phrase[0]
        matches = set()
        for doc_id in self.index.documents_with(first_term):
            for position in self.index.positions(first_term, doc_id):
                base = position - first_offset
                if all(base + offset in self.index.positions(term, doc_id)
                       for term, offset in phrase[1:]):
                    matches.add(doc_id)
                    break
        return matches

    def candidates(self, query):
        """Documents satisfying every clause and phrase and no exclusion."""
        if query.is_empty:
            return set()
        result = None
        for clause in query.clauses:
            docs = set()
            for term in clause:
                docs |= self.index.documents_with(term)
            result = docs if result is None else result & docs
        for phrase in query.phrases:
            docs = self._phrase_documents(phrase)
            result = docs if result is None else result & docs
        for term in query.excluded:
            result -= self.index.documents_with(term)
        return result

    def search(self, text, limit=10):
        query = self.parse(text)
        terms = query.positive_terms()
        scores = {doc_id: score_document(self.index, doc_id, terms)
                  for doc_id in self.candidates(query)}
        normalize = self._normalizer()
        results = []
        for doc_id, score in rank(scores, limit):
            snippet = make_snippet(self.index.texts[doc_id], set(terms),
                                   self.snippet_width, normalize=normalize)
            results.append(SearchResult(doc_id, score, self.index.titles[doc_id], snippet))
        return results

    def _normalizer(self):
        if self.index.use_stemming:
            return stem
        return lambda term: term
