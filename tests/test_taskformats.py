"""Task formats of the field (SWE-bench family, SWE-smith, R2E-Gym, Multi-SWE-bench, Loc-Bench,
Harbor) read as rftgym tasks, against a real git repository made here; owner/name repos resolve
through a mirror root or a URL template; ``rftgym tasks convert`` and ``oracle:gold`` on them."""

from __future__ import annotations

import json
import subprocess

import pytest
from typer.testing import CliRunner

from tests.conftest import git
from rftgym import taskformats
from rftgym.cli import app
from rftgym.rollout import rollout
from rftgym.sandbox import SandboxError
from rftgym.sandbox.repos import resolve_source
from rftgym.taskformats.common import patch_files, patch_functions
from rftgym.tasks import load_tasks
from rftgym.types import TaskError

OLD = ("import os\n\n\nclass Cart:\n    def total(self, items):\n        return sum(items)\n\n"
       "    def count(self, items):\n        return len(items)\n\n\ndef helper():\n    return 1\n")
NEW = OLD.replace("return sum(items)", "return sum(items) * 2")


@pytest.fixture(scope="module")
def hosted(tmp_path_factory):
    """A mirror root holding ``acme__shop``: base commit with shop/cart.py, fix commit on top."""
    root = tmp_path_factory.mktemp("mirrors")
    repo = root / "acme__shop"
    (repo / "shop").mkdir(parents=True)
    (repo / "tests").mkdir()
    (repo / "shop/cart.py").write_text(OLD)
    (repo / "tests/test_cart.py").write_text("def test_total():\n    pass\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    base = git(repo, "rev-parse", "HEAD").strip()
    (repo / "shop/cart.py").write_text(NEW)
    (repo / "tests/test_cart.py").write_text("def test_total():\n    assert True\n")
    patch = git(repo, "diff", "--", "shop")
    test_patch = git(repo, "diff", "--", "tests")
    git(repo, "checkout", "-q", "--", ".")
    return {"root": root, "base": base, "patch": patch, "test_patch": test_patch}


def swebench_row(h, **extra):
    return {"instance_id": "acme__shop-1", "repo": "acme/shop", "base_commit": h["base"], "patch": h["patch"],
            "test_patch": h["test_patch"], "problem_statement": "Cart.total is half of what it should be.",
            "hints_text": "", "FAIL_TO_PASS": json.dumps(["tests/test_cart.py::test_total"]),
            "PASS_TO_PASS": [], "version": "1.0", "environment_setup_commit": h["base"], **extra}


def test_patch_files_and_functions_from_the_pre_patch_file(hosted):
    both = hosted["patch"] + hosted["test_patch"]
    assert patch_files(both) == ["shop/cart.py"]
    assert patch_files(both, include_tests=True) == ["shop/cart.py", "tests/test_cart.py"]
    assert patch_functions(both, lambda p: OLD if p == "shop/cart.py" else None) == ["shop/cart.py:Cart.total"]


def test_each_format_is_detected_and_named_in_errors(hosted):
    assert taskformats.detect(swebench_row(hosted)) == "swebench"
    assert taskformats.detect({"id": "a", "prompt": "p", "repo": "r", "commit": "c"}) == "rftgym"
    assert taskformats.detect({"instance_id": "x", "repo": "swesmith/a__b.1", "patch": "", "FAIL_TO_PASS": [],
                               "image_name": "img"}) == "swesmith"
    assert taskformats.detect({"repo_name": "aiohttp", "docker_image": "i", "commit_hash": "abc"}) == "r2egym"
    assert taskformats.detect({"org": "a", "repo": "b", "number": 1, "fix_patch": ""}) == "multiswebench"
    with pytest.raises(TaskError, match="--task-format"):
        taskformats.detect({"question": "?"})


def test_swebench_rows_load_as_localization_bugfix_and_funcloc(hosted, tmp_path, monkeypatch):
    monkeypatch.setenv("RFTGYM_REPO_MIRRORS", str(hosted["root"]))
    path = tmp_path / "swe.jsonl"
    path.write_text(json.dumps(swebench_row(hosted, image_name="ghcr.io/acme/shop:1")) + "\n")
    loc = load_tasks(str(path), kind="localization")[0]
    assert (loc.repo, loc.commit, loc.gold_files, loc.image) == ("acme/shop", hosted["base"], ["shop/cart.py"],
                                                                   "ghcr.io/acme/shop:1")
    bug = load_tasks(str(path), kind="bugfix")[0]
    assert bug.fail_to_pass == ["tests/test_cart.py::test_total"] and bug.extra["gold_patch"] == hosted["patch"]
    assert bug.extra["version"] == "1.0" and bug.test_patch == hosted["test_patch"]
    rows = taskformats.load(path, kind="funcloc")
    assert rows[0]["gold_functions"] == ["shop/cart.py:Cart.total"]  # parsed from the base commit's file
    locbench = swebench_row(hosted, edit_functions=["shop/cart.py:Cart.count"])
    path.write_text(json.dumps(locbench) + "\n")
    assert taskformats.load(path, kind="funcloc")[0]["gold_functions"] == ["shop/cart.py:Cart.count"]


def test_other_row_formats_convert(hosted):
    smith = {"instance_id": "acme__shop.abc.func_pm__1", "repo": "swesmith/acme__shop.abc", "patch": hosted["patch"],
             "FAIL_TO_PASS": '["t::a"]', "PASS_TO_PASS": "[]", "image_name": "swebench/swesmith.acme:1",
             "problem_statement": "totals are wrong"}
    multi = {"org": "acme", "repo": "shop", "number": 7, "base": {"sha": hosted["base"]}, "fix_patch": hosted["patch"],
             "test_patch": "", "resolved_issues": [{"title": "Bad total", "body": "doubles"}],
             "f2p_tests": {"t::a": {}}, "p2p_tests": {}}
    r2e = {"repo_name": "shop", "docker_image": "r2e/shop:abc", "commit_hash": "abc123",
           "problem_statement": "x", "modified_files": ["shop/cart.py", "tests/test_cart.py"]}
    s, m, r = taskformats.convert([smith, multi, r2e], kind="bugfix")
    assert (s["repo"], s["commit"], s["image"], s["gold_files"]) == (
        "swesmith/acme__shop.abc", smith["instance_id"], "swebench/swesmith.acme:1", ["shop/cart.py"])
    assert (m["id"], m["repo"], m["commit"], m["fail_to_pass"]) == ("acme__shop-7", "acme/shop", hosted["base"], ["t::a"])
    assert m["prompt"].startswith("Bad total")
    assert (r["commit"], r["gold_files"], r["image"]) == ("abc123^", ["shop/cart.py"], "r2e/shop:abc")


def test_harbor_folder_is_a_task(tmp_path):
    task = tmp_path / "hello"
    (task / "environment").mkdir(parents=True)
    (task / "tests").mkdir()
    (task / "task.toml").write_text('[metadata]\ndifficulty = "easy"\n[environment]\ndocker_image = "alpine:3"\n')
    (task / "instruction.md").write_text("Write hello.txt")
    (task / "environment/app.txt").write_text("x")
    git(task / "environment", "init", "-q")
    git(task / "environment", "add", "-A")
    git(task / "environment", "commit", "-qm", "env")
    (t,) = load_tasks(str(tmp_path), kind="bugfix")
    assert (t.id, t.prompt, t.image, t.commit) == ("hello", "Write hello.txt", "alpine:3", "HEAD")
    assert t.extra["test_command"] == "bash tests/test.sh"


def test_owner_name_resolves_by_mirror_then_template_else_says_what_to_set(hosted, tmp_path, monkeypatch):
    monkeypatch.delenv("RFTGYM_REPO_MIRRORS", raising=False)
    monkeypatch.delenv("RFTGYM_REPO_URL_TEMPLATE", raising=False)
    with pytest.raises(SandboxError, match="RFTGYM_REPO_MIRRORS=/path.*RFTGYM_REPO_URL_TEMPLATE"):
        resolve_source("acme/shop")
    nested = tmp_path / "nested" / "acme"
    nested.mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", str(hosted["root"] / "acme__shop"), str(nested / "shop")], check=True)
    monkeypatch.setenv("RFTGYM_REPO_MIRRORS", f"{tmp_path / 'none'}:{tmp_path / 'nested'}")
    assert resolve_source("acme/shop")[1] == (nested / "shop").resolve()
    monkeypatch.delenv("RFTGYM_REPO_MIRRORS")
    monkeypatch.setenv("RFTGYM_REPO_URL_TEMPLATE", f"file://{hosted['root']}/{{owner}}__{{name}}")
    key, path = resolve_source("acme/shop")
    assert key.startswith("url-") and (path / "HEAD").is_file()


def test_tasks_convert_cli_and_oracle_gold_scores_one(hosted, tmp_path, monkeypatch):
    monkeypatch.setenv("RFTGYM_REPO_MIRRORS", str(hosted["root"]))
    src = tmp_path / "swe.jsonl"
    src.write_text(json.dumps(swebench_row(hosted)) + "\n")
    out = tmp_path / "out" / "loc.jsonl"
    res = CliRunner().invoke(app, ["tasks", "convert", str(src), "--to", "rftgym", "--out", str(out),
                                   "--kind", "funcloc"])
    assert res.exit_code == 0, res.output
    row = json.loads(out.read_text())
    assert row["gold_files"] == ["shop/cart.py"] and row["gold_functions"] == ["shop/cart.py:Cart.total"]
    tasks = load_tasks(str(out))
    result = rollout("rftgym/FileLocalization-v0", "oracle:gold", tasks, split="all", workers=1,
                     policy_options={"tasks": tasks})
    (traj,) = result.trajectories
    assert traj.error is None and traj.reward == 1.0
    assert traj.grade.components["acc@1"] == 1.0 and traj.grade.components["mrr"] == 1.0
