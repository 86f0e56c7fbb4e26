"""Mutation operators: small, plausible bugs placed in Python functions, found with ``ast``.

``function_mutants(path, source) -> list[FunctionSites]`` lists, for every function and method of a
module, the mutants that can be placed in its own body (nested functions and classes have their own
entry). A ``Mutant`` is a set of byte-span replacements of the source, so everything else in the file
(comments, formatting) stays as it was. Operators:

- ``flip_comparison``: ``<`` <-> ``>=``, ``<=`` <-> ``>``, ``==`` <-> ``!=``, ``is`` <-> ``is not``, ``in`` <-> ``not in``
- ``boundary``: ``<`` <-> ``<=``, ``>`` <-> ``>=``
- ``off_by_one``: an integer in arithmetic, a comparison, an index, a slice or ``range()`` +/- 1
- ``changed_constant``: ``True`` <-> ``False``, another number in an assignment, a return or an argument
- ``swap_arguments``: the first two positional arguments of a call
- ``swap_operator``: ``+`` <-> ``-``, ``*`` <-> ``/``, ``//`` <-> ``/``, ``and`` <-> ``or``, ``min`` <-> ``max``
- ``drop_statement``: a call statement, an augmented assignment or an assignment to an attribute or
  item becomes ``pass``
- ``invert_condition``: the test of an ``if``, ``while`` or conditional expression is negated
- ``remove_return``: an early ``return`` (not the last statement of the function) becomes ``pass``

Everything is deterministic: sites come out sorted by position and operator.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

_COMPARE_FLIP = {ast.Lt: ">=", ast.GtE: "<", ast.LtE: ">", ast.Gt: "<=", ast.Eq: "!=", ast.NotEq: "==",
                 ast.Is: "is not", ast.IsNot: "is", ast.In: "not in", ast.NotIn: "in"}
_BOUNDARY = {ast.Lt: "<=", ast.LtE: "<", ast.Gt: ">=", ast.GtE: ">"}
_COMPARE_TOKEN = re.compile(r"<=|>=|==|!=|<|>|\bis\s+not\b|\bnot\s+in\b|\bis\b|\bin\b")
_BINOP_SWAP = {ast.Add: ("+", "-"), ast.Sub: ("-", "+"), ast.Mult: ("*", "/"), ast.Div: ("/", "*"),
               ast.FloorDiv: ("//", "/")}
def _droppable(node: ast.AST) -> bool:
    """A statement whose loss is a plausible bug: a call for its effect, an update of state. Dropping a
    plain ``name = ...`` would mostly give a ``NameError`` that points straight at the line."""
    if isinstance(node, ast.Expr):
        return isinstance(node.value, ast.Call)
    if isinstance(node, ast.AugAssign):
        return True
    targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
        node, ast.AnnAssign) and node.value is not None else []
    return bool(targets) and all(isinstance(t, (ast.Attribute, ast.Subscript)) for t in targets)


# Calls whose swapped arguments would be an obvious crash rather than a plausible bug.
_NO_SWAP = {"isinstance", "issubclass", "getattr", "setattr", "hasattr", "delattr", "print", "super", "type",
            "open", "zip", "map", "filter", "enumerate", "range", "min", "max"}


@dataclass(frozen=True)
class Mutant:
    """A bug: replacements ``(start byte, end byte, text)`` of one file's source."""

    path: str
    function: str
    operator: str
    line: int
    edits: tuple[tuple[int, int, str], ...]

    def apply(self, source: str) -> str:
        data = source.encode()
        for start, end, text in sorted(self.edits, reverse=True):
            data = data[:start] + text.encode() + data[end:]
        return data.decode()


@dataclass
class FunctionSites:
    """A function (``key`` is ``"path:first line"``, the first decorator's line if decorated)."""

    path: str
    qualname: str
    key: str
    mutants: list[Mutant] = field(default_factory=list)


class _Source:
    def __init__(self, text: str) -> None:
        self.data = text.encode()
        self.starts = [0]
        for i, b in enumerate(self.data):
            if b == 10:
                self.starts.append(i + 1)

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (self.starts[node.lineno - 1] + node.col_offset, self.starts[node.end_lineno - 1] + node.end_col_offset)

    def text(self, start: int, end: int) -> str:
        return self.data[start:end].decode()


def function_mutants(path: str, text: str) -> list[FunctionSites]:
    """Every function of a module with the mutants of its own body; [] if the module does not parse."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    src = _Source(text)
    out: list[FunctionSites] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([d.lineno for d in child.decorator_list] + [child.lineno])
                fs = FunctionSites(path, f"{prefix}{child.name}", f"{path}:{first}")
                _Collector(src, fs).run(child)
                out.append(fs)
                visit(child, f"{prefix}{child.name}.<locals>.")
            else:
                visit(child, prefix)

    visit(tree, "")
    for fs in out:
        fs.mutants.sort(key=lambda m: (m.edits, m.operator))
    return out


class _Collector:
    """Walks one function's own body (not nested functions, classes or lambdas) and records mutants."""

    def __init__(self, src: _Source, fs: FunctionSites) -> None:
        self.src, self.fs = src, fs

    def add(self, operator: str, node: ast.AST, *edits: tuple[int, int, str]) -> None:
        self.fs.mutants.append(Mutant(self.fs.path, self.fs.qualname, operator, node.lineno, tuple(edits)))

    def run(self, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        body = fn.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]  # the docstring
        self.last = body[-1] if body else None
        for stmt in body:
            self.walk(stmt, parent=None)

    def walk(self, node: ast.AST, parent: ast.AST | None) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            return
        self.visit(node, parent)
        for child in ast.iter_child_nodes(node):
            self.walk(child, node)

    def visit(self, node: ast.AST, parent: ast.AST | None) -> None:
        src = self.src
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            op = type(node.ops[0])
            gap_start, gap_end = src.span(node.left)[1], src.span(node.comparators[0])[0]
            m = _COMPARE_TOKEN.search(src.text(gap_start, gap_end))
            if m:
                at = gap_start + len(src.text(gap_start, gap_end)[:m.start()].encode())
                end = at + len(m.group(0).encode())
                if op in _COMPARE_FLIP:
                    self.add("flip_comparison", node, (at, end, _COMPARE_FLIP[op]))
                if op in _BOUNDARY:
                    self.add("boundary", node, (at, end, _BOUNDARY[op]))
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINOP_SWAP:
            old, new = _BINOP_SWAP[type(node.op)]
            self._swap_token(node, node.left, node.right, old, new, "swap_operator")
        elif isinstance(node, ast.BoolOp) and len(node.values) == 2:
            old, new = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
            self._swap_token(node, node.values[0], node.values[1], old, new, "swap_operator")
        elif isinstance(node, ast.Call):
            self._call(node)
        elif isinstance(node, ast.Constant):
            self._constant(node, parent)
        elif isinstance(node, (ast.If, ast.While, ast.IfExp)):
            start, end = src.span(node.test)
            self.add("invert_condition", node, (start, end, f"not ({src.text(start, end)})"))
        elif isinstance(node, ast.Return) and node.value is not None and node is not self.last:
            self.add("remove_return", node, (*src.span(node), "pass"))
        if _droppable(node):
            self.add("drop_statement", node, (*src.span(node), "pass"))

    def _swap_token(self, node: ast.AST, left: ast.AST, right: ast.AST, old: str, new: str, operator: str) -> None:
        gap_start, gap_end = self.src.span(left)[1], self.src.span(right)[0]
        gap = self.src.text(gap_start, gap_end)
        pattern = rf"\b{old}\b" if old.isalpha() else rf"(?<![*/]){re.escape(old)}(?![*/=])"
        m = re.search(pattern, gap)
        if m:
            at = gap_start + len(gap[:m.start()].encode())
            self.add(operator, node, (at, at + len(old), new))

    def _call(self, node: ast.Call) -> None:
        src = self.src
        if isinstance(node.func, ast.Name) and node.func.id in ("min", "max") and len(node.args) >= 2:
            start, end = src.span(node.func)
            self.add("swap_operator", node, (start, end, "max" if node.func.id == "min" else "min"))
        args = node.args
        if isinstance(node.func, ast.Name) and node.func.id in _NO_SWAP:
            return
        if len(args) >= 2 and not any(isinstance(a, ast.Starred) for a in args[:2]):
            (a0, a1), (b0, b1) = src.span(args[0]), src.span(args[1])
            first, second = src.text(a0, a1), src.text(b0, b1)
            if first != second and a1 <= b0:
                self.add("swap_arguments", node, (a0, a1, second), (b0, b1, first))

    def _constant(self, node: ast.Constant, parent: ast.AST | None) -> None:
        value = node.value
        start, end = self.src.span(node)
        if isinstance(value, bool):
            self.add("changed_constant", node, (start, end, "False" if value else "True"))
            return
        if isinstance(parent, ast.UnaryOp):  # -1: the sign belongs to the parent; mutate the digits only
            parent = None
        if isinstance(value, int) and abs(value) < 10_000:
            arithmetic = isinstance(parent, (ast.BinOp, ast.Compare, ast.Subscript, ast.Slice)) or (
                isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.func.id == "range")
            if arithmetic:
                self.add("off_by_one", node, (start, end, str(value + 1)))
                if value > 0:
                    self.add("off_by_one", node, (start, end, str(value - 1)))
            elif isinstance(parent, (ast.Assign, ast.AnnAssign, ast.Return, ast.Call, ast.keyword, ast.AugAssign)):
                self.add("changed_constant", node, (start, end, str(value + 1 if value != 1 else 0)))
        elif isinstance(value, float) and isinstance(parent, (ast.BinOp, ast.Compare, ast.Assign, ast.Return,
                                                              ast.Call, ast.keyword)):
            self.add("changed_constant", node, (start, end, repr(value * 2 if value else 1.0)))
