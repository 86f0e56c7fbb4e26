"""Search query syntax: terms, ``OR``, ``"phrases"`` and ``-exclusions``."""

import re
from dataclasses import dataclass, field

from ..errors import QueryError

QUERY_TOKEN_RE = re.compile(r'-?"[^"]*"|\S+')


@dataclass
class Query:
    """``clauses`` are AND-ed; each clause is a list of OR-ed terms.

    ``phrases`` hold ``(term, offset)`` pairs relative to the first word.
    """

    clauses: list = field(default_factory=list)
    phrases: list = field(default_factory=list)
    excluded: list = field(default_factory=list)

    @property
    def is_empty(self):
        return not self.clauses and not self.phrases

    def positive_terms(self):
        seen = []
        for term in [t for clause in self.clauses for t in clause] + \
                [t for phrase in self.phrases for t, _ in phrase]:
            if term not in seen:
                seen.append(term)
        return seen


def parse_query(text, analyze):
    """Parse *text* using *analyze* (text -> ``[(term, position)]``)."""
    if text.count('"') % 2:
        raise QueryError("unbalanced quote in query")
    query = Query()
    pending_or = False
    tokens = QUERY_TOKEN_RE.findall(text)
    for index, token in enumerate(tokens):
        if token == "OR":
            if not query.clauses or index == len(tokens) - 1:
                raise QueryError("OR must appear between two terms")
            pending_or = True
            continue
        negated = token.startswith("-") and len(token) > 1
        if negated:
            token = token[1:]
        quoted = token.startswith('"') and token.endswith('"') and len(token) >= 2
        if quoted:
            token = token[1:-1]
        pairs = analyze(token)
        if negated:
            query.excluded.extend(term for term, _ in pairs if term not in query.excluded)
            pending_or = False
            continue
        if quoted and len(pairs) > 1:
            base = pairs[0][1]
            query.phrases.append([(term, position - base) for term, position in pairs])
            pending_or = False
            continue
        for term, _ in pairs:
            if pending_or and query.clauses:
                if term not in query.clauses[-1]:
                    query.clauses[-1].append(term)
                pending_or = False
            else:
                query.clauses.append([term])
    if query.is_empty and query.excluded:
        raise QueryError("a query cannot consist of exclusions only")
    return query
