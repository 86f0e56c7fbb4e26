"""Per-snapshot indexes for search_code (BM25) and find_symbol, built once and updated per episode.

- **Once per snapshot, single-flight.** The first call on a snapshot builds its index; concurrent
  callers (several calls of one turn, several envs of one process) wait for that one build. Another
  process racing on the same snapshot is serialised by an ``flock`` on the cache file.
- **Persisted** next to the snapshot tree (``<cache>/snapshots/<repo>/<sha>/index-v1.pkl``): a
  snapshot never changes, so a later process loads the index instead of re-reading every file.
- **Incremental.** An episode's changed files are scored from their current text on top of the
  snapshot's index: BM25's global statistics (document count, average length, document frequency
  of the query's terms) are corrected for the removed and added documents, so the ranking is the
  one a full rebuild of the current tree gives (tested). Token counts and definitions of changed
  files are cached by their text, so repeated calls re-read but do not re-tokenize them.

BM25 over the snapshot is numpy over a CSR posting list (term -> documents, term frequencies): a
query costs a few array operations per term instead of a Python loop over every file.
"""

from __future__ import annotations

import fcntl
import math
import os
import pickle
import threading
import uuid
from collections import Counter
from pathlib import Path

import numpy as np

_VERSION = 3
_K1, _B = 1.2, 0.75
_OVERLAY_MAX = 4096  # cached (path, text) -> tokens/definitions of changed files, per process

_build_locks: dict[tuple[int, str], threading.Lock] = {}
_build_locks_guard = threading.Lock()
_overlay: dict[tuple[str, str], tuple[Counter, list]] = {}
_overlay_lock = threading.Lock()


def _doc_terms(path: str, text: str) -> Counter:
    from rftgym.tools.search import tokenize

    return Counter(tokenize(path.replace("/", " ").replace(".", " ") + " " + text))


def _defs(path: str, text: str) -> list:
    from rftgym.tools.symbols import definitions

    if not path.endswith(".py"):
        return []
    return [(q, k, path, line, sig) for q, k, line, sig in definitions(text)]


def analyse(path: str, text: str) -> tuple[Counter, list]:
    """(term counts, definitions) of one file's text; cached by (path, text) for changed files."""
    key = (path, text)
    hit = _overlay.get(key)
    if hit is not None:
        return hit
    value = (_doc_terms(path, text), _defs(path, text))
    with _overlay_lock:
        if len(_overlay) >= _OVERLAY_MAX:
            _overlay.clear()
        _overlay[key] = value
    return value


class SnapshotIndex:
    """The BM25 postings and symbol table of one snapshot's files (immutable once built)."""

    def __init__(self, paths: list[str], counts: list[Counter]) -> None:
        self.paths = paths
        self.pos = {p: i for i, p in enumerate(paths)}
        self.lengths = np.array([sum(c.values()) for c in counts], dtype=np.float64)
        self.total_length = float(self.lengths.sum())
        vocab: dict[str, list] = {}
        for i, c in enumerate(counts):
            for term, tf in c.items():
                vocab.setdefault(term, []).append((i, tf))
        self.terms = {t: k for k, t in enumerate(vocab)}
        indptr = [0]
        docs, tfs = [], []
        for postings in vocab.values():
            docs.extend(d for d, _ in postings)
            tfs.extend(tf for _, tf in postings)
            indptr.append(len(docs))
        self.indptr = np.array(indptr, dtype=np.int64)
        self.docs = np.array(docs, dtype=np.int32)
        self.tfs = np.array(tfs, dtype=np.float64)

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        k = self.terms.get(term)
        if k is None:
            return self.docs[:0], self.tfs[:0]
        lo, hi = self.indptr[k], self.indptr[k + 1]
        return self.docs[lo:hi], self.tfs[lo:hi]

    def df(self, term: str) -> int:
        k = self.terms.get(term)
        return 0 if k is None else int(self.indptr[k + 1] - self.indptr[k])


def build(snap) -> SnapshotIndex:
    """The BM25 index of every safe text file of ``snap`` (see ``safepath``)."""
    from rftgym.sandbox.safepath import _snapshot_safe_files

    paths, counts = [], []
    for p in _snapshot_safe_files(snap):
        text = snap.read_text(p)
        if text is None:
            continue
        paths.append(p)
        counts.append(_doc_terms(p, text))
    return SnapshotIndex(paths, counts)


def build_symbols(snap) -> list:
    """Every definition in the safe Python files of ``snap``: (qualname, kind, path, line, signature).

    Separate from the BM25 index because ``ast.parse`` costs most of a build: a first search_code
    does not wait for it, and a first find_symbol does not wait for BM25.
    """
    from rftgym.sandbox.safepath import _snapshot_safe_files

    rows = []
    for p in _snapshot_safe_files(snap):
        if p.endswith(".py"):
            text = snap.read_text(p)
            if text is not None:
                rows.extend(_defs(p, text))
    return rows


def index_path(snap, kind: str = "bm25") -> Path:
    return Path(snap.tree).parent / f"index-{kind}-v{_VERSION}.pkl"


def _load(path: Path, kind: type):
    try:
        with open(path, "rb") as f:
            obj = pickle.load(f)
        return obj if isinstance(obj, kind) else None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        return None


def _lock_for(snap, kind: str) -> threading.Lock:
    with _build_locks_guard:
        return _build_locks.setdefault((id(snap), kind), threading.Lock())


def _cached(snap, kind: str, builder, typ: type):
    """``snap.derived[kind]``: from memory, else from its cache file, else built (once) and persisted."""
    value = snap.derived.get(kind)
    if value is not None:
        return value
    with _lock_for(snap, kind):  # single flight within the process
        value = snap.derived.get(kind)
        if value is not None:
            return value
        path = index_path(snap, kind)
        value = _load(path, typ)
        if value is None:
            value = _build_persisted(snap, path, builder, typ)
        snap.derived[kind] = value
        return value


def snapshot_index(snap) -> SnapshotIndex:
    """The BM25 index of ``snap`` (single-flight, persisted)."""
    return _cached(snap, "bm25", lambda s: build(s), SnapshotIndex)


def snapshot_symbols(snap) -> list:
    """The symbol table of ``snap`` (single-flight, persisted)."""
    return _cached(snap, "symbols", lambda s: build_symbols(s), list)


def _build_persisted(snap, path: Path, builder, typ: type):
    """Build under an flock (single flight across processes) and write the cache file atomically."""
    try:
        lock = open(str(path) + ".lock", "w")
    except OSError:  # a read-only cache: build in memory only
        return builder(snap)
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        value = _load(path, typ)
        if value is not None:
            return value
        value = builder(snap)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        try:
            with open(tmp, "wb") as f:
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            tmp.unlink(missing_ok=True)
        return value


def prepare(ws) -> None:
    """Build (or load) the index of ``ws``'s snapshot now, e.g. at reset; never raises."""
    snap = getattr(ws, "snapshot", None)
    if snap is None:
        return
    try:
        snapshot_index(snap)
        snapshot_symbols(snap)
    except Exception:  # noqa: BLE001 - a tool call will build it again and report a real problem
        pass


def prepare_in_background(ws) -> threading.Thread | None:
    """``prepare`` in a daemon thread, so an index builds while the model writes its first turn."""
    snap = getattr(ws, "snapshot", None)
    if snap is None or ("bm25" in snap.derived and "symbols" in snap.derived):
        return None
    t = threading.Thread(target=prepare, args=(ws,), daemon=True, name="rftgym-index")
    t.start()
    return t


def _top(scores: np.ndarray, k: int | None) -> np.ndarray:
    """Indices of the positive ``scores``; with ``k``, only those that can be among the ``k`` best
    once ties are broken by path: every index scoring at least the ``k``-th best score."""
    hits = np.flatnonzero(scores > 0)
    if k is None or len(hits) <= k:
        return hits
    kth = np.partition(scores[hits], len(hits) - k)[len(hits) - k]
    return hits[scores[hits] >= kth]


class View:
    """The index as one tool call sees the workspace: the snapshot's index plus the changed files."""

    def __init__(self, files) -> None:
        """``files``: the call's ``WorkspaceReader``."""
        from rftgym.sandbox.safepath import _snapshot_safe_files

        self.snapshot = files.snapshot
        self.removed_paths: frozenset[str] = frozenset()
        self.added: dict[str, tuple[Counter, list]] = {}
        if files.changed is not None and not files.changed:
            return
        current = files.files()
        current_set = set(current)
        base_files = _snapshot_safe_files(self.snapshot)
        # The removed set depends only on the change set and the file list: reuse it across calls.
        key = (frozenset(files.changed) if files.changed is not None else None, tuple(current))
        memo = self.snapshot.derived.setdefault("removed_memo", {})
        removed = memo.get(key)
        if removed is None:
            removed = frozenset(p for p in base_files if p not in current_set or files.touched(p))
            if len(memo) >= 64:
                memo.clear()
            memo[key] = removed
        self.removed_paths = removed
        in_base = self.snapshot.derived["safe_set"]
        for p in current:
            if p in in_base and p not in self.removed_paths:
                continue
            text = files.read_text(p)
            if text is not None:
                self.added[p] = analyse(p, text)

    # -- BM25 ------------------------------------------------------------------------------------
    def search(self, terms: list[str], limit: int | None = None) -> list[tuple[float, str]]:
        """(score, path) of every document with a positive BM25 score, best first, ties by path;
        the first ``limit`` of them when given (found with ``argpartition``: no sort of every hit)."""
        base = snapshot_index(self.snapshot)
        removed = {base.pos[p] for p in self.removed_paths if p in base.pos}
        n = len(base.paths) - len(removed) + len(self.added)
        if n == 0:
            return []
        total = base.total_length - sum(base.lengths[i] for i in removed) + \
            sum(sum(c.values()) for c, _ in self.added.values())
        avg = total / n
        scores = np.zeros(len(base.paths), dtype=np.float64)
        added_scores = {p: 0.0 for p in self.added}
        removed_ids = np.fromiter(removed, dtype=np.int32, count=len(removed))
        for t in terms:
            df = base.df(t)
            docs, tfs = base.postings(t)
            if removed and len(docs):
                df -= int(np.isin(docs, removed_ids).sum())
            df += sum(1 for c, _ in self.added.values() if t in c)
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            if len(docs):
                length = base.lengths[docs]
                scores[docs] += idf * tfs * (_K1 + 1) / (tfs + _K1 * (1 - _B + _B * length / avg))
            for p, (c, _) in self.added.items():
                tf = c.get(t)
                if tf:
                    length = sum(c.values())
                    added_scores[p] += idf * tf * (_K1 + 1) / (tf + _K1 * (1 - _B + _B * length / avg))
        if removed:
            scores[list(removed)] = 0.0
        hits = _top(scores, None if limit is None else limit + len(self.added))
        out = [(float(scores[i]), base.paths[i]) for i in hits]
        out.extend((s, p) for p, s in added_scores.items() if s > 0)
        out.sort(key=lambda sp: (-sp[0], sp[1]))
        return out if limit is None else out[:limit]

    # -- symbols ---------------------------------------------------------------------------------
    def symbols(self) -> list:
        """Every definition of the current tree: the snapshot's minus removed files, plus changed ones."""
        table = snapshot_symbols(self.snapshot)
        if not self.removed_paths and not self.added:
            return table
        rows = [r for r in table if r[2] not in self.removed_paths]
        for _, defs in self.added.values():
            rows.extend(defs)
        return rows
