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
from rftgym.types import InfraError, ToolCall  # noqa: E402

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
        env.close()
    finally:
        server.shutdown()


class Contract(BaseHTTPRequestHandler):
    """One behaviour per tool name: ``down`` always 503, ``huge`` a 2 MB output, ``forbidden`` a 403
    whose body has no ``output``, anything else an echo. Counts the attempts per name."""

    attempts: dict[str, int] = {}

    def do_POST(self):  # noqa: N802 (the stdlib's name)
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        name = body["name"]
        Contract.attempts[name] = Contract.attempts.get(name, 0) + 1
        if name == "down":
            status, data, kind = 503, b'{"detail": "maintenance"}', "application/json"
        elif name == "huge":
            status, kind = 200, "application/json"
            data = json.dumps({"type": "function_call_output", "call_id": body["call_id"], "output": "x" * (2 << 20)}
                              ).encode()
        elif name == "forbidden":
            status, data, kind = 403, b"quota exceeded for this key; upgrade your plan", "text/plain"
        else:
            status, kind = 200, "application/json"
            data = json.dumps({"type": "function_call_output", "call_id": body["call_id"], "output": "echo"}).encode()
        self.send_response(status)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture()
def contract_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Contract)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Contract.attempts.clear()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def _remote(name: str, url: str) -> object:
    tool = RemoteTool.from_config({"name": name, "server_url": url, "parameters": {"type": "object", "properties": {}}})
    tool.fn.backoff = 0.01
    return tool


def test_a_5xx_is_retried_three_times_then_the_rollout_is_discarded(contract_url):
    down, ok = _remote("down", contract_url), _remote("echo", contract_url)
    with pytest.raises(InfraError, match="failed 4 times") as info:
        ToolExecutor([down, ok]).run([ToolCall("a", "down", "{}"), ToolCall("b", "echo", "{}")], None)
    assert Contract.attempts["down"] == 4  # the first try and three retries
    assert [r.error for r in info.value.results] == ["INFRA_ERROR", None]  # the turn finished; nothing graded


def test_an_oversized_reply_reaches_the_model_as_a_413(contract_url):
    [r] = ToolExecutor([_remote("huge", contract_url)]).run([ToolCall("a", "huge", "{}")], None)
    assert r.error == "EXECUTION_ERROR" and r.content.startswith("error: 413 Payload Too Large")
    assert "1 MB" in r.content and Contract.attempts["huge"] == 1


def test_a_4xx_body_without_output_is_shown_to_the_model(contract_url):
    [r] = ToolExecutor([_remote("forbidden", contract_url)]).run([ToolCall("a", "forbidden", "{}")], None)
    assert r.error == "EXECUTION_ERROR" and "HTTP 403" in r.content
    assert "quota exceeded for this key; upgrade your plan" in r.content
    assert Contract.attempts["forbidden"] == 1  # a 4xx is not retried


def test_several_tools_share_one_server_url(served, shop_tasks):
    url, decls, _ = served
    shared = [RemoteTool.from_config({**d, "server_url": f"{url}/tools"}) for d in decls
              if d["name"] in ("read_file", "list_dir")]
    env = gym.make(ENV, tasks=shop_tasks, split="all", tools=shared).unwrapped
    env.reset(seed=0, options={"task_id": "shop-1"})
    read, listing = ToolExecutor(shared).run([ToolCall("a", "read_file", '{"path": "shop/cart.py"}'),
                                              ToolCall("b", "list_dir", '{"path": "shop"}')], env.workspace)
    assert read.error is None and "class Cart" in read.content
    assert listing.error is None and "cart.py" in listing.content
    env.close()
