"""The per-snapshot search and symbol index (rftgym/tools/index.py, issue 13 part 1).

Built once per snapshot even under concurrent calls, persisted in the snapshot cache and reused by
a later load, updated incrementally from the episode's changes with the same ranking as a full
rebuild, and identical to the reference (full in-memory) implementation on every built-in repo.
"""

import threading

import pytest

from rftgym.sandbox import repos as R
from rftgym.sandbox.local import LocalSandbox
from rftgym.sandbox.safepath import reader
from rftgym.tools import get_tool
from rftgym.tools import index as I
from rftgym.tools.search import index_for, rank, tokenize
from rftgym.tools.symbols import _table, full_table
from tests.conftest import git

FILES = {
    "pkg/__init__.py": "from pkg.core import Parser\n",
    "pkg/core.py": "class Parser:\n    def parse(self, text):\n        return tokenize_input(text)\n\n\n"
                   "def tokenize_input(text):\n    return text.split()\n",
    "pkg/render.py": "HTML_ESCAPE = True\n\ndef render_html(tree):\n    return '<p>' + str(tree)\n",
    "docs/guide.md": "Parser guide: parse text, render html, escape entities.\n",
    "tests/test_core.py": "from pkg.core import Parser\n\ndef test_parse():\n    assert Parser().parse('a b')\n",
}
QUERIES = ["parse text", "render html escape", "Parser tokenize_input", "guide entities", "nothing_here_zz"]


def run(ws, tool_name, **args):
    return get_tool(tool_name).run(ws, args)


@pytest.fixture()
def repo(tmp_path):
    root = tmp_path / "repo"
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    return str(root), git(root, "rev-parse", "HEAD").strip()


@pytest.fixture()
def ws(repo):
    with LocalSandbox() as sb:
        w = sb.open(*repo)
        yield w


def _forget_in_memory(snap):
    snap.derived.pop("bm25", None)
    snap.derived.pop("symbols", None)


def _as_before_prebuild(snap):
    """The snapshot as a cache without snapshot-time indexes has it (an older cache): nothing built."""
    _forget_in_memory(snap)
    for kind in ("bm25", "symbols"):
        I.index_path(snap, kind).unlink(missing_ok=True)


def test_index_is_persisted_and_reused(ws, monkeypatch):
    snap = ws.snapshot
    _as_before_prebuild(snap)
    assert not I.index_path(snap, "bm25").exists() and not I.index_path(snap, "symbols").exists()
    first = run(ws, "search_code", query="parse text")
    run(ws, "find_symbol", name="Parser")
    assert I.index_path(snap, "bm25").exists() and I.index_path(snap, "symbols").exists()
    _forget_in_memory(snap)  # a new process: nothing in memory, the cache file is there

    def no_build(_snap):
        raise AssertionError("the persisted index should have been loaded, not rebuilt")

    monkeypatch.setattr(I, "build", no_build)
    monkeypatch.setattr(I, "build_symbols", no_build)
    assert run(ws, "search_code", query="parse text") == first
    assert "pkg/core.py:1: class Parser" in run(ws, "find_symbol", name="Parser")


def test_concurrent_first_calls_build_once(ws, monkeypatch):
    _as_before_prebuild(ws.snapshot)
    builds = []
    gate = threading.Event()

    def counting(kind, real):
        def counting_build(snap):
            builds.append(kind)
            gate.wait(5)  # hold the build so every other caller arrives while it runs
            return real(snap)
        return counting_build

    monkeypatch.setattr(I, "build", counting("bm25", I.build))
    monkeypatch.setattr(I, "build_symbols", counting("symbols", I.build_symbols))
    outs = []
    threads = [threading.Thread(target=lambda i=i: outs.append(
        run(ws, "search_code" if i % 2 else "find_symbol", **({"query": "parse"} if i % 2 else {"name": "parse"}))))
        for i in range(8)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join(30)
    assert sorted(builds) == ["bm25", "symbols"] and len(outs) == 8


def _same_as_full_rebuild(ws):
    files = reader(ws)
    for q in QUERIES:
        assert rank(files, q) == index_for(files).search(q), q
    assert sorted(_table(ws)) == sorted(full_table(reader(ws)))


def test_incremental_update_matches_full_rebuild(ws):
    _same_as_full_rebuild(ws)
    res = ws.exec("printf 'def render_html(x):\\n    return escape(x)\\n' > pkg/render.py && rm docs/guide.md && "
                  "mkdir -p pkg/extra && printf 'class HtmlParser:\\n    def parse(self):\\n        pass\\n' "
                  "> pkg/extra/html.py", timeout=30)
    assert res.ok, res.combined()
    _same_as_full_rebuild(ws)
    assert "pkg/extra/html.py:1: class HtmlParser" in run(ws, "find_symbol", name="HtmlParser")
    assert "docs/guide.md" not in run(ws, "search_code", query="guide entities")
    assert run(ws, "find_symbol", name="HTML_ESCAPE").startswith("no definition")
    # The snapshot's own index is untouched by the episode, and a reset brings its answers back.
    ws.reset()
    _same_as_full_rebuild(ws)
    assert "pkg/render.py:1: HTML_ESCAPE = True" in run(ws, "find_symbol", name="HTML_ESCAPE")


@pytest.mark.parametrize("name", R.builtin_repo_names())
def test_ranking_identical_to_the_reference_on_builtin_repos(name):
    with LocalSandbox() as sb:
        w = sb.open(name, R.builtin_commit(name))
        files = reader(w)
        # Queries from the repo's own vocabulary: every module's name and a few of its identifiers.
        queries = []
        for path in files.files()[:40]:
            words = tokenize((files.read_text(path) or "")[:400])
            queries.append(" ".join([path.rsplit("/", 1)[-1].split(".")[0], *words[:4]]))
        for q in queries:
            if tokenize(q):
                assert rank(files, q) == index_for(files).search(q), q
        assert _table(w) == full_table(files)
