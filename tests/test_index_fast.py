"""Fast paths of the read tools on big repositories (issue 13 parts 1-2) give the reference answers.

- ``best_line`` (the snippet search_code shows) is the plain per-line scan's answer;
- a ranking cut to ``limit`` (argpartition) is the head of the full ranking, ties by path included.
"""

import pytest

from rftgym.sandbox import repos as R
from rftgym.sandbox.local import LocalSandbox
from rftgym.sandbox.safepath import reader
from rftgym.tools import get_tool
from rftgym.tools.search import _best_line_scan, best_line, index_for, rank, tokenize

TEXTS = [
    "",
    "nothing to see\n",
    "parse_text here\nParseText there\nparse text parse\n",
    "x = 1\r\ny = parse(text)\r\n\x0cparse text again\n",
    "İstanbul parse\nparse text İ\n",  # lower() changes lengths: the scan fallback
    "a\n" * 100 + "mask attention\n" + "attention_mask padding\n" * 3 + "attention mask padding token\n",
    "tokenTokenizer token tokens\ntoken tokenizer\n",
]
QUERIES = ["parse text", "attention mask padding token", "tokenizer token", "İstanbul", "zz_none"]


@pytest.mark.parametrize("text", TEXTS)
def test_best_line_is_the_scan_answer(text):
    for q in QUERIES:
        terms = set(tokenize(q))
        assert best_line(text, terms) == _best_line_scan(text.splitlines(), terms), q


@pytest.mark.parametrize("name", R.builtin_repo_names())
def test_best_line_and_top_k_on_builtin_repos(name):
    with LocalSandbox() as sb:
        w = sb.open(name, R.builtin_commit(name))
        files = reader(w)
        paths = files.files()
        queries = [" ".join(tokenize((files.read_text(p) or "")[:300])[:3]) for p in paths[:25]]
        for q in filter(tokenize, queries):
            terms = set(tokenize(q))
            for p in paths:
                text = files.read_text(p) or ""
                assert best_line(text, terms) == _best_line_scan(text.splitlines(), terms), (q, p)
            full = index_for(files).search(q)
            for k in (1, 3, 10):
                assert rank(files, q, limit=k) == full[:k], (q, k)


def test_top_k_breaks_ties_by_path(tmp_path):
    from tests.conftest import git

    root = tmp_path / "ties"
    root.mkdir()
    for i in range(30):  # same text, same length of path: equal scores, ordered by path
        (root / f"m{(i * 7) % 30:02d}.py").write_text("def parse_text(x):\n    return x\n")
    (root / "zz_best.py").write_text("parse text parse text parse_text\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    with LocalSandbox() as sb:
        w = sb.open(str(root), git(root, "rev-parse", "HEAD").strip())
        files = reader(w)
        full = index_for(files).search("parse text")
        assert full[0][1] == "zz_best.py" and len(full) == 31
        for k in (1, 2, 5, 17, 31, 50):
            assert rank(files, "parse text", limit=k) == full[:k]


def _big_enough_repo(tmp_path, n=40):
    """A repo whose Python files define classes, methods, variables (nested and async too)."""
    from tests.conftest import git

    root = tmp_path / "many"
    for i in range(n):
        p = root / f"pkg{i % 5}" / f"mod_{i:03d}.py"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(f"LIMIT_{i}: int = {i}\n\n\nclass Thing{i}(Base):\n    def run(self, x, *a, k=1, **kw):\n"
                     f"        def inner():\n            pass\n\n    async def wait(self):\n        pass\n\n\n"
                     f"def helper_{i}(a, b=2):\n    return a\n" + ("def broken(:\n" if i == 7 else ""))
    (root / "README.md").write_text("Things and helpers.\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    return str(root), git(root, "rev-parse", "HEAD").strip()


def test_symbol_workers_give_the_in_process_table(tmp_path, monkeypatch):
    from rftgym.tools import index as I

    repo, sha = _big_enough_repo(tmp_path)
    monkeypatch.setenv("RFTGYM_INDEX_AT_SNAPSHOT", "0")
    snap = R.snapshot(repo, sha)
    assert not I.index_path(snap, "symbols").exists()
    in_process = I.build_symbols(snap)
    monkeypatch.setenv("RFTGYM_INDEX_WORKERS", "3")
    workers = I._SymbolWorkers.start(snap.tree, I._py_files(snap))
    assert workers is not None and len(workers.procs) == 3
    assert I.build_symbols(snap, workers) == in_process
    assert any(r[0] == "Thing3.wait" for r in in_process) and not any(r[0].endswith("inner") for r in in_process)


def test_indexes_are_built_when_the_snapshot_is_created(tmp_path, monkeypatch):
    from rftgym.tools import index as I

    repo, sha = _big_enough_repo(tmp_path)
    monkeypatch.setenv("RFTGYM_INDEX_WORKERS", "2")
    snap = R.snapshot(repo, sha)
    assert I.index_path(snap, "bm25").exists() and I.index_path(snap, "symbols").exists()

    def no_build(*_a, **_k):
        raise AssertionError("a first call on a new snapshot should load its indexes, not build them")

    monkeypatch.setattr(I, "build", no_build)
    monkeypatch.setattr(I, "build_symbols", no_build)
    snap.derived.clear()  # another process: only the files on disk
    with LocalSandbox() as sb:
        w = sb.open(repo, sha)
        assert "pkg2/mod_012.py:4: class Thing12(Base)" in get_tool("find_symbol").run(w, {"name": "Thing12"})
        assert get_tool("search_code").run(w, {"query": "helper 12"}).startswith("pkg2/mod_012.py")
