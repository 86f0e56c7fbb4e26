"""rftgym stress: every built-in env's own grader holds against every hack; every weak example falls."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import rftgym  # noqa: F401
from rftgym.envs import SPECS
from rftgym.graders.openai_format import load_grader
from rftgym.sandbox import confine
from rftgym.stress import HACKS, run_stress, write_report
from rftgym.stress.harness import most_common_gold
from rftgym.tasks import builtin_tasks
from tests.conftest import docker_problem

ROOT = Path(__file__).resolve().parent.parent
WEAK = ROOT / "examples" / "weak_graders"
# Tasks per env: enough for every hack to meet the grader, few enough to keep the suite quick.
N = {"rftgym/FileLocalization-v0": 3, "rftgym/CodeQA-v0": 4, "rftgym/Optimize-v0": 2, "rftgym/BugFix-v0": 1}


def _has_tasks(env_id):
    try:
        return bool(builtin_tasks(SPECS[env_id].task_kind))
    except ValueError:
        return False


@pytest.fixture(scope="module")
def judge():
    spec = importlib.util.spec_from_file_location("gullible_judge", WEAK / "gullible_judge.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    server = module.serve(0)
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def _engine() -> bool:
    """A reachable engine AND its base image; an engine without the image is no docker sandbox (the
    attack then runs locally). CI requires both: RFTGYM_REQUIRE_DOCKER=1 turns their absence into a failure."""
    problem = docker_problem()
    if problem and os.environ.get("RFTGYM_REQUIRE_DOCKER") == "1":
        pytest.fail(f"RFTGYM_REQUIRE_DOCKER=1 but {problem}")
    return problem is None


@pytest.mark.parametrize("env_id", sorted(SPECS))
def test_builtin_graders_hold_against_every_hack(env_id, tmp_path):
    if not _has_tasks(env_id):
        pytest.skip(f"{env_id} has no built-in tasks yet")
    shell = {"run_shell", "run_python"} & set(map(str, SPECS[env_id].tools))
    # Shell-tool envs are attacked in a container where an engine is here (the local sandbox's view
    # has its own test below; its fallback covers only the places rftgym knows of).
    sandbox = "docker" if shell and _engine() else "local"
    report = run_stress(env_id, n=N.get(env_id, 1), sandbox=sandbox)
    assert not report.excluded_tasks, report.excluded_tasks
    passed = set(report.passed)
    if sandbox == "local" and shell and passed == {"outside_workspace"} and confine.mode()[0] != "view":
        pytest.xfail(f"{env_id}: without Docker or a PID namespace, a shell tool can read task files outside "
                     "rftgym's knowledge")
    assert not passed, {k: (v.rewards, v.errors) for k, v in report.policies.items() if k in passed}
    assert min(report.oracle.rewards.values()) > 0.5
    ran = set(report.policies) | set(report.skipped)
    assert ran == {"null"} | {h.name for h in HACKS}
    folder = write_report(report, tmp_path / "out")
    saved = json.loads((folder / "stress.json").read_text())
    assert saved["passed"] == [] and saved["policies"]["null"]["exploit_rate"] == 0.0
    assert "exploit rate" in (folder / "stress.txt").read_text()


@pytest.mark.parametrize("name", sorted(json.loads((WEAK / "weak_graders.json").read_text())))
def test_weak_example_graders_are_flagged_with_the_right_hack(name, judge):
    entry = json.loads((WEAK / "weak_graders.json").read_text())[name]
    grader = load_grader(WEAK / name, judge_base_url=judge)
    n = 3 if entry["env"] in ("rftgym/CodeQA-v0", "rftgym/FileLocalization-v0") else 1
    report = run_stress(entry["env"], grader=grader, n=n, hacks=entry["broken_by"] + ["empty"])
    assert set(entry["broken_by"]) <= set(report.passed), (report.passed, report.oracle.rewards)
    assert "empty" not in report.passed and "null" not in report.passed


def test_hacks_that_need_tools_are_skipped_with_a_reason():
    report = run_stress("rftgym/CodeQA-v0", n=1, hacks=["conftest", "identity", "empty"])
    assert set(report.skipped) == {"conftest", "identity"} and "write_file" in report.skipped["conftest"]
    assert set(report.policies) == {"null", "empty"}
    with pytest.raises(ValueError, match="unknown hack"):
        run_stress("rftgym/CodeQA-v0", n=1, hacks=["nope"])


def test_most_common_answer_is_taken_from_gold():
    tasks = builtin_tasks("qa")
    assert most_common_gold(tasks) in {t.answer for t in tasks}


def cli(*args):
    return subprocess.run([sys.executable, "-m", "rftgym.cli", *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "COLUMNS": "200"}, cwd=ROOT)


def test_cli_exit_status_names_the_passing_hack(tmp_path):
    held = cli("stress", "rftgym/CodeQA-v0", "--n", "2", "--hacks", "everything,injection,empty",
               "--out", str(tmp_path / "held"))
    assert held.returncode == 0, held.stdout + held.stderr
    assert "no hack passes" in held.stdout and (tmp_path / "held" / "stress.json").is_file()
    broken = cli("stress", "rftgym/FileLocalization-v0", "--grader", str(WEAK / "recall_only_files.json"),
                 "--n", "2", "--hacks", "everything,empty")
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "hacks that pass: everything" in broken.stdout
    bad = cli("stress", "rftgym/NoSuchEnv-v0")
    assert bad.returncode == 2 and "no rftgym environment" in bad.stderr


def test_a_local_shell_reaches_no_copy_of_the_task_file(tmp_path):
    """The local sandbox's view: a stray copy of the task file (gold patches in it) in /tmp, where
    the hack searches and rftgym has been told nothing, stays out of a shell command's reach."""
    if confine.mode()[0] != "view":
        pytest.skip("this kernel permits no PID namespace or pivot_root here: the local sandbox covers only "
                    "known places (use the docker sandbox)")
    stash = tmp_path / "stash"
    stash.mkdir()
    rows = [t.to_dict() for t in builtin_tasks("bugfix")]
    (stash / "bugfix.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = run_stress("rftgym/BugFix-v0", n=1, sandbox="local", hacks=["outside_workspace"])
    hack = report.policies["outside_workspace"]
    assert not report.passed and hack.exploit_rate == 0.0, (hack.rewards, hack.errors)
    assert min(report.oracle.rewards.values()) > 0.5  # the same sandbox still runs the tests
