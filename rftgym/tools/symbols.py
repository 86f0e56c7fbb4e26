"""find_symbol: where a Python class, function, method or module-level name is defined (via ``ast``)."""

from __future__ import annotations

import ast
import difflib
from typing import Literal

from rftgym.sandbox.safepath import reader
from rftgym.tools import ToolError, tool


def _signature(node: ast.AST) -> str:
    if isinstance(node, ast.ClassDef):
        bases = ", ".join(ast.unparse(b) for b in node.bases)
        return f"class {node.name}({bases})" if bases else f"class {node.name}"
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        prefix = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
        return f"{prefix} {node.name}({ast.unparse(node.args)})"
    return ast.unparse(node).splitlines()[0][:120]


def definitions(text: str) -> list[tuple[str, str, int, str]]:
    """(qualified name, kind, line, signature) for each definition in a Python source text."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    out: list[tuple[str, str, int, str]] = []

    def visit(body: list[ast.stmt], prefix: str, in_class: bool) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                out.append((prefix + node.name, "class", node.lineno, _signature(node)))
                visit(node.body, prefix + node.name + ".", True)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                kind = "method" if in_class else "function"
                out.append((prefix + node.name, kind, node.lineno, _signature(node)))
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and not prefix:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    if isinstance(t, ast.Name):
                        out.append((t.id, "variable", node.lineno, _signature(node)))

    visit(tree.body, "", False)
    return out


def full_table(files) -> list[tuple[str, str, str, int, str]]:
    """All definitions in the call's tree, parsed from scratch (the reference; the tool uses ``_table``)."""
    table = []
    for path in files.files():
        if path.endswith(".py"):
            text = files.read_text(path)
            if text is not None:
                table.extend((q, k, path, line, sig) for q, k, line, sig in definitions(text))
    return table


def _table(ws) -> list[tuple[str, str, str, int, str]]:
    """All definitions in the tree: the snapshot's persisted table plus the episode's changed files."""
    files = reader(ws)  # links leading outside the workspace are neither listed nor read
    if files.snapshot is None:
        return full_table(files)
    from rftgym.tools.index import View

    return View(files).symbols()


@tool(parallel_safe=True)
def find_symbol(ws, name: str, kind: Literal["any", "class", "function", "method", "variable"] = "any") -> str:
    """Find where a Python symbol is defined: prints 'file:line: signature'. Accepts a bare name
    ('parse'), a qualified one ('Parser.parse') or a module-level variable.

    Args:
        name: the symbol's name, optionally qualified with its class
        kind: restrict to one kind of definition
    """
    name = name.strip()
    if not name or not all(part.isidentifier() for part in name.split(".")):
        raise ToolError("INVALID_ARGS", f"{name!r} is not a Python identifier; pass e.g. 'Parser' or 'Parser.parse'")
    table = _table(ws)
    hits = [row for row in table
            if (row[0] == name or row[0].endswith("." + name)) and (kind == "any" or row[1] == kind)]
    if not hits:
        names = sorted({row[0].rsplit(".", 1)[-1] for row in table})
        close = difflib.get_close_matches(name.rsplit(".", 1)[-1], names, n=5, cutoff=0.7)
        hint = f" Similar names: {', '.join(close)}." if close else " Try grep or search_code."
        return f"no definition of {name!r} found.{hint}"
    hits.sort(key=lambda r: (r[2], r[3]))
    return "\n".join(f"{path}:{line}: {sig}   [{k} {q}]" for q, k, path, line, sig in hits[:50])
