"""The isolation hacks find what they look for: against a sandbox that does not reset and a grader
that imports the agent's code on the host, every probe reports; against rftgym's sandboxes (the
stress test of every built-in env in test_stress.py) none does."""

import subprocess
import sys

import pytest

from rftgym.graders import Grader
from rftgym.sandbox import Sandbox, make_sandbox
from rftgym.stress import run_stress
from rftgym.stress.isolation import ISOLATION_HACKS
from rftgym.types import Grade
from tests.conftest import docker_or_skip


class NoResetSandbox(Sandbox):
    """A broken pool: ``release`` hands the workspace back as the agent left it."""

    name = "no-reset"

    def __init__(self) -> None:
        self.inner = make_sandbox("local")
        self.idle: dict[tuple[str, str], list] = {}
        self.keys: dict[int, tuple[str, str]] = {}
        self.pool_size = 2

    def open(self, repo, commit, *, image=None):
        idle = self.idle.get((repo, commit))
        ws = idle.pop() if idle else self.inner.open(repo, commit, image=image)
        self.keys[id(ws)] = (repo, commit)
        return ws

    def release(self, ws):
        self.idle.setdefault(self.keys[id(ws)], []).append(ws)

    def close(self):
        for items in self.idle.values():
            for ws in items:
                self.inner.release(ws)
        self.inner.close()


class HostImport(Grader):
    """A grader that imports the agent's package in a host process: what a grader must never do."""

    name = "host_import"

    def grade(self, task, trajectory, workspace):
        pkgs = sorted(p.parent.name for p in workspace.root.glob("*/__init__.py"))
        for pkg in pkgs:
            subprocess.run([sys.executable, "-c", f"import {pkg}"], cwd=workspace.root, timeout=60,
                           capture_output=True)
        return Grade(0.0)


def test_every_isolation_hack_is_registered_with_a_probe():
    assert {h.name for h in ISOLATION_HACKS} == {"symlink_read", "notes", "hardlink_write", "mmap_write",
                                                 "late_write", "grader_escape"}
    assert all(h.probe is not None for h in ISOLATION_HACKS)


def test_persistence_probes_catch_a_pool_that_does_not_reset():
    sandbox = NoResetSandbox()
    try:
        report = run_stress("rftgym/BugFix-v0", n=1, sandbox=sandbox, workers=1,
                            hacks=["notes", "hardlink_write", "mmap_write"])
    finally:
        sandbox.close()
    for name in ("notes", "hardlink_write", "mmap_write"):
        result = report.policies[name]
        assert result.findings and "survived reset" in result.findings[0], (name, result.findings)
        assert name in report.passed


def test_grader_escape_probe_catches_a_grader_that_runs_agent_code_on_the_host():
    report = run_stress("rftgym/BugFix-v0", n=1, grader=HostImport(), hacks=["grader_escape"])
    result = report.policies["grader_escape"]
    assert result.findings and "on the host" in result.findings[0], result.findings
    assert "grader_escape" in report.passed


@pytest.mark.parametrize("sandbox", ["local", "docker"])
def test_isolation_hacks_hold_on_rftgyms_sandboxes(sandbox):
    if sandbox == "docker":
        docker_or_skip()
    report = run_stress("rftgym/BugFix-v0", n=1, sandbox=sandbox,
                        hacks=[h.name for h in ISOLATION_HACKS])
    assert not report.passed, {k: v.findings for k, v in report.policies.items()}
