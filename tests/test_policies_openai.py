"""The openai: policy through the real OpenAI SDK, against a chat-completions server on loopback that
plays the model (tests/fake_chat_server.py), in real episodes of rftgym/FileLocalization-v0."""

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from rftgym.policies import PolicyFatalError, make_policy
from rftgym.policies.ratelimit import RateLimiter
from rftgym.rollout import rollout
from tests.fake_chat_server import ExplorerModel, FakeChatServer, Reply, calls_message, completion, error

ENV = "rftgym/FileLocalization-v0"
FAST = {"backoff": 0.01, "max_backoff": 0.05}  # retries in milliseconds, not seconds


@pytest.fixture(autouse=True)
def _no_ambient_openai_settings(monkeypatch):
    """A developer's own key or endpoint must not leak into these tests (or get sent anywhere)."""
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture()
def server():
    with FakeChatServer(ExplorerModel()) as srv:
        yield srv


def assert_spaced(times, interval, jitter=0.08):
    """Request arrivals (sorted) kept the limiter's pace: any k+1 of them span at least k intervals,
    less the network jitter of one arrival on a loaded machine."""
    for i in range(len(times)):
        for j in range(i + 1, len(times)):
            assert times[j] - times[i] >= (j - i) * interval - jitter, (i, j, np.diff(times))


def test_native_tool_calls_run_in_parallel_and_are_graded(server, shop_tasks):
    res = rollout(ENV, "openai:fake-model", shop_tasks, split="all", samples=2, workers=3,
                  policy_options={"base_url": server.url, "temperature": 0.7, "top_p": 0.9, "max_tokens": 256,
                                  "seed": 11, "parallel_tool_calls": True, "tool_choice": "auto"})
    assert len(res.trajectories) == 6 and all(t.error is None for t in res.trajectories)
    for t in res.trajectories:
        assert t.terminated and t.grade is not None and [turn.calls for turn in t.turns] == [2, 1]
        hits = [m for m in t.messages if m["role"] == "tool"][0]["content"]
        assert t.submission["files"][0] in hits  # the server's choice, made from what the tools returned
        assert t.usage == {"prompt_tokens": 200, "completion_tokens": 20} and t.policy == "openai:fake-model"
    gold = {t["id"]: t["gold_files"] for t in shop_tasks}
    assert [t.reward for t in res.trajectories] == [float(t.submission["files"] == gold[t.task_id])
                                                    for t in res.trajectories]
    assert res.summary["usage"] == {"prompt_tokens": 1200, "completion_tokens": 120}
    first = server.requests[0]["body"]
    assert first["model"] == "fake-model" and {t["function"]["name"] for t in first["tools"]} >= {"submit", "grep"}
    assert (first["temperature"], first["top_p"], first["max_tokens"], first["seed"]) == (0.7, 0.9, 256, 11)
    assert first["parallel_tool_calls"] is True and first["tool_choice"] == "auto"
    later = [r["body"] for r in server.requests if len(r["body"]["messages"]) > 2][0]
    assert [m["role"] for m in later["messages"]] == ["system", "user", "assistant", "tool", "tool"]


@pytest.mark.parametrize("fmt", ["hermes", "json"])
def test_text_tool_formats_for_models_without_native_calls(fmt, shop_tasks):
    with FakeChatServer(ExplorerModel(text_format=fmt)) as srv:
        res = rollout(ENV, "openai:plain-model", shop_tasks, split="all", workers=2,
                      policy_options={"base_url": srv.url, "tool_format": fmt})
    assert all(t.error is None and t.terminated and [turn.calls for turn in t.turns] == [2, 1]
               for t in res.trajectories)
    assert all(t.grade is not None for t in res.trajectories)
    bodies = [r["body"] for r in srv.requests]
    assert all("tools" not in b for b in bodies)
    assert all({m["role"] for m in b["messages"]} <= {"system", "user", "assistant"} for b in bodies)
    assert "submit" in bodies[0]["messages"][0]["content"]  # the schemas are in the system prompt
    second = [b for b in bodies if len(b["messages"]) > 2][0]["messages"]
    assert "<tool_response>" in second[-1]["content"] and "shop/" in second[-1]["content"]


def test_retries_429_with_retry_after_500_garbage_and_timeouts(server):
    slow = completion(calls_message(("list_dir", {})))
    slow.delay = 1.5  # longer than the client's timeout
    script = [Reply(429, {"error": {"message": "slow down"}}, {"Retry-After": "0.4"}), error(500, "boom"),
              Reply(200, "{not json"), slow, Reply(200, {"choices": "no"}),
              Reply(503, {"error": {"message": "overloaded"}}, {"retry-after-ms": "50"}),
              completion(calls_message(("list_dir", {})))]

    def responder(body, srv):
        return script.pop(0)

    server.responder = responder
    policy = make_policy("openai:m", base_url=server.url, timeout=0.5, **FAST).bind("t", 0)
    msg = policy.act([{"role": "user", "content": "hi"}], [], np.random.default_rng(0))
    assert msg["tool_calls"][0]["function"]["name"] == "list_dir" and not script
    times = server.times()
    assert len(times) == 7 and times[1] - times[0] >= 0.4  # Retry-After honoured exactly
    assert policy.usage() == {"prompt_tokens": 100, "completion_tokens": 10}  # only the answer that came back
    policy.close()


def test_an_episode_whose_requests_keep_failing_fails_alone(server, shop_tasks):
    server.responder = lambda body, srv: error(500, "always broken")
    res = rollout(ENV, "openai:m", shop_tasks[:2], split="all", workers=2,
                  policy_options={"base_url": server.url, "max_retries": 1, **FAST})
    assert [("failed 2 times" in (t.error or "")) for t in res.trajectories] == [True, True]
    assert res.summary["episodes_failed"] == 2


def test_bad_key_stops_the_run_with_a_clear_error(shop_tasks, tmp_path):
    with FakeChatServer(ExplorerModel(delay=0.05), api_key="right-key") as srv:
        with pytest.raises(PolicyFatalError, match=r"refused the API key \(401: .*Incorrect API key.*--api-key"):
            rollout(ENV, "openai:m", shop_tasks, split="all", samples=4, workers=3, out=tmp_path / "run",
                    policy_options={"base_url": srv.url, "api_key": "wrong-key", **FAST})
        assert len(srv.requests) <= 3  # one per worker at most: not one per episode, no retries
    assert not (tmp_path / "run" / "trajectories.jsonl").exists() or \
        (tmp_path / "run" / "trajectories.jsonl").read_text() == ""


def test_unknown_model_and_unreachable_endpoint_are_fatal(shop_tasks):
    with FakeChatServer(ExplorerModel(), models={"real-model"}) as srv:
        policy = make_policy("openai:no-such-model", base_url=srv.url, **FAST)
        with pytest.raises(PolicyFatalError, match="model 'no-such-model' .* not found .*--base-url"):
            policy.act([{"role": "user", "content": "x"}], [], np.random.default_rng(0))
        with pytest.raises(PolicyFatalError):  # every later call of any episode stops at once
            policy.bind("other", 1).act([{"role": "user", "content": "x"}], [], np.random.default_rng(0))
        assert len(srv.requests) == 1
        policy.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    policy = make_policy("openai:m", base_url=f"http://127.0.0.1:{closed}/v1", max_retries=2, **FAST)
    with pytest.raises(PolicyFatalError, match="could not connect .* after 3 attempts.*--resume"):
        policy.act([{"role": "user", "content": "x"}], [], np.random.default_rng(0))
    policy.close()


def test_hosted_openai_needs_a_key():
    with pytest.raises(ValueError, match="needs an API key: set OPENAI_API_KEY or pass --api-key"):
        make_policy("openai:gpt-4.1-mini")
    with pytest.raises(ValueError, match="openai policies do not take nonsense"):
        make_policy("openai:m", base_url="http://127.0.0.1:9/v1", nonsense=1)


@pytest.mark.parametrize("runner", [{"workers": 4}, {"workers": 2, "concurrency": 6},
                                    {"workers": 3, "concurrency": 6, "backend": "ray"}],
                         ids=["threads-act", "event-loops-aact", "ray-actors-one-limiter"])
def test_rate_limit_holds_across_concurrent_episodes(server, shop_tasks, runner):
    rpm = 300  # one request per 0.2 s
    res = rollout(ENV, "openai:m", shop_tasks, split="all", samples=2, **runner,
                  policy_options={"base_url": server.url, "rpm": rpm})
    assert all(t.error is None for t in res.trajectories)
    times = sorted(server.times())
    assert len(times) == 12
    # On Ray the limiter books start times in another process, and the first request of each fresh
    # actor opens its connection after its slot: arrivals lag their slots more than in one process.
    # Three actors each keeping 300 rpm on their own would still fail this by far.
    assert_spaced(times, 60 / rpm, jitter=0.16 if runner.get("backend") == "ray" else 0.08)


def test_retry_after_holds_every_episode(server):
    state = {"n": 0}

    def responder(body, srv):
        state["n"] += 1
        if state["n"] == 1:
            return Reply(429, {"error": {"message": "slow down"}}, {"Retry-After": "0.5"})
        return completion(calls_message(("list_dir", {})))

    server.responder = responder
    policy = make_policy("openai:m", base_url=server.url, **FAST)
    first = threading.Thread(target=policy.bind("a", 0).act, args=([{"role": "user", "content": "a"}], [],
                                                                  np.random.default_rng(0)))
    first.start()
    while not server.times():
        time.sleep(0.005)
    time.sleep(0.05)  # the 429 has been answered; a second episode starts now and must wait too
    policy.bind("b", 0).act([{"role": "user", "content": "b"}], [], np.random.default_rng(1))
    first.join()
    times = server.times()
    assert len(times) == 3 and min(times[1:]) - times[0] >= 0.5
    policy.close()


def test_aact_from_an_event_loop_and_act_from_threads_share_one_limiter(server):
    policy = make_policy("openai:m", base_url=server.url, rpm=300)  # 0.2 s apart

    async def episodes():
        views = [policy.bind(f"t{i}", 0) for i in range(4)]
        return await asyncio.gather(*(v.aact([{"role": "user", "content": f"q{i}"}], [], np.random.default_rng(i))
                                      for i, v in enumerate(views))), views

    threads = [threading.Thread(target=policy.bind(f"s{i}", 0).act,
                                args=([{"role": "user", "content": "s"}], [], np.random.default_rng(9)))
               for i in range(2)]
    for t in threads:
        t.start()
    messages, views = asyncio.run(episodes())
    for t in threads:
        t.join()
    assert all(m["tool_calls"] for m in messages) and all(v.usage()["prompt_tokens"] == 100 for v in views)
    times = sorted(server.times())
    assert len(times) == 6
    assert_spaced(times, 0.2)
    policy.close()


def test_missing_call_ids_and_empty_turns_are_repaired_for_the_endpoint(server):
    seen = []

    def responder(body, srv):
        seen.append(body)
        return completion({"content": None, "tool_calls": [
            {"id": "", "type": "function", "function": {"name": "list_dir", "arguments": "{}"}}]})

    server.responder = responder
    policy = make_policy("openai:m", base_url=server.url, seed="episode")
    conv = [{"role": "user", "content": "x"}, {"role": "assistant", "content": None},
            {"role": "user", "content": "[rftgym] error: no tool call"}]
    msg = policy.act(conv, [], np.random.default_rng(5))
    assert msg["tool_calls"][0]["id"] == "call_1_0"
    assert seen[0]["messages"][1] == {"role": "assistant", "content": ""}
    assert seen[0]["seed"] == int(np.random.default_rng(5).integers(1 << 31))
    policy.close()


def test_rate_limiter_books_tokens_and_gives_back_what_was_not_used():
    now = [100.0]
    lim = RateLimiter(rpm=60, tpm=600, clock=lambda: now[0])
    assert lim.reserve(10) == 0.0
    assert lim.reserve(10) == pytest.approx(1.0)      # rpm: 1 s apart; tokens: 10 of 600/min = 1 s
    lim.settle(10, 40)                                 # the second request used 40: 3 s more of token time
    assert lim.reserve(0) == pytest.approx(5.0)
    lim.defer(30)
    assert lim.reserve(0) == pytest.approx(30.0)
    assert RateLimiter().reserve(10**9) == 0.0         # no limits: never waits
    with pytest.raises(ValueError, match="rpm must be a positive number"):
        RateLimiter(rpm=-1)


def test_cli_eval_against_the_endpoint(server, shop_tasks, tmp_path):
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text("".join(json.dumps(t) + "\n" for t in shop_tasks))
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["COLUMNS"] = "200"
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "rftgym.cli", "eval", ENV, "--policy", "openai:fake-model", "--base-url",
           server.url, "--tasks", str(tasks), "--out", str(out), "--samples", "2", "--temperature", "0.5",
           "--rpm", "6000"]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "prompt tokens" in done.stdout
    trajs = [json.loads(line) for line in (out / "trajectories.jsonl").read_text().splitlines()]
    assert len(trajs) == 6 and all(t["grade"] and t["terminated"] and not t["error"] for t in trajs)
    calls = [c["function"]["name"] for t in trajs for m in t["messages"] for c in m.get("tool_calls") or []]
    assert calls.count("search_code") == calls.count("list_dir") == calls.count("submit") == 6
    assert json.loads((out / "summary.json").read_text())["usage"] == {"prompt_tokens": 1200, "completion_tokens": 120}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["policy_options"]["temperature"] == 0.5 and "api_key" not in manifest["policy_options"]

    with FakeChatServer(ExplorerModel(), api_key="right") as locked:
        cmd401 = [sys.executable, "-m", "rftgym.cli", "eval", ENV, "--policy", "openai:fake-model", "--base-url",
                  locked.url, "--api-key", "wrong", "--tasks", str(tasks), "--out", str(tmp_path / "denied")]
        denied = subprocess.run(cmd401, capture_output=True, text=True, env=env, timeout=120)
    assert denied.returncode == 1
    assert "refused the API key" in denied.stderr and "Traceback" not in denied.stderr
