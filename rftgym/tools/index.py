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


_WORD_TERMS: dict[str, tuple[str, ...]] = {}  # identifier -> its search terms (shared by every file)
_WORD_TERMS_MAX = 2_000_000


def _word_terms(word: str) -> tuple[str, ...]:
    """The search terms ``tokenize`` makes of one identifier or number (memoised per process)."""
    terms = _WORD_TERMS.get(word)
    if terms is None:
        from rftgym.tools.search import tokenize

        terms = tuple(tokenize(word))
        if len(_WORD_TERMS) >= _WORD_TERMS_MAX:
            _WORD_TERMS.clear()
        _WORD_TERMS[word] = terms
    return terms


def term_counts(text: str) -> Counter:
    """``Counter(tokenize(text))``, computed fast: one regex pass counts the distinct identifiers
    (C code), then each distinct identifier's terms (memoised) are added with its count, so the
    Python work is per distinct word of a file, not per token."""
    from rftgym.tools.search import _WORD

    out: Counter = Counter()
    for word, n in Counter(_WORD.findall(text)).items():
        for term in _word_terms(word):
            out[term] += n
    return out


def _doc_terms(path: str, text: str) -> Counter:
    return term_counts(path.replace("/", " ").replace(".", " ") + " " + text)


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
    """The BM25 postings of one snapshot's files (immutable once built): for term id ``k``,
    ``docs[indptr[k]:indptr[k+1]]`` are the documents holding it (ascending) and ``tfs`` the counts."""

    def __init__(self, paths: list[str], terms: dict[str, int], lengths: np.ndarray, indptr: np.ndarray,
                 docs: np.ndarray, tfs: np.ndarray) -> None:
        self.paths = paths
        self.pos = {p: i for i, p in enumerate(paths)}
        self.terms = terms
        self.lengths = lengths
        self.total_length = float(lengths.sum())
        self.indptr, self.docs, self.tfs = indptr, docs, tfs

    @classmethod
    def from_texts(cls, paths: list[str], texts: list[str]) -> SnapshotIndex:
        """The index of documents ``texts[i]`` named ``paths[i]``; each document's terms are
        ``Counter(tokenize(path words + text))`` (as ``analyse`` makes them), computed in bulk.

        Per file, one regex pass counts its distinct identifiers (C code); each distinct identifier
        of the whole repository is tokenized once; the (doc, identifier, count) triples are then
        expanded to (doc, term, count) and summed with numpy, which also lays out the postings.
        """
        from rftgym.tools.search import _WORD, tokenize

        word_id: dict[str, int] = {}
        word_terms: list[list[int]] = []
        terms: dict[str, int] = {}
        doc_words, doc_counts = [], []
        for path, text in zip(paths, texts):
            counted = Counter(_WORD.findall(path.replace("/", " ").replace(".", " ") + " " + text))
            ids = []
            for w in counted:
                i = word_id.get(w)
                if i is None:
                    i = word_id[w] = len(word_terms)
                    word_terms.append([terms.setdefault(t, len(terms)) for t in tokenize(w)])
                ids.append(i)
            doc_words.append(np.array(ids, dtype=np.int64))
            doc_counts.append(np.fromiter(counted.values(), dtype=np.float64, count=len(counted)))
        n_docs = len(paths)
        per_word = np.array([len(t) for t in word_terms], dtype=np.int64)
        word_start = np.zeros(len(word_terms) + 1, dtype=np.int64)
        np.cumsum(per_word, out=word_start[1:])
        flat_terms = np.fromiter((t for ts in word_terms for t in ts), dtype=np.int64, count=int(word_start[-1]))
        words = np.concatenate(doc_words) if doc_words else np.zeros(0, dtype=np.int64)
        counts = np.concatenate(doc_counts) if doc_counts else np.zeros(0)
        docs_of = np.repeat(np.arange(n_docs, dtype=np.int64), [len(d) for d in doc_words])
        rep = per_word[words]  # each (doc, word, count) becomes one row per term of the word
        first = np.repeat(word_start[words] - (np.cumsum(rep) - rep), rep)
        term_rows = flat_terms[first + np.arange(int(rep.sum()), dtype=np.int64)]
        keys, inverse = np.unique(term_rows * max(n_docs, 1) + np.repeat(docs_of, rep), return_inverse=True)
        tfs = np.bincount(inverse.ravel(), weights=np.repeat(counts, rep), minlength=len(keys))
        term_of, docs = np.divmod(keys, max(n_docs, 1))
        indptr = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(np.bincount(term_of, minlength=len(terms)), out=indptr[1:])
        lengths = np.bincount(docs, weights=tfs, minlength=n_docs).astype(np.float64)
        return cls(paths, terms, lengths, indptr, docs.astype(np.int32), tfs.astype(np.float64))

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

    paths, texts = [], []
    for p in _snapshot_safe_files(snap):
        text = snap.read_text(p)
        if text is None:
            continue
        paths.append(p)
        texts.append(text)
    return SnapshotIndex.from_texts(paths, texts)


def _py_files(snap) -> list[str]:
    from rftgym.sandbox.safepath import _snapshot_safe_files

    return [p for p in _snapshot_safe_files(snap) if p.endswith(".py")]


def build_symbols(snap, pending: _SymbolWorkers | None = None) -> list:
    """Every definition in the safe Python files of ``snap``: (qualname, kind, path, line, signature),
    in file order.

    Separate from the BM25 index because ``ast.parse`` costs most of a build: a first search_code
    does not wait for it, and a first find_symbol does not wait for BM25. On a big repository the
    files are parsed by worker processes (``_SymbolWorkers``; ``pending``: ones already started),
    so the build uses every core; a worker that fails is redone in this process.
    """
    paths = _py_files(snap)
    workers = pending if pending is not None else _SymbolWorkers.start(snap.tree, paths)
    if workers is not None:
        rows = workers.collect()
        if rows is not None:
            return rows
    rows = []
    for p in paths:
        text = snap.read_text(p)
        if text is not None:
            rows.extend(_defs(p, text))
    return rows


def _workers_for(n_files: int) -> int:
    """How many processes parse a snapshot's ``n_files`` Python files: ``RFTGYM_INDEX_WORKERS`` when
    set (0 or 1: in this process), else one per usable core (at most 4) from 300 files on."""
    raw = os.environ.get("RFTGYM_INDEX_WORKERS", "").strip()
    if raw.isdigit():
        return int(raw)
    from rftgym.tools.procpool import usable_cores

    return min(4, usable_cores()) if n_files >= 300 else 0


def _defs_of_files(tree: str, paths: list[str]) -> list:
    """The definitions of ``paths`` under ``tree`` (run in a worker process)."""
    from rftgym.sandbox.repos import read_text_file

    rows = []
    for p in paths:
        text = read_text_file(Path(tree) / p)
        if text is not None:
            rows.extend(_defs(p, text))
    return rows


def _worker_main() -> None:
    """Entry point of a symbol worker: ``(tree, paths, out)`` pickled on stdin; rows pickled to ``out``."""
    import sys

    tree, paths, out = pickle.load(sys.stdin.buffer)
    rows = _defs_of_files(tree, paths)
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        pickle.dump(rows, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, out)


class _SymbolWorkers:
    """Python processes parsing one share of a snapshot's files each (``python -c``: nothing is forked
    from this, possibly threaded, process, and a script without a ``__main__`` guard is safe)."""

    def __init__(self, procs: list, outs: list[str], tmpdir: str) -> None:
        self.procs, self.outs, self.tmpdir = procs, outs, tmpdir

    @classmethod
    def start(cls, tree, paths: list[str]) -> _SymbolWorkers | None:
        """Started workers over ``paths`` (shares balanced by file size), or None when the repository
        is too small to pay for process start-up (see ``_workers_for``) or no process starts."""
        import subprocess
        import sys
        import tempfile

        n = _workers_for(len(paths))
        if n < 2:
            return None
        sizes = []
        for p in paths:
            try:
                sizes.append(os.path.getsize(os.path.join(tree, p)))
            except OSError:
                sizes.append(0)
        shares: list[list[str]] = [[] for _ in range(n)]
        load = [0] * n
        for size, p in sorted(zip(sizes, paths), reverse=True):  # biggest first, onto the lightest share
            k = load.index(min(load))
            shares[k].append(p)
            load[k] += size
        import rftgym

        root = str(Path(rftgym.__file__).resolve().parent.parent)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
        tmpdir = tempfile.mkdtemp(prefix="rftgym-symbols-")
        procs, outs = [], []
        try:
            for k, share in enumerate(shares):
                out = os.path.join(tmpdir, f"{k}.pkl")
                proc = subprocess.Popen([sys.executable, "-c", "from rftgym.tools.index import _worker_main; "
                                         "_worker_main()"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, env=env, cwd=tmpdir)
                procs.append(proc)
                outs.append(out)
                proc.stdin.write(pickle.dumps((str(tree), share, out)))
                proc.stdin.close()
        except OSError:
            cls(procs, outs, tmpdir).kill()
            return None
        return cls(procs, outs, tmpdir)

    def collect(self, timeout: float = 900.0) -> list | None:
        """Every worker's rows in path order, or None when one failed (the caller builds in-process)."""
        import shutil
        import subprocess

        try:
            by_path: dict[str, list] = {}
            for proc, out in zip(self.procs, self.outs):
                if proc.wait(timeout=timeout) != 0:
                    return None
                with open(out, "rb") as f:
                    for row in pickle.load(f):
                        by_path.setdefault(row[2], []).append(row)
            order = sorted(by_path)  # _snapshot_safe_files is sorted, and so are the rows of one file
            return [row for p in order for row in by_path[p]]
        except (OSError, pickle.UnpicklingError, EOFError, subprocess.TimeoutExpired):
            return None
        finally:
            self.kill()
            shutil.rmtree(self.tmpdir, ignore_errors=True)

    def kill(self) -> None:
        import shutil

        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        shutil.rmtree(self.tmpdir, ignore_errors=True)


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


def prebuild(snap) -> None:
    """Build and persist both indexes of ``snap`` now; ``rftgym.sandbox.repos.snapshot`` calls it when
    it creates a snapshot, so the first episode on a commit loads them instead of building them.

    The symbol workers parse the Python files while this process builds the BM25 index. Never
    raises (a tool call builds again and reports a real problem); ``RFTGYM_INDEX_AT_SNAPSHOT=0``
    leaves the build to the first call.
    """
    if os.environ.get("RFTGYM_INDEX_AT_SNAPSHOT", "1").strip() == "0":
        return
    workers = None
    try:
        if "symbols" not in snap.derived and not index_path(snap, "symbols").exists():
            workers = _SymbolWorkers.start(snap.tree, _py_files(snap))
        snapshot_index(snap)
        _cached(snap, "symbols", lambda s: build_symbols(s, workers), list)
    except Exception:  # noqa: BLE001 - see the docstring
        pass
    finally:
        if workers is not None:
            workers.kill()


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
