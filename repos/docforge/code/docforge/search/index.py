"""An inverted index of stemmed terms with positions."""

from .stemmer import stem
from .stopwords import STOPWORDS
from .tokenizer import tokenize

FORMAT_VERSION = 1


class InvertedIndex:
    def __init__(self, use_stemming=True, use_stopwords=True, title_boost=2.0):
        self.use_stemming = use_stemming
        self.use_stopwords = use_stopwords
        self.title_boost = title_boost
        self.postings = {}
        self.doc_lengths = {}
        self.titles = {}
        self.texts = {}
        self.title_terms = {}

    # analysis
    def analyze(self, text):
        """Return ``(term, position)`` pairs; stop words are dropped but keep their slot."""
        pairs = []
        for token in tokenize(text):
            if self.use_stopwords and token.term in STOPWORDS:
                continue
            term = stem(token.term) if self.use_stemming else token.term
            pairs.append((term, token.position))
        return pairs

    def analyze_terms(self, text):
        return [term for term, _ in self.analyze(text)]

    # mutation
    def add_document(self, doc_id, text, title=""):
        if doc_id in self.doc_lengths:
            raise ValueError(f"duplicate document id: {doc_id!r}")
        pairs = self.analyze(text)
        for term, position in pairs:
            self.postings.setdefault(term, {}).setdefault(doc_id, []).append(position)
        self.doc_lengths[doc_id] = len(pairs)
        self.titles[doc_id] = title
        self.texts[doc_id] = text
        self.title_terms[doc_id] = set(self.analyze_terms(title))

    def remove_document(self, doc_id):
        if doc_id not in self.doc_lengths:
            raise KeyError(doc_id)
        for term in list(self.postings):
            docs = self.postings[term]
            docs.pop(doc_id, None)
            if not docs:
                del self.postings[term]
        for table in (self.doc_lengths, self.titles, self.texts, self.title_terms):
            del table[doc_id]

    # statistics
    @property
    def document_count(self):
        return len(self.doc_lengths)

    @property
    def average_length(self):
        if not self.doc_lengths:
            return 0.0
        return sum(self.doc_lengths.values()) / len(self.doc_lengths)

    def document_frequency(self, term):
        return len(self.postings.get(term, {}))

    def term_frequency(self, term, doc_id):
        return len(self.postings.get(term, {}).get(doc_id, ()))

    def positions(self, term, doc_id):
        return list(self.postings.get(term, {}).get(doc_id, ()))

    def documents_with(self, term):
        return set(self.postings.get(term, {}))

    # serialisation
    def to_dict(self):
        return {
            "version": FORMAT_VERSION,
            "options": {"stemming": self.use_stemming, "stopwords": self.use_stopwords,
                        "title_boost": self.title_boost},
            "documents": {doc_id: {"title": self.titles[doc_id], "text": self.texts[doc_id]}
                          for doc_id in sorted(self.doc_lengths)},
        }

    @classmethod
    def from_dict(cls, data):
        if data.get("version") != FORMAT_VERSION:
            raise ValueError(f"unsupported index version: {data.get('version')!r}")
        options = data.get("options", {})
        index = cls(options.get("stemming", True), options.get("stopwords", True),
                    options.get("title_boost", 2.0))
        for doc_id, doc in data.get("documents", {}).items():
            index.add_document(doc_id, doc["text"], doc.get("title", ""))
        return index
