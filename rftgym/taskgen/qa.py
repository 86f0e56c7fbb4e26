"""Code questions with verifiable answers, generated from any Python repository (CodeQA-v0 tasks).

``generate_qa(repo, commit="HEAD", n=60, seed=0) -> list[dict]`` reads the repository's library code
(test files excluded) at the commit with ``ast`` and asks, for facts that have exactly one answer:

- ``path``: where is a (uniquely named) function or class defined;
- ``symbol``: which class defines a (uniquely named) method; which function raises an exception
  that only it raises;
- ``list``: which modules import a given module of the repository directly (2 to 5 of them);
- ``number``: how many classes directly subclass a class (2 or more);
- ``value``: what a function returns when an argument is empty or None (its guard clause), a
  parameter's default (other than None), a module-level constant's value.

Rows carry ``answer``, ``answer_kind`` (the ``AnswerMatch`` rule) and ``aliases`` when more than one
spelling is right. Templates take turns so every kind is represented; the split is a stable hash of
the id (about 30% test). Prompts never contain the answer.
"""

from __future__ import annotations

import ast
import random
import re
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from rftgym.taskgen.common import TEST_FRACTION, Progress, no_progress, pin_commit, repo_name, repo_spec

_CONSTANT = re.compile(r"^[A-Z][A-Z0-9_]{2,}$")


@dataclass
class RepoFacts:
    """What the questions are made of, gathered in one pass over the library files."""

    top: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))        # name -> files
    methods: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))    # method -> classes
    all_functions: dict[str, int] = field(default_factory=lambda: defaultdict(int))     # bare name -> count
    importers: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))    # module -> files
    raisers: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))      # exception -> qualnames
    bases: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))      # base -> subclasses
    classes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    guards: list[tuple[str, str, str, str]] = field(default_factory=list)   # (qualname, param, when, value)
    defaults: list[tuple[str, str, str]] = field(default_factory=list)      # (qualname, param, value)
    constants: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # NAME -> values
    modules: set[str] = field(default_factory=set)


def _module_name(rel: str) -> str:
    parts = rel[:-3].split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_test(rel: str) -> bool:
    base = rel.rsplit("/", 1)[-1]
    return rel.startswith("tests/") or "/tests/" in rel or base.startswith("test_") or base == "conftest.py" \
        or base.endswith("_test.py")


def _literal(node: ast.AST) -> str | None:
    """``repr`` of a short literal (number, string, bool, None, empty or small container), else None."""
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    text = _repr(value)
    return text if len(text) <= 40 and "\n" not in text else None


def _repr(value: Any) -> str:
    """``repr`` with set elements sorted, so that a task file does not depend on the hash seed."""
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(_repr(v) for v in value)) + "}" if value else "set()"
    if isinstance(value, tuple):
        return "(" + ", ".join(_repr(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, list):
        return "[" + ", ".join(_repr(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_repr(k)}: {_repr(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _resolve_from(module: str, node: ast.ImportFrom, is_package: bool) -> str | None:
    if not node.level:
        return node.module
    base = module.split(".") if is_package else module.split(".")[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else [])) or None


def collect(root: Path, files: list[str]) -> RepoFacts:
    facts = RepoFacts()
    trees = {}
    for rel in files:
        try:
            trees[rel] = ast.parse((root / rel).read_text(encoding="utf-8", errors="replace"))
        except (SyntaxError, ValueError):
            continue
        facts.modules.add(_module_name(rel))
    for rel, tree in trees.items():
        module, is_package = _module_name(rel), rel.endswith("__init__.py")
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                facts.top[node.name].append(rel)
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                    and _CONSTANT.match(node.targets[0].id):
                value = _literal(node.value)
                facts.constants[node.targets[0].id].append(value if value is not None else "?")
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                target = _resolve_from(module, node, is_package)
                if target:
                    imported.add(target)
                    imported.update(f"{target}.{a.name}" for a in node.names)
        for name in imported:
            if name in facts.modules and name != module:
                facts.importers[name].add(rel)
        _functions(tree, facts)
    return facts


def _functions(tree: ast.Module, facts: RepoFacts) -> None:
    def visit(body: list[ast.stmt], cls: str | None) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                facts.classes[node.name] += 1
                for base in node.bases:
                    name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", None)
                    if name:
                        facts.bases[name].append(node.name)
                visit(node.body, node.name)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                qual = f"{cls}.{node.name}" if cls else node.name
                facts.all_functions[node.name] += 1
                if cls and not node.name.startswith("__"):
                    facts.methods[node.name].append(cls)
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Raise) and sub.exc is not None:
                        exc = sub.exc.func if isinstance(sub.exc, ast.Call) else sub.exc
                        name = exc.attr if isinstance(exc, ast.Attribute) else getattr(exc, "id", None)
                        if name and name[0].isupper():
                            facts.raisers[name].add(qual)
                _guard(node, qual, facts)
                args = node.args.posonlyargs + node.args.args
                for arg, default in zip(args[len(args) - len(node.args.defaults):], node.args.defaults):
                    value = _literal(default)
                    if value not in (None, "None") and arg.arg not in ("self", "cls"):
                        facts.defaults.append((qual, arg.arg, value))

    visit(tree.body, None)


def _guard(fn: ast.FunctionDef, qual: str, facts: RepoFacts) -> None:
    """``if not p: return CONST`` or ``if p is None: return CONST`` as the first statement."""
    body = fn.body[1:] if fn.body and isinstance(fn.body[0], ast.Expr) and \
        isinstance(getattr(fn.body[0], "value", None), ast.Constant) else fn.body
    if not body or not isinstance(body[0], ast.If) or body[0].orelse:
        return
    test, then = body[0].test, body[0].body
    if len(then) != 1 or not isinstance(then[0], ast.Return) or then[0].value is None:
        return
    params = {a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs} - {"self", "cls"}
    value = _literal(then[0].value)
    if value is None:
        return
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Name) \
            and test.operand.id in params:
        facts.guards.append((qual, test.operand.id, "empty", value))
    elif isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id in params \
            and len(test.ops) == 1 and isinstance(test.ops[0], ast.Is) and \
            isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None:
        facts.guards.append((qual, test.left.id, "None", value))


def _unique_function(qual: str, facts: RepoFacts) -> bool:
    """A function or method whose name in the prompt points at one definition."""
    name = qual.rsplit(".", 1)[-1]
    if "." in qual:
        return facts.classes[qual.split(".")[0]] == 1 and len(facts.methods.get(name, [])) >= 1 \
            and facts.methods[name].count(qual.split(".")[0]) == 1
    return facts.all_functions[name] == 1


def questions(facts: RepoFacts) -> dict[str, list[dict[str, Any]]]:
    """Every question the facts support, by template."""
    q: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for name, files in sorted(facts.top.items()):
        if len(files) == 1 and len(name) > 3 and not name.startswith("_") and facts.all_functions[name] + \
                facts.classes[name] == 1:
            q["defined"].append({"prompt": f"Where is `{name}` defined? Answer with the file path.",
                                 "answer": files[0], "answer_kind": "path", "key": name})
    for method, owners in sorted(facts.methods.items()):
        if len(owners) == 1 and facts.all_functions[method] == 1 and len(method) > 3 and not method.startswith("_") \
                and facts.classes[owners[0]] == 1:
            q["method_owner"].append({"prompt": f"Which class defines the method `{method}`? Answer with the class "
                                                "name.", "answer": owners[0], "answer_kind": "symbol", "key": method})
    for module, files in sorted(facts.importers.items()):
        if 2 <= len(files) <= 5:
            q["importers"].append({"prompt": f"Which modules of the repository import `{module}` directly? Answer "
                                             "with their file paths, separated by commas.",
                                   "answer": ", ".join(sorted(files)), "answer_kind": "list", "key": module})
    for exc, quals in sorted(facts.raisers.items()):
        if len(quals) == 1:
            qual = next(iter(quals))
            if not _unique_function(qual, facts):
                continue
            bare = qual.rsplit(".", 1)[-1]
            aliases = [bare] if "." in qual and facts.all_functions[bare] == 1 else []
            q["raiser"].append({"prompt": f"Which function or method raises `{exc}`? Answer with its name "
                                          "(Class.method for a method).", "answer": qual, "answer_kind": "symbol",
                                "aliases": aliases, "key": exc})
    for base, subs in sorted(facts.bases.items()):
        if facts.classes[base] == 1 and len(subs) >= 2:
            q["subclasses"].append({"prompt": f"How many classes in the repository directly subclass `{base}`? "
                                              "Answer with a number.", "answer": str(len(subs)),
                                    "answer_kind": "number", "key": base})
    for qual, param, when, value in facts.guards:
        if _unique_function(qual, facts):
            what = "is empty (falsy)" if when == "empty" else "is None"
            q["guard"].append({"prompt": f"What does `{qual}` return when its argument `{param}` {what}? Answer "
                                         "with the Python value.", "answer": value, "answer_kind": "value",
                               "key": f"{qual}.{param}"})
    for qual, param, value in facts.defaults:
        if _unique_function(qual, facts):
            q["default"].append({"prompt": f"What is the default value of the parameter `{param}` of `{qual}`? "
                                           "Answer with the Python value.", "answer": value, "answer_kind": "value",
                                 "key": f"{qual}.{param}"})
    for name, values in sorted(facts.constants.items()):
        if len(values) == 1 and values[0] != "?":
            q["constant"].append({"prompt": f"What is the value of the module-level constant `{name}`? Answer with "
                                            "the Python value.", "answer": values[0], "answer_kind": "value",
                                  "key": name})
    return q


def _interleave(groups: dict[str, list[dict[str, Any]]], rng: random.Random) -> Iterator[tuple[str, dict[str, Any]]]:
    pools = {k: rng.sample(v, len(v)) for k, v in sorted(groups.items())}
    while any(pools.values()):
        for kind in sorted(pools):
            if pools[kind]:
                yield kind, pools[kind].pop()


def generate_qa(repo: str, commit: str | None = None, *, n: int = 60, seed: int = 0,
                test_share: float = TEST_FRACTION, progress: Progress = no_progress, **_: Any) -> list[dict[str, Any]]:
    """Up to ``n`` CodeQA task rows for ``repo`` at ``commit`` (default: HEAD, or a built-in repo's
    pin); see the module docstring. Other options of ``rftgym.taskgen.generate`` are ignored."""
    from rftgym.sandbox.repos import snapshot, walk_visible

    sha = pin_commit(repo, commit)
    snap = snapshot(repo_spec(repo), sha)
    progress("reading the code", 0, 1)
    files = [f for f in walk_visible(snap.tree) if f.endswith(".py") and not _is_test(f)]
    facts = collect(snap.tree, files)
    progress("reading the code", 1, 1)
    label = repo_name(repo)
    rows, seen = [], set()
    for kind, q in _interleave(questions(facts), random.Random(seed)):
        if len(rows) >= n:
            break
        slug = re.sub(r"[^a-z0-9]+", "-", q.pop("key").lower()).strip("-")[:40]
        task_id = f"{label}-qa-{kind.replace('_', '-')}-{slug}"
        if task_id in seen:
            continue
        seen.add(task_id)
        split = "test" if zlib.crc32(task_id.encode()) % 1000 < test_share * 1000 else "train"
        rows.append({"id": task_id, "prompt": q.pop("prompt"), "repo": repo_spec(repo), "commit": sha, "split": split,
                     **{k: v for k, v in q.items() if v != []}})
    return sorted(rows, key=lambda r: r["id"])
