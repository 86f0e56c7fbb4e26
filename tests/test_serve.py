"""``rftgym serve`` on a real uvicorn server on 127.0.0.1, driven by httpx as the hosted agent-RFT side."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

httpx = pytest.importorskip("httpx", reason="the serve tests need httpx (pip install 'rftgym[dev]')")
pytest.importorskip("fastapi", reason="rftgym serve needs FastAPI (pip install 'rftgym[serve]')")

from rftgym.integrations.serve import BackgroundServer, create_app  # noqa: E402
from rftgym.tools import tool  # noqa: E402

ENV = "rftgym/FileLocalization-v0"
TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def item_of(task: dict) -> dict:
    return dict(task)


def call(name: str, args: dict, call_id: str, trace_id: str, item: dict) -> dict:
    return {"type": "function_call", "name": name, "arguments": json.dumps(args), "call_id": call_id,
            "id": f"fc_{call_id}", "item": item, "trace_id": trace_id}


@pytest.fixture(scope="module")
def server(shop_tasks, shop_repo):
    app = create_app(ENV, token=TOKEN, ttl=600, allow_repos=[str(shop_repo["path"])])
    with BackgroundServer(app) as url, httpx.Client(base_url=url, headers=AUTH, timeout=30) as client:
        yield client, app.state.server


def test_grep_call_gets_its_function_call_output(server, shop_tasks):
    client, _ = server
    body = call("grep", {"pattern": "def apply_tax"}, "call_grep_1", "trace-accept", item_of(shop_tasks[0]))
    r = client.post("/tools/grep", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["type"] == "function_call_output"
    assert out["call_id"] == "call_grep_1" and out["id"] == "fc_call_grep_1"
    assert "shop/pricing/tax.py:4:def apply_tax" in out["output"]


def test_bad_arguments_are_4xx_with_a_message_the_model_can_read(server, shop_tasks):
    client, _ = server
    item = item_of(shop_tasks[0])
    r = client.post("/tools/grep", json=call("grep", {"patern": "x"}, "c1", "trace-bad", item))
    assert r.status_code == 400
    assert r.json()["call_id"] == "c1" and "missing required field 'pattern'" in r.json()["output"]
    r = client.post("/tools/grep", json={**call("grep", {}, "c2", "trace-bad", item), "arguments": "{not json"})
    assert r.status_code == 400 and "not valid JSON" in r.json()["output"]
    r = client.post("/tools/grep", json=call("read_file", {"path": "x"}, "c3", "trace-bad", item))
    assert r.status_code == 400 and "/tools/read_file" in r.json()["detail"]
    r = client.post("/tools/grep", json={"name": "grep", "arguments": "{}"})  # no call_id, no trace_id
    assert r.status_code == 422
    r = client.post("/tools/grep", json=call("grep", {"pattern": "x"}, "c4", "trace-noitem", {"id": "nope"}))
    assert r.status_code == 400 and "repo and commit" in r.json()["detail"]
    # A tool error the agent caused (a missing file) is an observation, not a failed request.
    r = client.post("/tools/read_file", json=call("read_file", {"path": "nope.py"}, "c5", "trace-bad", item))
    assert r.status_code == 200 and r.json()["error"] == "NOT_FOUND"
    r = client.post("/tools/grep", content=b'{"x": "' + b"a" * (1 << 20) + b'"}',
                    headers={**AUTH, "content-type": "application/json"})
    assert r.status_code == 413


def test_missing_or_wrong_token_is_401(server, shop_tasks):
    client, _ = server
    body = call("grep", {"pattern": "x"}, "c1", "trace-auth", item_of(shop_tasks[0]))
    assert httpx.post(f"{client.base_url}/tools/grep", json=body).status_code == 401
    r = httpx.post(f"{client.base_url}/tools/grep", json=body, headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and "bearer token" in r.json()["detail"]
    assert httpx.post(f"{client.base_url}/grade", json={}).status_code == 401


def test_many_traces_at_once_each_with_its_own_workspace(server, shop_tasks):
    client, srv = server
    traces = [f"trace-many-{i}" for i in range(8)]
    bodies = [call(name, args, f"{t}-{k}", t, item_of(shop_tasks[i % 3]))
              for i, t in enumerate(traces)
              for k, (name, args) in enumerate([("grep", {"pattern": "Cart"}), ("list_dir", {"path": "shop"}),
                                                ("read_file", {"path": "shop/cart.py"})])]
    with ThreadPoolExecutor(16) as pool:
        replies = list(pool.map(lambda b: client.post(f"/tools/{b['name']}", json=b), bodies))
    assert all(r.status_code == 200 for r in replies)
    assert [r.json()["call_id"] for r in replies] == [b["call_id"] for b in bodies]
    assert "class Cart" in replies[2].json()["output"]
    live = {t: srv.traces[t].workspace for t in traces}
    assert len({id(ws) for ws in live.values()}) == len(traces)  # one workspace per trace, none shared


def test_grade_uses_the_envs_grader(server, shop_tasks):
    client, _ = server
    item = item_of(shop_tasks[0])
    submit = {"id": "c9", "type": "function", "function": {"name": "submit",
                                                            "arguments": json.dumps({"files": ["shop/pricing/tax.py"]})}}
    r = client.post("/grade", json={"sample": {"output_tools": [submit]}, "item": item, "trace_id": "trace-accept"})
    assert r.status_code == 200 and r.json()["score"] == 1.0 and r.json()["components"]["recall"] == 1.0
    r = client.post("/grade", json={"sample": {"output_json": {"files": ["shop/pricing/tax.py", "shop/cart.py"]}},
                                    "item": item, "trace_id": "never-called"})
    assert r.json()["score"] == pytest.approx(2 / 3)
    r = client.post("/grade", json={"sample": {"output_text": "no submission"}, "item": item})
    assert r.json()["score"] == 0.0


def test_openapi_lists_every_tool(server):
    client, srv = server
    paths = client.get("/openapi.json").json()["paths"]
    assert {f"/tools/{name}" for name in srv.tools} <= set(paths) and "/grade" in paths
    decl = {d["name"]: d for d in client.get("/tools").json()}
    assert decl["grep"]["server_url"].endswith("/tools/grep") and "pattern" in decl["grep"]["parameters"]["properties"]


# -- locking and reaping, with tools that record how they overlap ---------------------------------
_active = {"reads": 0, "writes": 0, "max_reads": 0, "overlap_with_write": 0}
_guard = threading.Lock()


def _enter(kind: str) -> None:
    with _guard:
        if _active["writes"] or (kind == "writes" and _active["reads"]):
            _active["overlap_with_write"] += 1
        _active[kind] += 1
        _active["max_reads"] = max(_active["max_reads"], _active["reads"])


def _leave(kind: str) -> None:
    with _guard:
        _active[kind] -= 1


@tool(parallel_safe=True, register=False)
def slow_read(ws, path: str) -> str:
    """Read a file slowly.

    Args:
        path: file path
    """
    _enter("reads")
    time.sleep(0.2)
    _leave("reads")
    return ws.read_text(path) or ""


@tool(parallel_safe=False, register=False)
def slow_write(ws, path: str, text: str) -> str:
    """Write a file slowly.

    Args:
        path: file path
        text: the new content
    """
    _enter("writes")
    time.sleep(0.1)
    ws.resolve(path).write_text(text)
    _leave("writes")
    return "written"


def test_parallel_calls_of_one_trace_share_reads_and_serialise_writes(shop_tasks):
    app = create_app(ENV, token=None, tools=[slow_read, slow_write], ttl=0.3, reap_every=0.05, tasks=shop_tasks)
    item = item_of(shop_tasks[1])
    with BackgroundServer(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        reads = [call("slow_read", {"path": "shop/cart.py"}, f"r{i}", "trace-par", item) for i in range(8)]
        writes = [call("slow_write", {"path": f"new_{i}.txt", "text": str(i)}, f"w{i}", "trace-par", item)
                  for i in range(3)]
        start = time.perf_counter()
        with ThreadPoolExecutor(11) as pool:
            replies = list(pool.map(lambda b: client.post(f"/tools/{b['name']}", json=b), reads + writes))
        elapsed = time.perf_counter() - start
        assert all(r.status_code == 200 for r in replies), [r.text for r in replies]
        assert [r.json()["call_id"] for r in replies] == [b["call_id"] for b in reads + writes]
        assert _active["max_reads"] > 1 and _active["overlap_with_write"] == 0
        assert elapsed < 8 * 0.2 + 3 * 0.1  # the reads overlapped
        srv = app.state.server
        ws = srv.traces["trace-par"].workspace
        assert sorted(p for p in ws.files() if p.startswith("new_")) == ["new_0.txt", "new_1.txt", "new_2.txt"]
        # Idle past the TTL: the reaper releases the trace; a later call opens a fresh, pristine workspace.
        deadline = time.monotonic() + 5
        while "trace-par" in srv.traces and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "trace-par" not in srv.traces and client.get("/health").json()["reaped"] >= 1
        r = client.post("/tools/slow_read", json=call("slow_read", {"path": "new_0.txt"}, "again", "trace-par", item))
        assert r.status_code == 200 and r.json()["output"] == ""


# -- release, allow-list, caps, chunked bodies, step budget, one URL for several tools -------------
_gate = threading.Event()
_started = threading.Event()


@tool(parallel_safe=False, register=False)
def gated_write(ws, path: str) -> str:
    """Write a file once the test opens the gate.

    Args:
        path: file path
    """
    _started.set()
    _gate.wait(10)
    ws.resolve(path).write_text("x")
    return "written"


def test_release_waits_for_the_call_in_flight_and_refuses_the_queued_one(shop_tasks):
    _gate.clear()
    _started.clear()
    app = create_app(ENV, token=None, tools=[gated_write], tasks=shop_tasks)
    item = item_of(shop_tasks[0])
    srv = app.state.server
    with BackgroundServer(app) as url, httpx.Client(base_url=url, timeout=30) as client, ThreadPoolExecutor(3) as pool:
        first = pool.submit(client.post, "/tools/gated_write", json=call("gated_write", {"path": "a.txt"}, "w1",
                                                                         "trace-rel", item))
        assert _started.wait(10)
        queued = pool.submit(client.post, "/tools/gated_write", json=call("gated_write", {"path": "b.txt"}, "w2",
                                                                          "trace-rel", item))
        deadline = time.monotonic() + 10
        while srv.traces["trace-rel"].in_flight < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        ws = srv.traces["trace-rel"].workspace
        released = pool.submit(client.delete, "/traces/trace-rel")
        time.sleep(0.2)
        assert not released.done()  # release waits for the call in flight
        _gate.set()
        assert first.result().status_code == 200 and first.result().json()["output"] == "written"
        assert released.result().json() == {"released": True}
        r = queued.result()
        assert r.status_code == 409 and r.json()["error"] == "TRACE_RELEASED" and "not run" in r.json()["output"]
        assert ws.read_text("b.txt") is None  # the queued call never ran on the released workspace


def test_items_may_only_name_repositories_the_server_allows(shop_tasks, tmp_path):
    app = create_app(ENV, token=None)  # no task file, no allow-list: only the built-in repos
    with BackgroundServer(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        first = call("list_dir", {"path": "."}, "c1", "trace-x", item_of(shop_tasks[0]))
        r = client.post("/tools/list_dir", json=first)
        assert r.status_code == 403 and "does not serve the repository" in r.json()["output"]
        other = {**shop_tasks[0], "repo": "/etc"}
        r = client.post("/tools/list_dir", json=call("list_dir", {"path": "."}, "c2", "trace-y", other))
        assert r.status_code == 403
        assert not app.state.server.traces


def test_open_traces_per_client_are_capped(shop_tasks, shop_repo):
    app = create_app(ENV, token=None, allow_repos=[str(shop_repo["path"])], max_traces_per_client=2)
    item = item_of(shop_tasks[0])
    with BackgroundServer(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        for t in ("t1", "t2"):
            assert client.post("/tools/list_dir", json=call("list_dir", {"path": "."}, t, t, item)).status_code == 200
        r = client.post("/tools/list_dir", json=call("list_dir", {"path": "."}, "t3", "t3", item))
        assert r.status_code == 429 and "open traces" in r.json()["output"]
        again = call("list_dir", {"path": "."}, "t1b", "t1", item)  # a trace already open is not a new one
        assert client.post("/tools/list_dir", json=again).status_code == 200
        client.delete("/traces/t1")
        assert client.post("/tools/list_dir", json=call("list_dir", {"path": "."}, "t3", "t3", item)).status_code == 200


def test_the_body_limit_holds_for_chunked_bodies(server, shop_tasks):
    client, _ = server
    body = json.dumps(call("grep", {"pattern": "x" * 10}, "c1", "trace-chunk", item_of(shop_tasks[0])))
    pad = body[:-1] + ', "pad": "' + "a" * (1 << 20) + '"}'

    def chunks():  # a generator body: httpx sends it chunked, without Content-Length
        data = pad.encode()
        for i in range(0, len(data), 65536):
            yield data[i:i + 65536]

    r = client.post("/tools/grep", content=chunks(), headers={**AUTH, "content-type": "application/json"})
    assert r.status_code == 413 and "limit" in r.json()["output"]
    small = client.post("/tools/grep", content=iter([body.encode()]),
                        headers={**AUTH, "content-type": "application/json"})
    assert small.status_code == 200, small.text


def test_max_episode_steps_is_honoured_and_one_url_serves_every_tool(shop_tasks, shop_repo):
    app = create_app(ENV, token=None, allow_repos=[str(shop_repo["path"])], max_episode_steps=2)
    item = item_of(shop_tasks[0])
    with BackgroundServer(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        r1 = client.post("/tools", json=call("list_dir", {"path": "shop"}, "a", "trace-steps", item))
        r2 = client.post("/tools", json=call("read_file", {"path": "shop/cart.py"}, "b", "trace-steps", item))
        assert r1.status_code == r2.status_code == 200
        assert "cart.py" in r1.json()["output"] and "class Cart" in r2.json()["output"]
        r3 = client.post("/tools", json=call("grep", {"pattern": "Cart"}, "c", "trace-steps", item))
        assert r3.status_code == 200 and r3.json()["error"] == "BUDGET_EXHAUSTED"
        assert "max_episode_steps = 2" in r3.json()["output"]
        r4 = client.post("/tools", json=call("nope", {}, "d", "trace-other", item))
        assert r4.status_code == 404 and "Available tools" in r4.json()["output"]
