"""A real multi-node Ray cluster on this machine: `ray start --head` plus a second node (its own
raylet, its own resource label), then `rftgym eval --address`. Episodes run on both nodes, match the
thread backend episode for episode, and killing the second node's raylet mid-run loses none.
Every process the test started is found by its session folder and killed by pid."""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
ENV_ID = "rftgym/FileLocalization-v0"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pids_of(session_root: str) -> list[int]:
    """Processes whose command line names the cluster's temp folder: every raylet, GCS, worker, agent."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if session_root.encode() in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def _raylet_with(label: str, session_root: str) -> int | None:
    for pid in _pids_of(session_root):
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if args and args[0].endswith(b"raylet") and any(label.encode() in a for a in args):
            return pid
    return None


@pytest.fixture
def cluster():
    ray = BIN / "ray"
    if not ray.exists():
        pytest.skip("the ray CLI is not installed in this environment")
    root = tempfile.mkdtemp(prefix="rftray", dir="/tmp")  # short: Ray's socket paths have a length limit
    label = "rftgym_node2_" + secrets.token_hex(3)
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32),
           "RAY_USAGE_STATS_ENABLED": "0"}
    port = _free_port()
    head = [str(ray), "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}", "--num-cpus=1",
            "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={root}"]
    second = [str(ray), "start", f"--address=127.0.0.1:{port}", "--node-ip-address=127.0.0.1", "--num-cpus=1",
              f"--resources={json.dumps({label: 1})}", "--disable-usage-stats"]
    try:
        for argv in (head, second):
            done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=180)
            assert done.returncode == 0, f"{' '.join(argv)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        yield {"address": f"127.0.0.1:{port}", "env": env, "label": label, "root": root}
    finally:
        for pid in _pids_of(root):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(root, ignore_errors=True)


def _eval(out: Path, env: dict, *extra: str, wait: bool = True):
    argv = [str(BIN / "rftgym"), "eval", ENV_ID, "--policy", "scripted:parallel", "--split", "test",
            "--samples", "2", "--workers", "2", "--seed", "7", "--out", str(out), *extra]
    if not wait:
        return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def _episodes(out: Path) -> dict:
    rows = [json.loads(line) for line in (out / "trajectories.jsonl").read_text().splitlines() if line.strip()]
    return {(r["task_id"], r["sample"]): r for r in rows}


def test_eval_on_a_two_node_cluster_matches_threads_and_survives_a_dead_node(cluster, tmp_path):
    _eval(tmp_path / "threads", cluster["env"])
    _eval(tmp_path / "ray", cluster["env"], "--address", cluster["address"])
    threads, on_ray = _episodes(tmp_path / "threads"), _episodes(tmp_path / "ray")
    assert set(on_ray) == set(threads)
    for key, row in threads.items():
        assert on_ray[key]["reward"] == row["reward"] and on_ray[key]["messages"] == row["messages"], key
    nodes = {r["node"] for r in on_ray.values()}
    assert len(nodes) == 2 and None not in nodes, f"episodes ran on {nodes}: expected both nodes"

    # Kill the second node's raylet while episodes run: its actors die, the driver retries elsewhere.
    run = _eval(tmp_path / "killed", cluster["env"], "--address", cluster["address"], wait=False)
    deadline = time.monotonic() + 120
    killed = False
    while time.monotonic() < deadline and run.poll() is None:
        traj = tmp_path / "killed" / "trajectories.jsonl"
        if traj.exists() and traj.read_text().count("\n") >= 1:
            pid = _raylet_with(cluster["label"], cluster["root"])
            assert pid, "the second node's raylet was not found"
            os.kill(pid, signal.SIGKILL)
            killed = True
            break
        time.sleep(0.05)
    try:
        output, _ = run.communicate(timeout=200)
    except subprocess.TimeoutExpired:
        run.kill()
        pytest.fail("the run did not finish after the second node died: " + (run.communicate()[0] or "")[-3000:])
    assert killed or run.returncode == 0, output[-3000:]
    assert run.returncode == 0, output[-3000:]
    after = _episodes(tmp_path / "killed")
    assert set(after) == set(threads), "an episode was lost when the node died"
    assert all(not r.get("error") for r in after.values()), [r["error"] for r in after.values() if r.get("error")]
    for key, row in threads.items():
        assert after[key]["reward"] == row["reward"], key
