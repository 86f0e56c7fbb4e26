"""Harbor (Terminal-Bench 2) task folders: ``task.toml``, ``instruction.md``, ``environment/``, ``tests/``.

A folder is one task: the prompt is ``instruction.md``, the image is ``[environment] docker_image``
of ``task.toml`` when it names one, the repository is ``environment/`` (which must be a git
repository: rftgym snapshots git commits), the test command is ``bash tests/test.sh``. A folder of
such folders is a task set.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from rftgym.types import TaskError

NAME = "harbor"


def is_task_dir(path: Path) -> bool:
    return (path / "task.toml").is_file() and (path / "instruction.md").is_file()


def task_dirs(path: Path) -> list[Path]:
    """``path`` itself if it is a task folder, else its task subfolders, sorted."""
    if is_task_dir(path):
        return [path]
    return sorted(p for p in path.iterdir() if p.is_dir() and is_task_dir(p))


def to_row(folder: Path) -> dict[str, Any]:
    try:
        meta = tomllib.loads((folder / "task.toml").read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TaskError(f"{folder / 'task.toml'}: not valid TOML ({exc})") from None
    env = meta.get("environment") or {}
    repo = folder / "environment"
    return {
        "id": folder.name, "prompt": (folder / "instruction.md").read_text(encoding="utf-8"),
        "repo": str(repo.resolve() if repo.is_dir() else folder.resolve()), "commit": "HEAD",
        "image": env.get("docker_image") or None, "test_command": "bash tests/test.sh",
        "tests_dir": str((folder / "tests").resolve()), "metadata": meta.get("metadata") or {},
        "source_format": NAME,
    }
