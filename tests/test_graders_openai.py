"""OpenAI-format graders: each type against hand-computed values, limits, real HTTP judges and endpoints."""

import json
import random
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import gymnasium as gym
import pytest

import rftgym  # noqa: F401
from rftgym.graders.multi import FormulaError, evaluate, parse_formula
from rftgym.graders.openai_format import (GradeContext, GraderConfigError, OpenAIGrader, build_sample, load_grader,
                                          render)
from rftgym.graders.python_grader import no_network_prefix
from rftgym.graders.similarity import lcs_length, similarity
from rftgym.types import Task, Trajectory, TurnRecord
from tests.conftest import tool_call

ITEM = {"id": "t1", "answer": "shop/pricing/tax.py", "gold_files": ["shop/pricing/tax.py"], "n": 3}


def sample(text="", out=None, tools=None):
    return {"output_text": text, "output_json": out or {}, "output_tools": tools or []}


def run(config, s, item=ITEM, **options):
    return OpenAIGrader(config, **options).run(s, item)


# -- string_check and templates --------------------------------------------------------------------------
@pytest.mark.parametrize("op,text,score", [("eq", "shop/pricing/tax.py", 1.0), ("eq", "Shop/pricing/tax.py", 0.0),
                                          ("ne", "shop/cart.py", 1.0), ("ne", "shop/pricing/tax.py", 0.0),
                                          ("like", "in shop/pricing/tax.py!", 1.0), ("like", "SHOP/PRICING/TAX.PY", 0.0),
                                          ("ilike", "in SHOP/PRICING/TAX.PY", 1.0), ("ilike", "tax", 0.0)])
def test_string_check_operations(op, text, score):
    config = {"type": "string_check", "name": "s", "operation": op, "input": "{{ sample.output_text }}",
              "reference": "{{item.answer}}"}
    grade = run(config, sample(text))
    assert grade.score == score and grade.error is None and grade.components["s"] == score


def test_templates_read_nested_json_lists_and_non_strings():
    s = sample(out={"files": ["a.py", "b.py"], "meta": {"k": 2}}, tools=[{"function": {"name": "grep"}}])
    assert render("{{sample.output_json.files[1]}}|{{ sample.output_json.meta.k }}|{{item.n}}", s, ITEM) == "b.py|2|3"
    assert render("{{sample.output_tools[0].function.name}}", s, ITEM) == "grep"
    assert json.loads(render("{{sample.output_json.files}}", s, ITEM)) == ["a.py", "b.py"]
    config = {"type": "string_check", "name": "s", "operation": "eq", "input": "{{sample.output_json.nope}}",
              "reference": "x"}
    grade = run(config, s)
    assert grade.score == 0.0 and "no 'nope'" in grade.error


@pytest.mark.parametrize("config,message", [
    ({"type": "string_check", "name": "s", "operation": "eq", "input": "x"}, "needs reference"),
    ({"type": "string_check", "name": "s", "operation": "contains", "input": "x", "reference": "y"}, "eq, ne, like"),
    ({"type": "string_check", "name": "s", "operation": "eq", "input": "{{ foo.bar }}", "reference": "y"}, "item"),
    ({"type": "string_check", "name": "s", "operation": "eq", "input": "x", "reference": "y", "extra": 1}, "unknown"),
    ({"type": "label_model", "name": "l"}, "score_model"),
    ({"type": "bogus", "name": "b"}, "use one of"),
    ({"type": "text_similarity", "name": "t", "input": "x", "reference": "y", "evaluation_metric": "cosine"},
     "embedding"),
    ({"type": "python", "name": "p", "source": "def grade(s, i):\n  return (\n"}, "syntax error"),
    ({"type": "multi", "name": "m", "graders": {"a": {"type": "string_check", "name": "a", "operation": "eq",
                                                      "input": "x", "reference": "x"}},
      "calculate_output": "a + b"}, "not graders"),
    ({"type": "multi", "name": "m", "graders": {"a": {"type": "string_check", "name": "a", "operation": "eq",
                                                      "input": "x", "reference": "x"}},
      "calculate_output": "__import__('os').system('x')"}, "calculate_output"),
    ({"type": "rftgym", "name": "no_such_grader"}, "built-in graders"),
    ({"type": "endpoint", "name": "e", "url": "ftp://x"}, "http"),
    ({"type": "score_model", "name": "j", "model": "m", "input": [{"role": "user", "content": "x"}],
      "range": [1, 0]}, "increasing"),
])
def test_config_errors_name_the_field_and_the_fix(config, message):
    with pytest.raises(GraderConfigError, match=message):
        OpenAIGrader(config)


# -- text_similarity ------------------------------------------------------------------------------
@pytest.mark.parametrize("metric,text,ref,expected", [
    ("fuzzy_match", "kitten", "sitting", 8 / 13),
    ("fuzzy_match", "", "", 1.0),
    ("bleu", "the cat sat on the mat", "the cat sat on the mat", 1.0),
    ("bleu", "the cat sat", "the cat sat on the mat", 2.718281828 ** -1),
    ("bleu", "a b c d", "e f g h", 0.0),
    ("gleu", "the cat", "the cat sat", 0.5),
    ("rouge_1", "the cat sat", "the cat sat on the mat", 2 / 3),
    ("rouge_2", "the cat sat", "the cat sat on the mat", 2 * 0.4 / 1.4),
    ("rouge_l", "cat the sat", "the cat sat", 2 / 3),
    ("rouge_1", "cat the sat", "the cat sat", 1.0),
    ("rouge_5", "a b c d e", "a b c d e", 1.0),
    ("meteor", "the cat sat", "the cat sat", 1 - 0.5 / 27),
    ("meteor", "sat the cat", "the cat sat", (1 - 0.5 * (2 / 3) ** 3)),
    ("rouge_l", "", "the cat", 0.0),
])
def test_similarity_metrics_match_hand_computed_values(metric, text, ref, expected):
    assert similarity(metric, text, ref) == pytest.approx(expected, abs=1e-6)


def test_text_similarity_pass_threshold_and_bit_parallel_lcs():
    config = {"type": "text_similarity", "name": "sim", "input": "{{sample.output_text}}",
              "reference": "{{item.answer}}", "evaluation_metric": "fuzzy_match", "pass_threshold": 0.9}
    assert run(config, sample("shop/pricing/tax.py")).components == {"sim": 1.0, "passed": 1.0}
    assert run(config, sample("shop/cart.py")).components["passed"] == 0.0
    rng = random.Random(0)
    for _ in range(200):
        a = "".join(rng.choice("abc") for _ in range(rng.randint(0, 12)))
        b = "".join(rng.choice("abc") for _ in range(rng.randint(0, 12)))
        dp = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
        for i in range(len(a)):
            for j in range(len(b)):
                dp[i + 1][j + 1] = dp[i][j] + 1 if a[i] == b[j] else max(dp[i][j + 1], dp[i + 1][j])
        assert lcs_length(a, b) == dp[-1][-1]


# -- python ---------------------------------------------------------------------------------------
def py(source, **options):
    return OpenAIGrader({"type": "python", "name": "p", "source": source}, **options)


def test_python_grader_scores_and_keeps_errors():
    src = "def grade(sample, item):\n    return float(sample['output_text'] == item['answer'])\n"
    assert py(src).run(sample("shop/pricing/tax.py"), ITEM).score == 1.0
    grade = py("def grade(sample, item):\n    return 1 / 0\n").run(sample(), ITEM)
    assert grade.score == 0.0 and "ZeroDivisionError" in grade.error
    grade = py("def grade(sample, item):\n    print('noise')\n    return 'yes'\n").run(sample(), ITEM)
    assert grade.score == 0.0 and "not a number" in grade.error


def test_python_grader_time_and_memory_limits():
    start = time.monotonic()
    grade = py("def grade(sample, item):\n    while True:\n        pass\n", python_timeout=1.5).run(sample(), ITEM)
    assert grade.score == 0.0 and ("limit" in grade.error or "killed" in grade.error)
    assert time.monotonic() - start < 10
    grade = py("def grade(sample, item):\n    x = bytearray(2 << 30)\n    return 1.0\n",
               python_memory_mb=256).run(sample(), ITEM)
    assert grade.score == 0.0 and "MemoryError" in grade.error


def test_python_grader_has_no_network():
    if not no_network_prefix():
        pytest.skip("unshare -n is not allowed here; the python grader then runs with the host's network")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    try:
        src = (f"import socket\ndef grade(sample, item):\n    socket.create_connection(('127.0.0.1', {port}), "
               "timeout=2)\n    return 1.0\n")
        grade = py(src).run(sample(), ITEM)
        assert grade.score == 0.0 and ("Error" in grade.error or "refused" in grade.error)
    finally:
        server.close()


# -- a real HTTP server on loopback for judges and endpoints -----------------------------------------
class Server:
    """Replies come from ``respond(path, body) -> (status, body, delay)``; requests are recorded."""

    def __init__(self, respond):
        self.requests = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append((time.monotonic(), self.path, body, dict(self.headers)))
                status, reply, delay = respond(self.path, body)
                time.sleep(delay)
                data = json.dumps(reply).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def chat(content):
    return 200, {"id": "c", "object": "chat.completion", "created": 0, "model": "judge",
                 "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
                 "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}, 0.0


JUDGE = {"type": "score_model", "name": "judge", "model": "judge-model", "pass_threshold": 0.5,
         "input": [{"role": "developer", "content": "Grade it."},
                   {"role": "user", "content": [{"type": "input_text", "text": "Reference: {{item.answer}}\n"},
                                                {"type": "input_text", "text": "Answer: {{sample.output_text}}"}]}],
         "sampling_params": {"temperature": 0, "seed": 3, "max_completions_tokens": 20}}


@pytest.mark.parametrize("reply,score,error", [
    ("0.7", 0.7, None), ('{"steps": [], "result": 0.4}', 0.4, None), ("```json\n{\"score\": 1}\n```", 1.0, None),
    ("Looks right to me.\nScore: 0.9", 0.9, None), ("The answer is correct", 0.0, "not a score"),
    ("", 0.0, "not a score"), ("3", 0.0, "outside its range"), ("1 or 0.5", 0.0, "not a score"),
])
def test_score_model_parses_only_numbers_in_range(reply, score, error):
    server = Server(lambda path, body: chat(reply))
    try:
        grade = run(JUDGE, sample("shop/pricing/tax.py"), judge_base_url=server.url + "/v1")
    finally:
        server.close()
    assert grade.score == pytest.approx(score)
    assert (grade.error is None) if error is None else (error in grade.error)
    _, path, body, _ = server.requests[0]
    assert path == "/v1/chat/completions" and body["model"] == "judge-model"
    assert body["messages"] == [{"role": "system", "content": "Grade it."},
                                {"role": "user", "content": "Reference: shop/pricing/tax.py\nAnswer: shop/pricing/tax.py"}]
    assert body["temperature"] == 0 and body["seed"] == 3 and body["max_completion_tokens"] == 20


def test_score_model_range_and_missing_endpoint(monkeypatch):
    server = Server(lambda path, body: chat("7"))
    try:
        grade = run({**JUDGE, "range": [0, 10], "pass_threshold": 6}, sample("x"), judge_base_url=server.url + "/v1")
    finally:
        server.close()
    assert grade.score == 7.0 and grade.components["passed"] == 1.0
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "RFTGYM_JUDGE_BASE_URL", "RFTGYM_JUDGE_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    grade = run(JUDGE, sample("x"))
    assert grade.score == 0.0 and "no judge endpoint" in grade.error


# -- endpoint -------------------------------------------------------------------------------------
def test_endpoint_posts_sample_item_trace_id_and_retries(monkeypatch):
    calls = []

    def respond(path, body):
        calls.append(body)
        return (503, {"error": "busy"}, 0.0) if len(calls) < 3 else (200, {"score": 0.8, "components": {"x": 1}}, 0.0)

    server = Server(respond)
    try:
        config = {"type": "endpoint", "name": "remote", "url": server.url + "/grade", "max_retries": 3,
                  "headers": {"Authorization": "Bearer ${RFTGYM_TEST_TOKEN}"}}
        monkeypatch.setenv("RFTGYM_TEST_TOKEN", "sekrit")
        traj = Trajectory("t1", "e", seed=5, sample=2, submission={"answer": "a"},
                          messages=[{"role": "assistant", "content": None, "tool_calls": [tool_call("submit", answer="a")]}])
        task = Task.from_dict({**ITEM, "prompt": "p", "repo": "r", "commit": "c"})
        grade = OpenAIGrader(config).grade(task, traj, None)
    finally:
        server.close()
    assert grade.score == 0.8 and grade.components["x"] == 1.0 and len(calls) == 3
    body = calls[-1]
    assert body["trace_id"] == "t1#2-5" and body["item"]["answer"] == "shop/pricing/tax.py"
    assert body["sample"]["output_json"] == {"answer": "a"} and body["sample"]["output_text"] == "a"
    assert body["sample"]["output_tools"][0]["function"]["name"] == "submit"
    assert server.requests[-1][3]["Authorization"] == "Bearer sekrit"


def test_endpoint_client_errors_fail_fast_and_timeouts_are_retried_then_fail():
    server = Server(lambda path, body: (400, {"error": "bad"}, 0.0) if path == "/bad" else (200, {"score": 1}, 1.5))
    try:
        grade = run({"type": "endpoint", "name": "e", "url": server.url + "/bad", "max_retries": 3}, sample())
        assert grade.score == 0.0 and "HTTP 400" in grade.error and len(server.requests) == 1
        start = time.monotonic()
        grade = run({"type": "endpoint", "name": "e", "url": server.url + "/slow", "timeout": 0.3,
                     "max_retries": 1}, sample())
        assert grade.score == 0.0 and "failed 2 time(s)" in grade.error
        assert time.monotonic() - start < 1.5 and len(server.requests) == 3
    finally:
        server.close()


def test_endpoint_rate_limit_spaces_requests():
    server = Server(lambda path, body: (200, {"score": 1.0}, 0.0))
    try:
        config = {"type": "endpoint", "name": "e", "url": server.url + "/rl", "rate_limit": 600}
        for _ in range(4):
            assert run(config, sample()).score == 1.0
    finally:
        server.close()
    times = [t for t, *_ in server.requests]
    assert times[-1] - times[0] >= 0.28  # 600/min: one every 0.1 s


# -- multi, formulas and built-in graders ---------------------------------------------------------------
@pytest.mark.parametrize("formula,value", [
    ("(a + b) / 2", 0.75), ("2^3^2", 512.0), ("2 ** 3", 8.0), ("-a + abs(-2)", 1.5), ("min(a, b, 0.25)", 0.25),
    ("max(a, b)", 1.0), ("floor(2.7) + ceil(0.2)", 3.0), ("sqrt(16) + log(exp(1))", 5.0), ("a * b - b / 4", 0.25),
    ("1e-1 * 10", 1.0), ("-(a - b)", 0.5),
])
def test_formulas(formula, value):
    assert evaluate(parse_formula(formula), {"a": 0.5, "b": 1.0}) == pytest.approx(value)


@pytest.mark.parametrize("formula", ["a / 0", "a / (b - 1)", "sqrt(-1)", "log(0)", "exp(1000)", "(-8) ^ 0.5"])
def test_formula_domain_errors(formula):
    with pytest.raises(FormulaError):
        evaluate(parse_formula(formula), {"a": 0.5, "b": 1.0})


@pytest.mark.parametrize("bad", ["a +", "min()", "a b", "abs(1, 2)", "lambda: 1", "a.__class__", "a[0]", ""])
def test_formula_syntax_errors(bad):
    with pytest.raises(FormulaError):
        parse_formula(bad)


def test_multi_combines_named_graders_and_reports_division_by_zero():
    config = {"type": "multi", "name": "m", "pass_threshold": 0.6, "calculate_output": "0.5 * exact + 0.5 * sim",
              "graders": {"exact": {"type": "string_check", "name": "exact", "operation": "eq",
                                    "input": "{{sample.output_text}}", "reference": "{{item.answer}}"},
                          "sim": {"type": "text_similarity", "name": "sim", "input": "{{sample.output_text}}",
                                  "reference": "{{item.answer}}", "evaluation_metric": "rouge_1"}}}
    grade = run(config, sample("shop pricing"))
    assert grade.components["exact"] == 0.0 and grade.components["sim"] == pytest.approx(2 * (2 / 2) * (2 / 4) / 1.5)
    assert grade.score == pytest.approx(0.5 * grade.components["sim"]) and grade.components["passed"] == 0.0
    grade = run({**config, "calculate_output": "exact / sim"}, sample("nothing alike"))
    assert grade.score == 0.0 and "division by zero" in grade.error
    single = {**config, "graders": config["graders"]["exact"], "calculate_output": "exact * 2"}
    assert run(single, sample("shop/pricing/tax.py")).score == 2.0


def test_rftgym_builtin_inside_multi_with_an_efficiency_penalty(shop_tasks):
    config = {"type": "multi", "name": "loc", "calculate_output": "f1 - 0.5 * calls + 0 * f1.recall",
              "graders": {"f1": {"type": "rftgym", "name": "file_set_f1"},
                          "calls": {"type": "rftgym", "name": "tool_calls_over_budget", "options": {"budget": 2}}}}
    env = gym.make("rftgym/FileLocalization-v0", tasks=shop_tasks, split="all", grader=load_grader(config))
    env.reset(seed=0, options={"task_id": "shop-1"})
    env.step({"role": "assistant", "tool_calls": [tool_call("grep", pattern="TAX"), tool_call("list_dir", path=".")]})
    *_, info = env.step({"role": "assistant", "tool_calls": [tool_call("submit", files=["shop/pricing/tax.py"])]})
    env.close()
    comps = info["grade"]["components"]
    assert comps["f1"] == 1.0 and comps["calls"] == 0.5 and comps["calls.tool_calls"] == 3.0
    assert info["grade"]["score"] == pytest.approx(0.75)


def test_openai_grader_as_env_grader_builds_the_sample(shop_tasks):
    config = {"type": "string_check", "name": "first_file", "operation": "eq",
              "input": "{{sample.output_json.files[0]}}", "reference": "{{item.gold_files[0]}}"}
    env = gym.make("rftgym/FileLocalization-v0", tasks=shop_tasks, split="all", grader=load_grader(config))
    env.reset(seed=0, options={"task_id": "shop-2"})
    _, reward, term, _, info = env.step({"role": "assistant", "content": "found it",
                                         "tool_calls": [tool_call("submit", files=["shop/cart.py", "x.py"])]})
    s = build_sample(env.unwrapped.trajectory)
    env.close()
    assert term and reward == 1.0 and info["grade"]["components"] == {"first_file": 1.0}
    assert s["output_text"] == "found it" and s["output_json"] == {"files": ["shop/cart.py", "x.py"]}
    assert s["output_tools"][0]["function"]["name"] == "submit" and s["choices"][0]["message"]["role"] == "assistant"
    traj = Trajectory("t", "e", 0, submission={"answer": "42"}, turns=[TurnRecord(calls=1)])
    assert build_sample(traj)["output_text"] == "42"


# -- the command line -----------------------------------------------------------------------------
def cli(*args):
    return subprocess.run([sys.executable, "-m", "rftgym.cli", *args], capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, "COLUMNS": "200"})


def test_cli_validate_and_run(tmp_path):
    good = tmp_path / "g.json"
    good.write_text(json.dumps({"type": "multi", "name": "m", "calculate_output": "a",
                                "graders": {"a": {"type": "string_check", "name": "a", "operation": "ilike",
                                                  "input": "{{sample.output_text}}", "reference": "{{item.answer}}"}}}))
    out = cli("graders", "validate", str(good))
    assert out.returncode == 0 and "valid" in out.stdout and "string_check" in out.stdout
    bad = tmp_path / "b.json"
    bad.write_text(json.dumps({"type": "string_check", "name": "s", "operation": "eq", "input": "x"}))
    out = cli("graders", "validate", str(bad))
    assert out.returncode == 1 and "needs reference" in out.stderr
    (tmp_path / "s.json").write_text(json.dumps({"output_text": "It is in SHOP/PRICING/TAX.PY"}))
    (tmp_path / "i.json").write_text(json.dumps(ITEM))
    out = cli("graders", "run", str(good), "--sample", str(tmp_path / "s.json"), "--item", str(tmp_path / "i.json"))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["score"] == 1.0


def test_grade_context_is_optional_for_sample_graders():
    grade = OpenAIGrader({"type": "rftgym", "name": "file_set_f1"}).root.run(sample(out={"files": ["a"]}), ITEM,
                                                                              GradeContext())
    assert grade.score == 0.0 and "needs an episode" in grade.error
