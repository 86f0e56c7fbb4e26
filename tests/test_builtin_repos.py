"""The built-in codebases and their task sets: size, own suites, stable SHAs, valid tasks."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rftgym.sandbox import repos as R
from rftgym.tasks import builtin_tasks

NAMES = R.builtin_repo_names()
# perfkit is small on purpose: a handful of slow functions for Optimize-v0, with no localization tasks.
CODEBASES = [n for n in NAMES if n != "perfkit"]


def test_there_are_at_least_three_builtin_repos():
    assert len(NAMES) >= 3, NAMES


def logic_lines(path: Path) -> int:
    """Lines of code that are not blank, comments or docstrings."""
    text = path.read_text()
    doc_lines: set[int] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant) \
                    and isinstance(first.value.value, str):
                doc_lines.update(range(first.lineno, first.end_lineno + 1))
    return sum(1 for n, line in enumerate(text.splitlines(), 1)
               if line.strip() and not line.strip().startswith("#") and n not in doc_lines)


@pytest.mark.parametrize("name", CODEBASES)
def test_repo_size_and_shape(name):
    code = R.builtin_repos_dir() / name / "code"
    modules = [p for p in code.rglob("*.py") if "tests" not in p.parts and p.name != "__init__.py"]
    packages = {p.parent for p in code.rglob("__init__.py") if "tests" not in p.parts}
    assert len(modules) >= 30, f"{name}: {len(modules)} modules"
    assert len(packages) >= 3, f"{name}: {len(packages)} packages"
    assert sum(logic_lines(p) for p in modules) >= 1500


@pytest.mark.parametrize("name", NAMES)
def test_repo_suite_passes(name, tmp_path):
    code = R.builtin_repos_dir() / name / "code"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x"], cwd=code,
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]


@pytest.mark.parametrize("name", NAMES)
def test_materialised_sha_is_stable_and_pinned(name, tmp_path, monkeypatch):
    first = R.builtin_commit(name)
    monkeypatch.setenv("RFTGYM_CACHE", str(tmp_path / "other-cache"))
    assert R.builtin_commit(name) == first, "materialising twice gave different SHAs"
    pinned = {t.commit for t in builtin_tasks("localization" if name in CODEBASES else "optimize", [name])}
    assert pinned == {first}, f"task files pin {pinned}, the repo materialises to {first}; run `rftgym repos pin`"


@pytest.mark.parametrize("name", CODEBASES)
def test_localization_tasks_are_valid(name):
    tasks = builtin_tasks("localization", [name])
    assert len(tasks) >= 40
    assert {t.split for t in tasks} == {"train", "test"}
    snap = R.snapshot(name, tasks[0].commit)
    for t in tasks:
        assert 1 <= len(t.gold_files) <= 3, t.id
        low = t.prompt.lower()
        for gold in t.gold_files:
            assert (snap.tree / gold).is_file(), f"{t.id}: gold file {gold} missing at the commit"
            dotted = gold[:-3].replace("/", ".") if gold.endswith(".py") else gold
            for leak in (gold, os.path.basename(gold), dotted, gold[:-3] if gold.endswith(".py") else gold):
                assert leak.lower() not in low, f"{t.id}: prompt names {leak}"
