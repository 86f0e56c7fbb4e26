"""Multi-SWE-bench rows: ``org, repo, number, base.sha, fix_patch, test_patch, resolved_issues``,
tests as ``f2p_tests`` / ``p2p_tests`` (objects keyed by test name) and an optional ``instance_id``.

The prompt is the resolved issues' titles and bodies (else the PR's ``title`` and ``body``).
"""

from __future__ import annotations

from typing import Any

from rftgym.taskformats.common import patch_files

NAME = "multiswebench"


def matches(row: dict[str, Any]) -> bool:
    return "fix_patch" in row and "org" in row and "repo" in row


def _tests(value: Any) -> list[str]:
    if isinstance(value, dict):
        return sorted(str(k) for k in value)
    return [str(v) for v in value or []]


def to_row(row: dict[str, Any], where: str) -> dict[str, Any]:
    issues = row.get("resolved_issues") or []
    prompt = "\n\n".join(f"{i.get('title', '')}\n\n{i.get('body') or ''}".strip() for i in issues if isinstance(i, dict))
    base = row.get("base") if isinstance(row.get("base"), dict) else {}
    repo = f"{row['org']}/{row['repo']}"
    return {
        "id": str(row.get("instance_id") or f"{row['org']}__{row['repo']}-{row.get('number', '')}"),
        "prompt": prompt or f"{row.get('title', '')}\n\n{row.get('body') or ''}".strip(), "repo": repo,
        "commit": base.get("sha") or row.get("base_commit") or "", "gold_files": patch_files(row["fix_patch"]),
        "fail_to_pass": _tests(row.get("f2p_tests")), "pass_to_pass": _tests(row.get("p2p_tests")),
        "test_patch": row.get("test_patch") or "", "gold_patch": row["fix_patch"], "source_format": NAME,
    }
