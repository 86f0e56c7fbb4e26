"""R2E-Gym rows: ``repo_name, docker_image, commit_hash, problem_statement`` and the fix commit's files.

``commit_hash`` is the commit that fixed the bug, so the task starts at its parent (``<hash>^``);
the gold files are ``modified_files`` (else the files of ``parsed_commit_content``), tests left out.
``repo_name`` is a bare name (``aiohttp``); ``repo`` (``owner/name``) wins when a row has it.
"""

from __future__ import annotations

import json
from typing import Any

from rftgym.taskformats.common import as_list, is_test_path

NAME = "r2egym"


def matches(row: dict[str, Any]) -> bool:
    return "commit_hash" in row and ("repo_name" in row or "docker_image" in row)


def _commit_files(row: dict[str, Any]) -> list[str]:
    content = row.get("parsed_commit_content")
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except json.JSONDecodeError:
            return []
    diffs = (content or {}).get("file_diffs") or [] if isinstance(content, dict) else []
    paths = []
    for d in diffs:
        header = d.get("header", {}) if isinstance(d, dict) else {}
        path = (header.get("file") or {}).get("path") if isinstance(header.get("file"), dict) else None
        if path:
            paths.append(path)
    return paths


def to_row(row: dict[str, Any], where: str) -> dict[str, Any]:
    files = as_list(row.get("modified_files"), where, "modified_files") or _commit_files(row)
    out = {
        "id": str(row.get("instance_id") or f"{row.get('repo_name', 'repo')}-{str(row['commit_hash'])[:12]}"),
        "prompt": row.get("problem_statement") or "", "repo": row.get("repo") or row.get("repo_name") or "",
        "commit": f"{row['commit_hash']}^", "gold_files": [f for f in files if not is_test_path(f)],
        "image": row.get("docker_image") or None, "fix_commit": row["commit_hash"], "source_format": NAME,
    }
    return out
