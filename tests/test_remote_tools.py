"""Remote tools against ``rftgym serve`` itself on loopback, and against a flaky stdlib server for retries."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import gymnasium as gym
import httpx
import pytest

pytest.importorskip("fastapi", reason="the remote end is rftgym serve, which needs FastAPI (pip install 'rftgym[serve]')")

from rftgym.integrations.serve import BackgroundServer, create_app  # noqa: E402
from rftgym.rollout import run_episode  # noqa: E402
from rftgym.policies import make_policy  # noqa: E402
from rftgym.tools.remote import RemoteTool  # noqa: E402
from rftgym.tools import ToolError  # noqa: E402
from rftgym.tools.executor import ToolExecutor  # noqa: E402
from rftgym.types import ToolCall  # noqa: E402

ENV = "rftgym/FileLocalization-v0"
TOKEN = "remote-token"


@pytest.fixture(scope="module")
def served(shop_tasks, shop_repo):
    app = create_app(ENV, token=TOKEN, allow_repos=[str(shop_repo["path"])])
    with BackgroundServer(app) as url:
        decls = httpx.get(f"{url}/tools", headers={"Authorization": f"Bearer {TOKEN}"}).json()
        for d in decls:
            d["headers"] = {"Authorization": f"Bearer {TOKEN}"}
        yield url, decls, app.state.server


def test_an_env_with_remote_tools_plays_the_same_episode_as_with_local_ones(served, shop_tasks):
    url, decls, srv = served
    remote = [RemoteTool.from_config(d) for d in decls if d["name"] != "submit"]
    assert all(t.parallel_safe for t in remote)
    policy = make_policy("scripted:parallel")
    results = {}
    for kind, tools in (("local", None), ("remote", remote)):
        env = gym.make(ENV, tasks=shop_tasks, split="all", **({"tools": tools} if tools else {})).unwrapped
        results[kind] = [run_episode(env, policy, t["id"], 0, 0) for t in shop_tasks]
        env.close()
    for local, rem in zip(results["local"], results["remote"]):
        assert rem.error is None and rem.reward == local.reward
        assert [m.get("content") for m in rem.messages] == [m.get("content") for m in local.messages]
        assert rem.tool_errors == local.tool_errors
    assert sum(t.reward for t in results["remote"]) > 0 and sum(t.tool_calls for t in results["remote"]) > 9
    # One trace per episode on the server, keyed by the episode's id, opened from the task row it sent.
    trace_tasks = sorted(tr.task.id for tr in srv.traces.values())
    assert trace_tasks == sorted(t["id"] for t in shop_tasks)


def test_errors_reach_the_agent_as_observations(served, shop_tasks):
    url, decls, _ = served
    by_name = {d["name"]: d for d in decls}
    read = RemoteTool.from_config(by_name["read_file"])
    env = gym.make(ENV, tasks=shop_tasks, split="all", tools=[read]).unwrapped
    env.reset(seed=0, options={"task_id": "shop-1"})
    ex = ToolExecutor([read])
    [missing] = ex.run([ToolCall("a", "read_file", json.dumps({"path": "nope.py"}))], env.workspace)
    assert missing.error == "NOT_FOUND" and "nope.py" in missing.content
    # The executor caps arguments far below 1 MB; a remote tool called directly still refuses more.
    with pytest.raises(ToolError, match="1 MB") as huge:
        read.fn(env.workspace, path="x" * (1 << 20))
    assert huge.value.code == "INVALID_ARGS"
    bad_token = RemoteTool.from_config({**by_name["read_file"], "headers": {"Authorization": "Bearer wrong"}})
    [refused] = ToolExecutor([bad_token]).run([ToolCall("c", "read_file", '{"path": "README.md"}')], env.workspace)
    assert refused.error == "EXECUTION_ERROR" and "bearer token" in refused.content and "401" in refused.content
    env.close()
    with pytest.raises(ValueError, match="server_url"):
        RemoteTool.from_config({"name": "x", "parameters": {"type": "object", "properties": {}}})


class Flaky(BaseHTTPRequestHandler):
    """Answers 503 to the first two attempts of each call_id, then echoes; every answer takes 0.2 s."""

    seen: dict[str, int] = {}
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802 (the stdlib's name)
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        time.sleep(0.2)
        with self.lock:
            n = self.seen[body["call_id"]] = self.seen.get(body["call_id"], 0) + 1
        status, reply = (503, {"detail": "busy"}) if n <= 2 else (200, {
            "type": "function_call_output", "call_id": body["call_id"], "id": body["id"],
            "output": f"{body['trace_id']}|{json.loads(body['arguments'])['q']}|{body['item'].get('id')}"})
        data = json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def test_retries_on_5xx_and_parallel_calls(shop_tasks):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        lookup = RemoteTool.from_config({"name": "lookup", "server_url": f"http://127.0.0.1:{server.server_port}/",
                                         "description": "look something up", "retries": 2, "parameters": {
                                             "type": "object", "properties": {"q": {"type": "string"}},
                                             "required": ["q"]}})
        env = gym.make(ENV, tasks=shop_tasks, split="all", tools=[lookup]).unwrapped
        env.reset(seed=0, options={"task_id": "shop-2"})
        start = time.perf_counter()
        results = ToolExecutor([lookup]).run([ToolCall(f"c{i}", "lookup", json.dumps({"q": str(i)})) for i in range(4)],
                                             env.workspace)
        elapsed = time.perf_counter() - start
        trace = env.workspace.episode["trace_id"]
        assert [r.content for r in results] == [f"{trace}|{i}|shop-2" for i in range(4)]
        assert elapsed < 4 * 3 * 0.2  # three attempts each, the four calls concurrently
        never = RemoteTool.from_config({"name": "lookup", "server_url": f"http://127.0.0.1:{server.server_port}/",
                                        "retries": 1, "parameters": {"type": "object", "properties": {}}})
        [failed] = ToolExecutor([never]).run([ToolCall("z", "lookup", "{}")], env.workspace)
        assert failed.error == "EXECUTION_ERROR" and "after 2 attempts" in failed.content and "503" in failed.content
        env.close()
    finally:
        server.shutdown()
