"""The ``rftgym graders`` commands: validate an OpenAI-format grader file, run it on one sample."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.tree import Tree

graders_app = typer.Typer(no_args_is_help=True, help="Graders in the OpenAI RFT formats.")
console = Console()
err = Console(stderr=True)


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def _describe(node: Any, tree: Tree) -> None:
    from rftgym.graders.multi import Multi

    label = f"[bold]{node.name}[/] ({node.type})"
    if node.pass_threshold is not None:
        label += f" pass_threshold={node.pass_threshold:g}"
    if isinstance(node, Multi):
        label += f" = {node.config['calculate_output']}"
    branch = tree.add(label)
    for key, child in getattr(node, "children", {}).items():
        sub = branch.add(f"{key}:")
        _describe(child, sub)


@graders_app.command("validate")
def validate(file: Path = typer.Argument(..., help="an OpenAI-format grader JSON file")) -> None:
    """Check a grader file against the OpenAI grader formats; print its structure or what is wrong."""
    from rftgym.graders.openai_format import GraderConfigError, OpenAIGrader, read_config

    try:
        grader = OpenAIGrader(read_config(file))
    except GraderConfigError as exc:
        _fail(str(exc), 1)
    tree = Tree(f"{file}: valid")
    _describe(grader.root, tree)
    console.print(tree)


def _json_file(path: Path, what: str) -> dict[str, Any]:
    if not path.is_file():
        _fail(f"{what} file {path} does not exist")
    try:
        value = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        _fail(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})")
    if not isinstance(value, dict):
        _fail(f"{path}: the {what} must be a JSON object")
    return value


@graders_app.command("run")
def run(
    file: Path = typer.Argument(..., help="an OpenAI-format grader JSON file"),
    sample: Path = typer.Option(..., help="JSON file: {output_text, output_json, output_tools}"),
    item: Path = typer.Option(..., help="JSON file: the dataset row (a task row)"),
    judge_base_url: Optional[str] = typer.Option(None, help="score_model: an OpenAI-compatible endpoint"),
) -> None:
    """Grade one sample against one item and print the score, its components and any error."""
    from rftgym.graders.openai_format import GraderConfigError, OpenAIGrader, read_config

    try:
        grader = OpenAIGrader(read_config(file), judge_base_url=judge_base_url)
    except GraderConfigError as exc:
        _fail(str(exc), 1)
    data = _json_file(sample, "sample")
    data.setdefault("output_text", "")
    data.setdefault("output_json", {})
    data.setdefault("output_tools", [])
    grade = grader.run(data, _json_file(item, "item"))
    console.print_json(json.dumps(grade.to_dict()))
    if grade.error:
        raise typer.Exit(1)
