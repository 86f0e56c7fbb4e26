"""Search tools: grep (regex, file:line:text) and search_code (BM25 ranking of files).

Both search in-process over the snapshot's cached file texts, re-reading only the files the episode
changed: no process is spawned per call and the order of results is fully deterministic.
``benchmarks/bench_tools.py`` compares this with spawning ripgrep. Regexes run under the ``regex``
module's timeout, so a catastrophic pattern costs a ``TIMEOUT`` observation, not a stuck worker.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import time
from collections import Counter

import numpy as np
import regex

from rftgym.sandbox.safepath import reader
from rftgym.tools import ToolError, tool
from rftgym.tools.fs import files_under

_GREP_SECONDS = 10.0
_MAX_LINE = 300

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
STOPWORDS = frozenset("""a an the and or but if then else of to in on at by for with from as is are was were be been
being it its this that these those there here when where which who what how why not no yes do does did done can
could should would will shall may might must have has had i me my we our you your he she they them their so than
too very just also only into out up down over under again more most some any each all both few other such own same
def self return import class none true false elif pass lambda yield while try except finally raise assert
get set use used using call called calls value values""".split())


def tokenize(text: str) -> list[str]:
    """Lower-cased search terms: identifiers, their camelCase/snake_case parts, numbers; no stopwords."""
    out = []
    for word in _WORD.findall(text):
        low = word.lower()
        parts = [p.lower() for chunk in word.split("_") for p in _CAMEL.findall(chunk)]
        if len(parts) > 1 and low not in STOPWORDS and len(low) > 1:
            out.append(low)
        out.extend(p for p in parts if len(p) > 1 and p not in STOPWORDS)
    return out


class BM25:
    """Okapi BM25 over whole files; a file's path counts as part of its text."""

    def __init__(self, docs: dict[str, Counter], k1: float = 1.2, b: float = 0.75) -> None:
        self.docs, self.k1, self.b = docs, k1, b
        self.lengths = {p: sum(c.values()) for p, c in docs.items()}
        self.avg = (sum(self.lengths.values()) / len(docs)) if docs else 1.0
        self.df: Counter = Counter()
        for counts in docs.values():
            self.df.update(counts.keys())

    @classmethod
    def build(cls, files, paths: list[str]) -> BM25:
        """The index of ``paths`` as read through ``files`` (a ``WorkspaceReader``)."""
        docs = {}
        for p in paths:
            text = files.read_text(p)
            if text is not None:
                docs[p] = Counter(tokenize(p.replace("/", " ").replace(".", " ") + " " + text))
        return cls(docs)

    def search(self, query: str, paths: set[str] | None = None) -> list[tuple[float, str]]:
        terms = list(dict.fromkeys(tokenize(query)))
        n = len(self.docs)
        scored = []
        for path, counts in self.docs.items():
            if paths is not None and path not in paths:
                continue
            score, length = 0.0, self.lengths[path]
            for t in terms:
                tf = counts.get(t)
                if not tf:
                    continue
                idf = math.log(1 + (n - self.df[t] + 0.5) / (self.df[t] + 0.5))
                score += idf * tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * length / self.avg))
            if score > 0:
                scored.append((score, path))
        scored.sort(key=lambda sp: (-sp[0], sp[1]))
        return scored


def index_for(files) -> BM25:
    """A full in-memory index of the call's tree (the reference implementation; tools use ``rank``)."""
    return BM25.build(files, files.files())


def rank(files, query: str, limit: int | None = None) -> list[tuple[float, str]]:
    """BM25 ranking of the call's tree, best first (ties by path), cut to ``limit`` hits when given:
    the snapshot's persisted index plus the episode's changes (``rftgym.tools.index``); workspaces
    without a snapshot fall back to a full in-memory build."""
    if files.snapshot is None:
        ranked = index_for(files).search(query)
        return ranked if limit is None else ranked[:limit]
    from rftgym.tools.index import View

    return View(files).search(list(dict.fromkeys(tokenize(query))), limit)


def best_line(text: str, terms: set[str]) -> str:
    """``'L<n>: <line>'`` for the first line of ``text`` holding the most distinct query ``terms``
    among its search terms (``tokenize``), or ``''`` when no line holds one.

    A line can hold a term only where the term occurs in it as a substring, so the number of terms
    occurring in a line bounds its hits. The bounds come from one ``finditer`` per term over the
    lowered text and numpy (occurrence offsets -> line numbers); lines are then tokenized best bound
    first until no later line can win, so a 1 MB file costs milliseconds, not a loop over its lines.
    """
    if not terms or not text:
        return ""
    lines = text.splitlines()
    low = text.lower()
    if len(low) != len(text):  # lower() changed lengths (rare Unicode): offsets would not map to lines
        return _best_line_scan(lines, terms)
    ends = np.fromiter(itertools.accumulate(map(len, text.splitlines(keepends=True))), dtype=np.int64,
                       count=len(lines))
    per_term = []
    for t in terms:
        offsets = [m.start() for m in re.finditer(re.escape(t), low)]
        if offsets:
            per_term.append(np.unique(np.searchsorted(ends, offsets, side="right")))
    if not per_term:
        return ""
    counts = np.bincount(np.concatenate(per_term))
    idx = np.flatnonzero(counts)
    bound = counts[idx]
    order = np.lexsort((idx, -bound))  # most terms first, then earliest line
    best, best_hits, best_i = "", 0, len(lines)
    for i, ub in zip(idx[order].tolist(), bound[order].tolist()):
        if ub < best_hits:
            break
        if ub == best_hits and i > best_i:
            continue
        hits = len(terms.intersection(tokenize(lines[i])))
        if hits > best_hits or (hits == best_hits and hits and i < best_i):
            best, best_hits, best_i = f"L{i + 1}: {lines[i].strip()[:160]}", hits, i
    return best


def _best_line_scan(lines: list[str], terms: set[str]) -> str:
    """``best_line`` by a plain loop over every line (the reference; used when offsets cannot map)."""
    best, best_hits = "", 0
    for n, line in enumerate(lines, 1):
        low = line.lower()  # every term of a line is a substring of it: skip lines holding none
        if not any(t in low for t in terms):
            continue
        hits = len(terms.intersection(tokenize(line)))
        if hits > best_hits:
            best, best_hits = f"L{n}: {line.strip()[:160]}", hits
    return best


@tool(parallel_safe=True)
def search_code(ws, query: str, max_results: int = 10) -> str:
    """Rank files by relevance to a natural-language or keyword query (BM25 over file contents and
    paths) and show each file's best-matching line. Good first step for a bug report.

    Args:
        query: words, identifiers or an error message to look for
        max_results: how many files to return (1 to 50)
    """
    if not tokenize(query):
        raise ToolError("INVALID_ARGS", "query has no searchable words; include identifiers or keywords")
    max_results = max(1, min(int(max_results), 50))
    files = reader(ws)
    ranked = rank(files, query, limit=max_results)
    if not ranked:
        return f"no files match {query!r}"
    terms = set(tokenize(query))
    lines = []
    for score, path in ranked:
        best = best_line(files.read_text(path) or "", terms)
        lines.append(f"{path} (score {score:.2f})" + (f"\n    {best}" if best else ""))
    return "\n".join(lines)


@tool(parallel_safe=True)
def grep(ws, pattern: str, path: str = ".", glob: str | None = None, ignore_case: bool = False,
         fixed_string: bool = False, max_results: int = 100) -> str:
    """Search file contents with a regular expression; prints 'file:line:text', sorted by file and line.

    Args:
        pattern: regular expression (Python syntax), or literal text with fixed_string=true
        path: directory or file to search, relative to the repository root
        glob: only search files matching this glob, e.g. '*.py'
        ignore_case: match case-insensitively
        fixed_string: treat pattern as literal text, not a regex
        max_results: maximum matching lines to show (1 to 500)
    """
    args = {"pattern": pattern, "path": path, "glob": glob, "ignore_case": ignore_case,
            "fixed_string": fixed_string, "max_results": max_results}
    return grep_merge(args, [grep_part(ws, args)])


GrepPart = tuple[list[str], int, int]
"""What one part of a grep found: ``(hits shown, up to max_results; matching lines; matching files)``."""


def grep_part(ws, args: dict, part: int = 0, parts: int = 1, deadline: float | None = None) -> GrepPart:
    """``grep`` (same ``args``) over the ``part``-th of ``parts`` contiguous slices of its file list, cut
    where the text before them is an equal share of the list's characters (so every process computes
    the same cut). ``grep_merge`` of all the parts, in order, is exactly the plain ``grep``'s output:
    files are searched in list order and a part keeps the first ``max_results`` hits of its files.
    ``deadline`` (``time.monotonic()``, which is system-wide: parts in other processes share it)
    defaults to ``_GREP_SECONDS`` from now."""
    pattern, fixed_string, ignore_case = args["pattern"], args.get("fixed_string", False), args.get("ignore_case", False)
    if pattern == "":
        raise ToolError("INVALID_ARGS", "pattern is empty")
    try:
        rx = regex.compile(regex.escape(pattern) if fixed_string else pattern,
                           regex.MULTILINE | (regex.IGNORECASE if ignore_case else 0))
    except regex.error as exc:
        raise ToolError("INVALID_ARGS", f"invalid regular expression {pattern!r}: {exc}; escape special "
                        "characters or pass fixed_string=true") from None
    max_results = _clamp_results(args)
    deadline = time.monotonic() + _GREP_SECONDS if deadline is None else deadline
    hits: list[str] = []
    total, files_hit = 0, 0
    files = reader(ws)
    todo = files_under(ws, args.get("path", "."), args.get("glob"), files=files.files())
    if parts > 1:
        todo = _slice(todo, files, part, parts)
    try:
        for rel in todo:
            text = files.read_text(rel)
            if text is None:
                continue
            # One pass over the whole text; a match counts on the line where it starts, once per line:
            # it starts a new line when a newline lies between it and the previous match. Line numbers
            # are counted only while hits are shown; past max_results only the count is left, and
            # find() stops at the first newline instead of counting every one of a long gap.
            line_no, line_start, prev, matched = 1, 0, -1, False
            for m in rx.finditer(text, timeout=max(0.01, deadline - time.monotonic())):
                pos = m.start()
                if pos >= len(text):  # an empty match after the final newline is no line
                    break
                same_line = prev >= 0 and text.find("\n", prev, pos) < 0
                prev = pos
                if same_line:
                    continue
                matched = True
                total += 1
                if len(hits) < max_results:
                    line_no += text.count("\n", line_start, pos)
                    line_start = text.rfind("\n", 0, pos) + 1
                    end = text.find("\n", line_start)
                    line = text[line_start:] if end < 0 else text[line_start:end]
                    shown = line if len(line) <= _MAX_LINE else line[:_MAX_LINE] + " [...]"
                    hits.append(f"{rel}:{line_no}:{shown}")
            files_hit += matched
    except TimeoutError:
        raise ToolError("TIMEOUT", f"grep for {pattern!r} took over {_GREP_SECONDS:.0f}s; simplify the "
                        "pattern or narrow path/glob") from None
    return hits, total, files_hit


def _clamp_results(args: dict) -> int:
    return max(1, min(int(args.get("max_results", 100)), 500))


def _slice(todo: list[str], files, part: int, parts: int) -> list[str]:
    """The ``part``-th of ``parts`` contiguous slices of ``todo``, balanced by text length: the
    snapshot's length of a file (kept with the snapshot: one dict lookup per file, not a read), the
    text's for a file the snapshot lacks. The same in every process, whatever the episode changed."""
    lengths = _snapshot_lengths(files.snapshot)
    sizes = [lengths[rel] if rel in lengths else len(files.read_text(rel) or "") for rel in todo]
    ends = list(itertools.accumulate(sizes))
    whole = ends[-1] if ends else 0
    cut = [0] + [bisect.bisect_left(ends, whole * k / parts) for k in range(1, parts)] + [len(todo)]
    return todo[cut[part]:cut[part + 1]]


def _snapshot_lengths(snap) -> dict[str, int]:
    """``{path: text length}`` of ``snap``'s searchable files, computed once per snapshot and process."""
    if snap is None:
        return {}
    lengths = snap.derived.get("text_lengths")
    if lengths is None:
        from rftgym.sandbox.safepath import _snapshot_safe_files

        lengths = {rel: len(snap.read_text(rel) or "") for rel in _snapshot_safe_files(snap)}
        snap.derived["text_lengths"] = lengths
    return lengths


def grep_merge(args: dict, parts: list[GrepPart]) -> str:
    """The ``grep`` output of its parts' findings, given in file-list order."""
    max_results = _clamp_results(args)
    hits = [h for found, _, _ in parts for h in found][:max_results]
    total = sum(t for _, t, _ in parts)
    files_hit = sum(f for _, _, f in parts)
    if not hits:
        return f"no matches for {args['pattern']!r}"
    more = f"\n[{total - len(hits)} more matches in {files_hit} files; narrow path or glob]" if total > len(hits) else ""
    return "\n".join(hits) + more
