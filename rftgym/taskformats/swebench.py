"""SWE-bench, SWE-bench Verified, SWE-Gym and Loc-Bench rows (one schema, a few optional fields).

Fields: ``instance_id, repo`` (``owner/name``), ``base_commit, patch, test_patch, problem_statement,
hints_text, FAIL_TO_PASS, PASS_TO_PASS`` (JSON strings or lists), ``version,
environment_setup_commit``; Loc-Bench adds ``edit_functions`` (``path.py:Class.func``). The gold
fix is ``patch``; the task starts at ``base_commit``.
"""

from __future__ import annotations

from typing import Any

from rftgym.taskformats.common import as_list, patch_files

NAME = "swebench"
KEEP = ("version", "environment_setup_commit", "hints_text", "created_at")


def matches(row: dict[str, Any]) -> bool:
    return all(k in row for k in ("instance_id", "repo", "base_commit", "patch"))


def to_row(row: dict[str, Any], where: str) -> dict[str, Any]:
    """The rftgym bug-fix row of one SWE-bench row (see ``rftgym.taskformats`` for the kinds)."""
    out = {
        "id": str(row["instance_id"]), "prompt": row.get("problem_statement") or "", "repo": row["repo"],
        "commit": row["base_commit"], "gold_files": patch_files(row["patch"]),
        "fail_to_pass": as_list(row.get("FAIL_TO_PASS"), where, "FAIL_TO_PASS"),
        "pass_to_pass": as_list(row.get("PASS_TO_PASS"), where, "PASS_TO_PASS"),
        "test_patch": row.get("test_patch") or "", "gold_patch": row["patch"],
        "source_format": "locbench" if "edit_functions" in row else NAME,
    }
    if row.get("flaky") not in (None, "", "[]", []):  # tests `tasks generate --reruns` saw change outcome
        out["flaky"] = as_list(row["flaky"], where, "flaky")
    if row.get("edit_functions"):
        out["gold_functions"] = as_list(row["edit_functions"], where, "edit_functions")
    if row.get("image_name") or row.get("docker_image"):
        out["image"] = row.get("image_name") or row.get("docker_image")
    out.update({k: row[k] for k in KEEP if row.get(k) not in (None, "")})
    return out
