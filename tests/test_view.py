"""``rftgym view``: the run index, the JSON API over real HTTP on 127.0.0.1, and the front end in a
real headless chromium driven by Selenium (screenshots under test-artifacts/view/, git-ignored).

Browser tests skip with the reason only where chromium or chromedriver is missing and CI is not set;
under CI a missing browser fails them.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rftgym.cli import app
from rftgym.rollout import rollout
from rftgym.view import RunFolderError, RunIndex, make_server
from tests.conftest import tool_call
from tests.test_bugfix import FIX, F2P, calc, tasks  # noqa: F401  (the calc repo's bug-fix task fixtures)

ENV = "rftgym/FileLocalization-v0"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "view"


@pytest.fixture(scope="module")
def runs(shop_tasks, tmp_path_factory) -> tuple[Path, Path]:
    """Two real runs on the same tasks: scripted parallel (2 samples) and random (2 samples, tool errors)."""
    base = tmp_path_factory.mktemp("view")
    rollout(ENV, "scripted:parallel", shop_tasks, split="all", samples=2, workers=2, out=base / "parallel")
    rollout(ENV, "random", shop_tasks, split="all", samples=2, workers=2, out=base / "random")
    return base / "parallel", base / "random"


@pytest.fixture()
def serve():
    """``serve(run, vs=None)`` -> a started ViewServer on a free loopback port; stopped after the test."""
    servers = []

    def start(run, vs=None):
        server = make_server(run, vs, port=0)
        server.start()
        servers.append(server)
        return server

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def get(server, path: str):
    """(status, decoded JSON or text) of a real HTTP GET against the server."""
    try:
        with urllib.request.urlopen(server.url.rstrip("/") + path, timeout=30) as r:
            body, status, ctype = r.read(), r.status, r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        body, status, ctype = exc.read(), exc.code, exc.headers.get("Content-Type", "")
    return status, (json.loads(body) if ctype.startswith("application/json") else body.decode())


def lines(run: Path) -> list[dict]:
    return [json.loads(x) for x in (run / "trajectories.jsonl").read_text().splitlines() if x.strip()]


# -------------------------------------------------------------------------------- server


def test_api_pages_through_every_episode(runs, serve):
    server = serve(runs[0])
    n = len(lines(runs[0]))
    status, info = get(server, "/api/runs")
    assert status == 200 and info[0]["episodes"] == n and info[0]["notes"] == []
    seen = []
    for offset in range(0, n, 2):
        _, page = get(server, f"/api/runs/0/episodes?offset={offset}&limit=2")
        assert page["total"] == n and len(page["rows"]) <= 2
        seen += [r["index"] for r in page["rows"]]
    assert seen == list(range(n))


def test_filters_and_sort(runs, serve):
    server = serve(runs[1])
    rows = [dict(r, index=i) for i, r in enumerate(lines(runs[1]))]
    _, page = get(server, "/api/runs/0/episodes?min_reward=0.5&limit=1000")
    assert {r["index"] for r in page["rows"]} == {r["index"] for r in rows if r["reward"] >= 0.5}
    _, page = get(server, "/api/runs/0/episodes?sort=reward&desc=true&limit=1000")
    rewards = [r["reward"] for r in page["rows"]]
    assert rewards == sorted(rewards, reverse=True)
    _, page = get(server, "/api/runs/0/episodes?task=shop-2&limit=1000")
    assert page["total"] == 2 and {r["task_id"] for r in page["rows"]} == {"shop-2"}
    codes = {c for r in rows for t in r["turns"] for c in t["error_codes"]}
    for code in codes:
        _, page = get(server, f"/api/runs/0/episodes?error_code={code}&limit=1000")
        assert page["total"] == sum(any(code in t["error_codes"] for t in r["turns"]) for r in rows)
    _, page = get(server, "/api/runs/0/episodes?truncated=false&limit=1000")
    assert page["total"] == sum(not r["truncated"] for r in rows)
    status, body = get(server, "/api/runs/0/episodes?sort=nonsense")
    assert status == 400 and "sort must be one of" in body["error"]
    status, body = get(server, "/api/runs/0/episodes?min_reward=abc")
    assert status == 400 and "number" in body["error"]


def test_text_search_finds_episodes_by_what_they_hold(runs, serve):
    server = serve(runs[1])
    every = lines(runs[1])

    def texts(e):  # what a reader would search: messages' text and tool call arguments, decoded
        out = []
        for m in e["messages"]:
            out.append(m.get("content") or "")
            out += [c["function"]["name"] + " " + c["function"]["arguments"] for c in m.get("tool_calls") or []]
        return "\n".join(out).lower()

    outputs = [m["content"] for e in every for m in e["messages"] if m["role"] == "tool" and "\n" in (m["content"] or "")]
    multi = next(o for o in outputs if len(o.split("\n")[0]) > 3)  # a real two-line stretch of a tool output
    needle = "\n".join(multi.split("\n")[:2]).upper()  # newline inside, other case: matched as stored
    for text in ("find_files", needle, 'submit'):
        expected = [i for i, e in enumerate(every) if text.lower() in texts(e)]
        assert expected, text
        _, page = get(server, "/api/runs/0/episodes?limit=1000&text=" + urllib.parse.quote(text))
        assert [r["index"] for r in page["rows"]] == expected, text
    _, page = get(server, "/api/runs/0/episodes?limit=1000&text=" + urllib.parse.quote("no such text \u00e9 anywhere"))
    assert page["total"] == 0


def test_episode_gold_only_on_request_and_groups(runs, serve):
    server = serve(runs[0])
    _, ep = get(server, "/api/runs/0/episodes/0")
    assert ep["messages"] == lines(runs[0])[0]["messages"] and "gold" not in ep
    _, ep = get(server, "/api/runs/0/episodes/0?gold=1")
    assert ep["gold"]["id"] == ep["task_id"] and ep["gold"]["gold_files"]
    status, body = get(server, "/api/runs/0/episodes/999")
    assert status == 404 and "no episode 999" in body["error"]
    _, groups = get(server, "/api/runs/0/groups")
    assert [g["task_id"] for g in groups] == ["shop-1", "shop-2", "shop-3"]
    for g in groups:
        rewards = [x["reward"] for x in g["samples"]]
        assert g["n"] == 2 and g["spread"] == pytest.approx(max(rewards) - min(rewards))


def test_vs_find_pairs_same_task_and_sample(runs, serve):
    server = serve(runs[0], runs[1])
    other = lines(runs[1])
    for i, ep in enumerate(lines(runs[0])):
        _, found = get(server, f"/api/runs/1/find?task={ep['task_id']}&sample={ep['sample']}")
        assert (other[found["index"]]["task_id"], other[found["index"]]["sample"]) == (ep["task_id"], ep["sample"])
    _, found = get(server, "/api/runs/1/find?task=nope&sample=0")
    assert found["index"] is None


def test_torn_last_line_is_skipped_with_a_note_then_appears_when_complete(runs, tmp_path, serve):
    run = tmp_path / "live"
    shutil.copytree(runs[0], run)
    n = len(lines(run))
    full = (run / "trajectories.jsonl").read_text().splitlines()[0]
    with open(run / "trajectories.jsonl", "a") as fh:
        fh.write(full[: len(full) // 2])
    server = serve(run)
    _, info = get(server, "/api/runs")
    assert info[0]["episodes"] == n
    assert any("incomplete" in note and "skipped" in note for note in info[0]["notes"])
    with open(run / "trajectories.jsonl", "a") as fh:  # the writer finishes the line: a live run
        fh.write(full[len(full) // 2:] + "\n")
    _, info = get(server, "/api/runs")
    assert info[0]["episodes"] == n + 1 and info[0]["notes"] == []
    _, ep = get(server, f"/api/runs/0/episodes/{n}")
    assert ep["task_id"] == json.loads(full)["task_id"]


def test_invalid_line_is_skipped_with_a_note(runs, tmp_path):
    run = tmp_path / "bad"
    shutil.copytree(runs[0], run)
    text = (run / "trajectories.jsonl").read_text().splitlines()
    (run / "trajectories.jsonl").write_text("\n".join([text[0], "{not json", *text[1:]]) + "\n")
    index = RunIndex(run)
    assert len(index.rows) == len(text)
    assert any("not valid JSON" in n and "line 2" in n for n in index.notes)
    assert index.episode(1)["task_id"] == json.loads(text[1])["task_id"]


def test_bad_run_folder_is_a_clear_error(tmp_path):
    cli = CliRunner()
    result = cli.invoke(app, ["view", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "does not exist" in " ".join(result.output.split())
    result = cli.invoke(app, ["view", str(tmp_path)])
    assert result.exit_code == 2 and "is not a run folder" in " ".join(result.output.split())
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(RunFolderError, match="is a file"):
        make_server(tmp_path / "f.txt", port=0)


def test_binds_loopback_only_by_default(runs, serve):
    server = serve(runs[0])
    assert server.server_address[0] == "127.0.0.1"
    status, page = get(server, "/")
    assert status == 200 and "<script" in page and "http://" not in page.replace("http://www.w3.org", "")
    view_cmd = next(c for c in app.registered_commands if c.name == "view" or c.callback.__name__ == "view")
    import inspect

    assert inspect.signature(view_cmd.callback).parameters["host"].default.default == "127.0.0.1"


def test_exploit_flags_metrics_and_report_link(runs, tmp_path, serve):
    run = tmp_path / "extras"
    shutil.copytree(runs[0], run)
    (run / "stress.json").write_text(json.dumps({"policies": {"null": {"passed_tasks": []},
                                                              "empty_list": {"passed_tasks": ["shop-2"]}}}))
    (run / "metrics.jsonl").write_text("".join(json.dumps({"step": s, "reward_mean": s / 10, "turns_mean": 3})
                                               + "\n" for s in range(5)))
    (run / "report.html").write_text("<html>the report</html>")
    server = serve(run)
    _, page = get(server, "/api/runs/0/episodes?exploit=true&limit=1000")
    assert page["total"] == 2 and {r["task_id"] for r in page["rows"]} == {"shop-2"}
    _, info = get(server, "/api/runs")
    assert info[0]["report"] and info[0]["training"] and info[0]["exploit_tasks"] == ["shop-2"]
    _, metrics = get(server, "/api/runs/0/metrics")
    assert [m["step"] for m in metrics] == list(range(5))
    status, body = get(server, "/runs/0/report.html")
    assert status == 200 and "the report" in body


# -------------------------------------------------------------------------------- browser


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A headless Debian chromium through chromedriver; skipped (outside CI only) when either is missing."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.path.exists(p)]
    if missing:
        reason = f"{', '.join(missing)} not installed (apt-get install chromium chromium-driver)"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but the browser tests cannot run: {reason}")
        pytest.skip(reason)
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"selenium is not installed ({exc}); it is in the dev extra")
        pytest.skip(f"selenium is not installed ({exc}); pip install -e '.[dev]'")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1400,1000",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def wait_for(driver, predicate, timeout: float = 30.0):
    """The first truthy value of ``predicate(driver)`` within ``timeout`` s; AssertionError otherwise."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            value = predicate(driver)
            if value:
                return value
        except (StaleElementReferenceException, WebDriverException) as exc:
            last = exc
        time.sleep(0.1)
    raise AssertionError(f"condition not met in {timeout}s ({last}); page: {driver.find_element('tag name', 'body').text[:800]}")


def shot(driver, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def row_indices(driver) -> list[int]:
    return [int(r.get_attribute("data-index")) for r in driver.find_elements("css selector", "#episodes tr.row")]


def test_browser_list_shows_every_episode_and_filters_by_reward(runs, serve, browser):
    server = serve(runs[0])
    every = lines(runs[0])
    browser.get(server.url)
    wait_for(browser, lambda d: len(row_indices(d)) == len(every))
    assert row_indices(browser) == list(range(len(every)))
    assert f"of {len(every)} episodes" in browser.find_element("id", "count").text
    shot(browser, "list")
    box = browser.find_element("id", "f-min_reward")
    box.clear()
    box.send_keys("0.5\n")
    expected = [i for i, e in enumerate(every) if e["reward"] >= 0.5]
    assert 0 < len(expected) < len(every), "the scripted run should have both solved and failed episodes"
    wait_for(browser, lambda d: row_indices(d) == expected and f"of {len(expected)} episodes" in d.find_element("id", "count").text)
    rewards = [float(r.get_attribute("data-reward")) for r in browser.find_elements("css selector", "#episodes tr.row")]
    assert all(r >= 0.5 for r in rewards)
    shot(browser, "list-filtered")
    browser.find_element("id", "f-text").send_keys("shop-2\n")  # with the reward filter still on
    expected = [i for i in expected if "shop-2" in json.dumps(every[i])]
    assert expected
    wait_for(browser, lambda d: row_indices(d) == expected)
    shot(browser, "list-text-search")


def test_browser_episode_shows_a_turns_parallel_calls_with_outputs(runs, serve, browser):
    server = serve(runs[0])
    every = lines(runs[0])
    i, turn = next((i, k) for i, e in enumerate(every) for k, t in enumerate(e["turns"]) if t["calls"] >= 2)
    ep = every[i]
    assistants = [m for m in ep["messages"] if m["role"] == "assistant"]
    calls = assistants[turn]["tool_calls"]
    outputs = {m["tool_call_id"]: m["content"] for m in ep["messages"] if m["role"] == "tool"}
    browser.get(f"{server.url}#/ep/0/{i}")
    batch = wait_for(browser, lambda d: d.find_elements("css selector", f'.turn[data-turn="{turn}"] .batch'))[0]
    cards = batch.find_elements("css selector", ".call")
    assert len(cards) == len(calls) >= 2
    for card, call in zip(cards, calls):
        assert card.find_element("css selector", ".hdr").text == call["function"]["name"]
        assert "latency" in card.find_element("css selector", ".meta").text
        shown = card.find_element("css selector", ".output").get_attribute("textContent")
        assert outputs[call["id"]].strip()[:200] in shown
    # cards of one batch sit side by side: same top, increasing left
    tops = {c.location["y"] for c in cards}
    lefts = [c.location["x"] for c in cards]
    assert len(tops) == 1 and lefts == sorted(lefts) and len(set(lefts)) == len(lefts)
    assert not browser.find_elements("css selector", "pre.gold")  # gold data only behind the toggle
    shot(browser, "episode")
    browser.find_element("css selector", "input.gold-toggle").click()
    gold = wait_for(browser, lambda d: d.find_elements("css selector", "pre.gold"))[0]
    assert ep["task_id"] in gold.text and "gold_files" in gold.text


def test_browser_vs_shows_both_runs(runs, serve, browser):
    server = serve(runs[0], runs[1])
    a, b = lines(runs[0]), lines(runs[1])
    browser.get(f"{server.url}#/compare")
    rows = wait_for(browser, lambda d: d.find_elements("css selector", "#pairs tr.row"))
    assert len(rows) == len(a)
    shot(browser, "compare")
    rows[0].click()
    sides = wait_for(browser, lambda d: d.find_elements("css selector", "#vs .side .episode"))
    assert len(sides) == 2
    left, right = (s.find_element("tag name", "h3").text for s in sides)
    assert left.startswith("A: parallel") and right.startswith("B: random")
    first = sorted(a, key=lambda e: (e["task_id"], e["sample"]))[0]
    assert f"{first['task_id']} sample {first['sample']}" in left and f"{first['task_id']} sample {first['sample']}" in right
    assert {e["task_id"] for e in b} >= {first["task_id"]}
    shot(browser, "vs")


def test_browser_live_run_shows_appended_episodes(runs, tmp_path, serve, browser):
    run = tmp_path / "live"
    shutil.copytree(runs[0], run)
    text = (run / "trajectories.jsonl").read_text().splitlines()
    (run / "trajectories.jsonl").write_text("\n".join(text[:2]) + "\n")
    server = serve(run)
    browser.get(server.url)
    wait_for(browser, lambda d: len(row_indices(d)) == 2)
    with open(run / "trajectories.jsonl", "a") as fh:
        fh.write("\n".join(text[2:]) + "\n")
    wait_for(browser, lambda d: len(row_indices(d)) == len(text))
    shot(browser, "live")


def test_browser_training_curves(runs, tmp_path, serve, browser):
    run = tmp_path / "train"
    shutil.copytree(runs[0], run)
    (run / "metrics.jsonl").write_text("".join(json.dumps({"step": s, "reward_mean": s / 10, "turns_mean": 5 - s / 4,
                                                           "calls_per_turn": 2 + s / 5, "tool_errors": s % 2,
                                                           "tool_latency_ms": 1 + s, "grader_errors_per_rollout": 0,
                                                           "tokens_per_call": 30 - s})
                                               + "\n" for s in range(8)))
    server = serve(run)
    browser.get(f"{server.url}#/train/0")
    curves = wait_for(browser, lambda d: d.find_elements("css selector", "#curves svg.curve"))
    titles = [c.get_attribute("data-title") for c in curves]
    assert [t.split(" (")[0] for t in titles] == ["reward", "turns", "calls per turn", "tool errors", "tool latency ms",
                                                  "grader errors", "tokens per call"]
    assert all(len(c.find_element("tag name", "polyline").get_attribute("points").split()) == 8 for c in curves)
    shot(browser, "training")


@pytest.fixture(scope="module")
def bugfix_run(tasks, tmp_path_factory) -> Path:  # noqa: F811  (tasks: the fixture imported above)
    """A run folder holding one real BugFix-v0 episode: read, test, fix, test, git_diff, submit."""
    import gymnasium as gym

    from rftgym.rollout.store import RunStore

    env = gym.make("rftgym/BugFix-v0", tasks=list(tasks.values()), split="all", sandbox="local")
    env.reset(seed=0, options={"task_id": "calc-visible"})
    for calls in ([tool_call("read_file", path="calc/stats.py"), tool_call("run_tests", tests=[F2P])],
                  [tool_call("str_replace", **FIX), tool_call("run_tests", tests=["tests/test_stats.py"])],
                  [tool_call("git_diff"), tool_call("submit", summary="median of an even count")]):
        *_, term, _, info = env.step({"role": "assistant", "tool_calls": calls})
    assert term and info["grade"]["score"] == 1.0
    out = tmp_path_factory.mktemp("bugfix-run") / "run"
    RunStore(out).append(env.unwrapped.trajectory)
    env.close()
    return out


def test_browser_bugfix_episode_shows_the_diff_and_test_outcomes(bugfix_run, serve, browser):
    server = serve(bugfix_run)
    browser.get(f"{server.url}#/ep/0/0")
    diff = wait_for(browser, lambda d: d.find_elements("css selector", "pre.diff"))[0]
    assert "+    if len(s) % 2 == 0:" in diff.text and "calc/stats.py" in diff.text
    assert "fail_to_pass 1 passing" in browser.find_element("css selector", ".tests").text
    batch = browser.find_elements("css selector", '.turn[data-turn="1"] .call')
    assert [c.find_element("css selector", ".hdr").text for c in batch] == ["str_replace", "run_tests"]
    assert "8 passed" in batch[1].find_element("css selector", ".output").get_attribute("textContent")
    shot(browser, "bugfix")


def test_cli_serves_the_run_from_a_real_process(runs):
    """`rftgym view RUN --port 0` in its own process: prints the URL, serves the page and the episodes."""
    import re
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    proc = subprocess.Popen([sys.executable, "-m", "rftgym.cli", "view", str(runs[0]), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        url, seen = None, []
        for line in proc.stdout:
            seen.append(line)
            m = re.search(r"serving (http://127\.0\.0\.1:\d+/)", line)
            if m:
                url = m.group(1)
                break
        assert url, "".join(seen)
        with urllib.request.urlopen(url, timeout=30) as r:
            assert "rftgym view" in r.read().decode()
        with urllib.request.urlopen(url + "api/runs/0/episodes", timeout=30) as r:
            assert json.loads(r.read())["total"] == len(lines(runs[0]))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
