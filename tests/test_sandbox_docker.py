"""The Docker sandbox on a real engine: isolation, limits, pool reuse, cleanup, and parity with local.

Every test but the first two needs an engine and the base image (`rftgym images build`); without
them they skip, unless RFTGYM_REQUIRE_DOCKER=1 makes them fail.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import rftgym
from rftgym.sandbox import SandboxError
from rftgym.sandbox.images import DEFAULT_IMAGE, missing_image_error
from rftgym.tools import ToolError
from tests.conftest import docker_or_skip, tool_call

WORKSPACE_BACKENDS = ("docker",)


def keeper_only(ws) -> bool:
    """Only the container's own two processes (docker-init and its sleep) are alive."""
    procs = ws.box.procs
    return procs.pids() == procs.keepers if procs else "sleep" in ws.exec("ps -eo comm=").stdout


def test_no_engine_is_a_clear_error(monkeypatch):
    from rftgym.sandbox.docker import DockerSandbox

    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(SandboxError, match=r"no Docker engine reachable at unix:///nonexistent.*dockerd"):
        DockerSandbox()


def test_missing_image_error_says_how_to_get_it():
    assert "rftgym images build" in str(missing_image_error(DEFAULT_IMAGE))
    assert "docker pull someone/else:1" in str(missing_image_error("someone/else:1"))


@pytest.mark.docker
def test_unknown_image_is_refused_before_any_container(docker_sandbox, shop_repo):
    with pytest.raises(SandboxError, match="has no image 'rftgym-missing:0'"):
        docker_sandbox.open(str(shop_repo["path"]), shop_repo["commit"], image="rftgym-missing:0")


@pytest.mark.docker
def test_commands_run_in_a_locked_down_container(workspace):
    r = workspace.exec("id -u; pwd; hostname; cat README.md | head -1")
    assert r.ok, r
    assert r.stdout.splitlines() == ["1000", "/workspace", "sandbox", "# shop"]
    assert not workspace.exec("touch /etc/owned").ok  # read-only root filesystem
    assert not workspace.exec("touch /home/agent/x").ok
    assert workspace.exec("echo hi > /tmp/x && cat /tmp/x").stdout == "hi\n"
    caps = workspace.exec("grep CapEff /proc/self/status").stdout
    assert caps.split()[-1] == "0000000000000000"
    # what the agent writes is what the host-side read tools see
    assert workspace.exec("mkdir -p new && echo 'x = 1' > new/mod.py && git status --short").ok
    assert workspace.read_text("new/mod.py") == "x = 1\n" and "new/mod.py" in workspace.files()
    assert workspace.exec("cat shop/cart.py", cwd="shop").exit_code == 1
    assert workspace.exec("ls ..", cwd="../").exit_code == 2


@pytest.mark.docker
def test_files_a_host_side_tool_writes_stay_writable_inside(workspace):
    target = workspace.resolve("pkg/deep/new.py")  # as a user's tool writing on the host (as root) would
    target.parent.mkdir(parents=True)
    target.write_text("a = 1\n")
    r = workspace.exec("echo 'b = 2' >> pkg/deep/new.py && touch pkg/deep/other.py pkg/x.py && cat pkg/deep/new.py")
    assert r.stdout == "a = 1\nb = 2\n", r


@pytest.mark.docker
def test_handing_files_to_the_agent_never_follows_symlinks_out(workspace, tmp_path):
    outside = tmp_path / "host_dir"
    (outside / "sub").mkdir(parents=True)
    (outside / "sub" / "secret").write_text("root's\n")
    os.symlink(outside, workspace.root / "host_link")           # made on the host, as root
    assert workspace.exec(f"ln -s {outside} agent_link").ok      # made by the agent
    workspace._tracker.lost.add(workspace._token)                # the fallback walks the whole tree
    assert workspace.exec("true").ok
    for p in (outside, outside / "sub", outside / "sub" / "secret"):
        assert p.stat().st_uid == 0, p
    workspace.reset()
    assert outside.stat().st_uid == 0 and not (workspace.root / "host_link").exists()


@pytest.mark.docker
def test_no_network_from_inside(workspace):
    listener = socket.socket()
    listener.bind(("0.0.0.0", 0))
    listener.listen()
    port = listener.getsockname()[1]
    try:
        host_ips = subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split() or ["172.17.0.1"]
        for ip in [*host_ips[:2], "172.17.0.1"]:
            code = f"import socket; s = socket.socket(); s.settimeout(3); s.connect(({ip!r}, {port}))"
            r = workspace.exec(["python3", "-c", code], timeout=20)
            assert r.exit_code != 0 and ("unreachable" in r.stderr or "timed out" in r.stderr), r
        r = workspace.exec(["python3", "-c", "import socket; socket.getaddrinfo('deb.debian.org', 80)"], timeout=20)
        assert r.exit_code != 0 and "gaierror" in r.stderr, r
        assert workspace.exec("cat /sys/class/net/*/operstate | sort | tr '\\n' ' '").stdout.split() == ["unknown"]
    finally:
        listener.close()


@pytest.mark.docker
def test_exec_keeps_the_local_contract(workspace):
    r = workspace.exec(["python3", "-c", "print('x' * 200000)"], max_output=1000)
    assert r.truncated and len(r.stdout) == 1000
    missing = workspace.exec(["/no/such/binary"])
    assert missing.exit_code == 127 and "no such file" in missing.stderr
    assert workspace.exec("exit 3").exit_code == 3
    assert workspace.exec(["cat"], stdin="from stdin\n").stdout == "from stdin\n"
    big = "y" * 300_000
    assert workspace.exec(["wc", "-c"], stdin=big).stdout.strip() == "300000"
    assert workspace.exec("echo $GREETING", env={"GREETING": "hello"}).stdout == "hello\n"
    assert workspace.exec("pwd", cwd="shop/pricing").stdout == "/workspace/shop/pricing\n"
    assert workspace.exec("echo err >&2; echo out").stderr == "err\n"


@pytest.mark.docker
def test_timeout_kills_the_whole_process_tree(workspace):
    # (not `sleep 30`: test_sandbox_local looks for that one host-wide)
    r = workspace.exec("sleep 51 & setsid sleep 52 & (nohup sleep 53 &); sleep 54; echo never", timeout=1)
    assert r.timed_out and r.exit_code == -9 and "never" not in r.stdout
    assert r.duration_s < 5
    assert keeper_only(workspace)
    # and a command's background children die with it even when it returns in time
    assert workspace.exec("sleep 40 & echo started").stdout == "started\n"
    assert keeper_only(workspace)


@pytest.mark.docker
def test_reset_restores_files_owned_by_the_container_user(workspace):
    assert workspace.exec("echo broken > shop/cart.py && rm -r shop/pricing && mkdir junk && touch junk/a "
                          "&& chmod 700 tests").ok
    stats = workspace.reset()
    assert not stats.full_scan and stats.restored + stats.removed >= 3
    assert workspace.read_text("shop/cart.py").startswith("from shop.pricing.tax import apply_tax")
    assert not (workspace.root / "junk").exists()
    for rel in ("shop/cart.py", "shop/pricing", "shop/pricing/tax.py", "tests"):
        assert (workspace.root / rel).stat().st_uid == 1000, rel
    assert workspace.exec("echo '# more' >> shop/cart.py && touch shop/pricing/new.py && ls tests").ok


@pytest.mark.docker
def test_diff_sees_edits_made_inside(workspace):
    assert workspace.exec("echo changed > shop/cart.py && echo 'y = 2' > added.py && git rm -q README.md").ok
    patch = workspace.diff()
    assert "diff --git a/shop/cart.py b/shop/cart.py" in patch
    assert "new file mode" in patch and "added.py" in patch and "deleted file mode" in patch
    workspace.reset()
    assert workspace.diff() == ""


@pytest.mark.docker
def test_pool_reuse_leaks_nothing_between_episodes(docker_sandbox, shop_repo):
    repo, commit = str(shop_repo["path"]), shop_repo["commit"]
    ws = docker_sandbox.open(repo, commit)
    assert ws.exec("echo leak > leak.txt && echo t > /tmp/t && echo s > /dev/shm/s && git config user.name x").ok
    # a process that outlives the command that started it (a detached exec stands in for an escape)
    api = docker_sandbox._client.api
    api.exec_start(api.exec_create(ws.container_id, ["sleep", "1000"], user="1000:1000")["Id"], detach=True)
    time.sleep(0.2)
    assert not keeper_only(ws)
    container = ws.container_id
    docker_sandbox.release(ws)
    again = docker_sandbox.open(repo, commit)
    assert again is ws and again.container_id == container  # the same container, not restarted
    assert keeper_only(again)
    assert not (again.root / "leak.txt").exists()
    r = again.exec("ls /tmp /dev/shm; git config user.name; ps -eo user=,comm= | sort")
    assert r.stdout.split() == ["/dev/shm:", "/tmp:", "agent", "bash", "agent", "ps", "agent", "sort",
                                "nobody", "docker-init", "nobody", "sleep"], r
    docker_sandbox.release(again)


def _shell_tool():
    @rftgym.tool(register=False, timeout=60)
    def sh(ws, command: str) -> str:
        """Run a shell command in the workspace.

        Args:
            command: the command line
        """
        r = ws.exec(command, timeout=3)
        if not r.ok:
            raise ToolError("EXECUTION_ERROR", f"exit {r.exit_code}{' (timed out)' if r.timed_out else ''}: "
                            f"{r.combined()[-300:]}")
        return r.stdout
    return sh


@pytest.mark.docker
def test_fork_bomb_and_memory_hog_are_contained(shop_tasks):
    import gymnasium as gym

    docker_or_skip()
    from rftgym.sandbox.docker import DockerSandbox

    with DockerSandbox(limits={"memory": "256m", "pids": 64, "cpus": 1.0}, warm=0) as sb:
        env = gym.make("rftgym/FileLocalization-v0", tasks=shop_tasks, split="all", sandbox=sb,
                       tools=[_shell_tool(), "list_dir"]).unwrapped
        env.reset(seed=0, options={"task_id": "shop-1"})
        ws = env.workspace
        bomb = ws.exec("bomb() { bomb | bomb; }; bomb", timeout=2)
        assert bomb.timed_out and "fork: retry: Resource temporarily unavailable" in bomb.stderr  # the pids limit
        assert keeper_only(ws)
        hog = ws.exec(["python3", "-c", "chunks = [b'x' * (32 << 20) for _ in range(64)]"], timeout=30)
        assert hog.exit_code == 137 and "out of memory" in hog.stderr, hog
        steps = [
            [tool_call("sh", "a", command="f() { f | f; }; f")],
            [tool_call("sh", "b", command="python3 -c \"x = [b'y' * (32 << 20) for _ in range(64)]\"")],
            [tool_call("sh", "c", command="echo alive; ps -e --no-headers | wc -l"), tool_call("list_dir", "d")],
        ]
        seen = []
        for calls in steps:
            obs, reward, terminated, truncated, info = env.step({"role": "assistant", "tool_calls": calls})
            seen.append((info["error_codes"], obs[-len(calls)]["content"]))
            assert not (terminated or truncated)
        assert [codes for codes, _ in seen] == [["EXECUTION_ERROR"], ["EXECUTION_ERROR"], []]
        assert "out of memory" in seen[1][1]
        # the two keepers, bash, ps and wc: nothing of the bomb or the hog is left
        assert seen[2][1].split() == ["alive", "5"]
        obs, reward, terminated, *_ = env.step({"role": "assistant", "tool_calls": [
            tool_call("submit", "e", files=["shop/pricing/tax.py"])]})
        assert terminated and reward == 1.0
        env.close()


@pytest.mark.docker
def test_docker_and_local_rollouts_agree(shop_tasks, tmp_path):
    docker_or_skip()
    from rftgym.rollout import rollout

    runs = {kind: rollout("rftgym/FileLocalization-v0", "scripted:parallel", shop_tasks, split="all",
                          samples=2, workers=2, env_kwargs={"sandbox": kind}, out=tmp_path / kind)
            for kind in ("local", "docker")}
    assert runs["docker"].summary["episodes"] == len(shop_tasks) * 2
    assert runs["docker"].summary["episodes_failed"] == 0
    for key in ("reward_mean", "f1_mean", "tool_errors_count"):
        assert runs["docker"].summary[key] == runs["local"].summary[key], key
    for a, b in zip(runs["local"].trajectories, runs["docker"].trajectories):
        assert a.messages == b.messages


def _labelled(client, run_id):
    from rftgym.sandbox.engine import LABEL

    return client.api.containers(all=True, filters={"label": f"{LABEL}={run_id}"})


@pytest.mark.docker
def test_close_removes_containers_and_their_directories(shop_repo):
    docker_or_skip()
    from rftgym.sandbox.docker import DockerSandbox
    from rftgym.sandbox.engine import connect

    client = connect()
    sb = DockerSandbox(warm=1, run_id=f"close-{os.getpid()}")
    ws = sb.open(str(shop_repo["path"]), shop_repo["commit"])
    home = ws.box.home
    assert len(_labelled(client, sb.run_id)) >= 1
    sb.close()
    assert _labelled(client, sb.run_id) == [] and not home.exists()


@pytest.mark.docker
def test_exit_handler_removes_what_an_unclosed_sandbox_started(shop_repo):
    docker_or_skip()
    from rftgym.sandbox.engine import connect

    run_id = f"atexit-{os.getpid()}"
    code = ("from rftgym.sandbox.docker import DockerSandbox\n"
            f"sb = DockerSandbox(warm=1, run_id={run_id!r})\n"
            f"ws = sb.open({str(shop_repo['path'])!r}, {shop_repo['commit']!r})\n"
            "assert ws.exec('true').ok\n")  # and exit without close()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert _labelled(connect(), run_id) == []


@pytest.mark.docker
def test_gc_after_kill_9_leaves_no_container(shop_tasks, tmp_path, docker_sandbox):
    from rftgym.sandbox.engine import connect, gc

    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text("".join(json.dumps(t) + "\n" for t in shop_tasks))
    run_id = f"killed-{os.getpid()}"
    rftgym_bin = Path(sys.executable).with_name("rftgym")
    proc = subprocess.Popen([str(rftgym_bin), "eval", "rftgym/FileLocalization-v0", "--sandbox", "docker", "--tasks",
                             str(tasks), "--samples", "200", "--out", str(tmp_path / "run")],
                            env={**os.environ, "RFTGYM_RUN_ID": run_id}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    client = connect()
    deadline = time.monotonic() + 60
    try:
        while not _labelled(client, run_id) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the run ended before it could be killed; give it more work"
        time.sleep(0.5)  # mid-run: episodes going, warm containers starting
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    left = _labelled(client, run_id)
    assert left, "the killed run left nothing to collect"
    homes = [Path(c["Labels"]["org.rftgym.home"]) for c in left]
    report = gc()
    assert _labelled(client, run_id) == []
    assert not any(h.exists() for h in homes)
    assert len(report.removed) >= len(left)
    assert _labelled(client, docker_sandbox.run_id), "gc removed a live run's containers"
