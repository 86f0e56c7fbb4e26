"""SWE-smith rows: ``instance_id, repo, patch, FAIL_TO_PASS, PASS_TO_PASS, image_name, problem_statement``.

SWE-smith publishes each instance as a branch named ``instance_id`` of a mirror repository named by
``repo`` (``swesmith/owner__name.<sha>``) whose tip holds the bug; ``patch`` is the change that
introduced the bug, so the gold files are the files it touches, and the fix is its reverse (kept as
``bug_patch_reverse_of``, not applied by rftgym). ``image_name`` is the Docker image of the repo.
"""

from __future__ import annotations

from typing import Any

from rftgym.taskformats.common import as_list, patch_files

NAME = "swesmith"


def matches(row: dict[str, Any]) -> bool:
    """SWE-smith rows name an image and either no base commit or a ``swesmith/`` mirror repo
    (a SWE-bench row that carries an ``image_name`` is still SWE-bench)."""
    return ("image_name" in row and "instance_id" in row and "patch" in row and "FAIL_TO_PASS" in row
            and (not row.get("base_commit") or str(row.get("repo", "")).startswith("swesmith/")))


def to_row(row: dict[str, Any], where: str) -> dict[str, Any]:
    return {
        "id": str(row["instance_id"]), "prompt": row.get("problem_statement") or "", "repo": row["repo"],
        "commit": row.get("base_commit") or row["instance_id"], "gold_files": patch_files(row["patch"]),
        "fail_to_pass": as_list(row.get("FAIL_TO_PASS"), where, "FAIL_TO_PASS"),
        "pass_to_pass": as_list(row.get("PASS_TO_PASS"), where, "PASS_TO_PASS"),
        "image": row.get("image_name") or None, "bug_patch_reverse_of": row["patch"], "source_format": NAME,
    }
