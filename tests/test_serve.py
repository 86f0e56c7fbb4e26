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
def server(shop_tasks):
    app = create_app(ENV, token=TOKEN, ttl=600)
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
    app = create_app(ENV, token=None, tools=[slow_read, slow_write], ttl=0.3, reap_every=0.05)
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
