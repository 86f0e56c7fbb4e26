"""Shared fixtures: an isolated cache and work dir per session, and real git repositories."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def _isolated_dirs(tmp_path_factory):
    """Snapshots and workspaces of this test session live in its own temp dirs."""
    base = tmp_path_factory.mktemp("rftgym")
    old = {k: os.environ.get(k) for k in ("RFTGYM_CACHE", "RFTGYM_WORKDIR")}
    os.environ["RFTGYM_CACHE"] = str(base / "cache")
    os.environ["RFTGYM_WORKDIR"] = str(base / "ws")
    yield
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@x", "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z",
           "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


FILES = {
    "README.md": "# shop\nA tiny shop library.\n",
    "shop/__init__.py": "",
    "shop/cart.py": "from shop.pricing.tax import apply_tax\n\n\nclass Cart:\n    \"\"\"A shopping cart.\"\"\"\n\n"
                    "    def __init__(self):\n        self.items = []\n\n    def add(self, name, price, qty=1):\n"
                    "        self.items.append((name, price, qty))\n\n    def total(self):\n"
                    "        return apply_tax(sum(p * q for _, p, q in self.items))\n",
    "shop/pricing/__init__.py": "",
    "shop/pricing/tax.py": "TAX_RATE = 0.2\n\n\ndef apply_tax(amount):\n    \"\"\"Add VAT to an amount.\"\"\"\n"
                           "    return round(amount * (1 + TAX_RATE), 2)\n",
    "shop/pricing/discount.py": "def percent_off(amount, pct):\n    return amount * (100 - pct) / 100\n",
    "tests/test_cart.py": "from shop.cart import Cart\n\n\ndef test_total():\n    c = Cart()\n"
                          "    c.add('a', 10.0, 2)\n    assert c.total() == 24.0\n",
}


@pytest.fixture(scope="session")
def shop_repo(tmp_path_factory) -> dict:
    """A real git repo with three commits; tasks pin the second, so the third must stay invisible."""
    root = tmp_path_factory.mktemp("shop") / "shop"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Initial shop")
    (root / "shop/pricing/discount.py").write_text(FILES["shop/pricing/discount.py"] + "\n\ndef flat_off(a, x):\n    return a - x\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Add flat discounts")
    pinned = git(root, "rev-parse", "HEAD").strip()
    (root / "shop/secret_future.py").write_text("FIXED = True\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Fix the future bug")
    future = git(root, "rev-parse", "HEAD").strip()
    return {"path": root, "commit": pinned, "future": future}


@pytest.fixture(scope="session")
def shop_tasks(shop_repo) -> list[dict]:
    base = {"repo": str(shop_repo["path"]), "commit": shop_repo["commit"]}
    return [
        {**base, "id": "shop-1", "split": "test", "prompt": "VAT is added twice when I call total() on a cart",
         "gold_files": ["shop/pricing/tax.py"]},
        {**base, "id": "shop-2", "split": "test", "prompt": "Cart.add ignores the quantity argument",
         "gold_files": ["shop/cart.py"]},
        {**base, "id": "shop-3", "split": "train", "prompt": "percent_off gives wrong results for 100 percent",
         "gold_files": ["shop/pricing/discount.py"]},
    ]


def docker_problem() -> str | None:
    """Why the docker sandbox cannot run here (no engine, or no base image), or ``None`` when it can."""
    from rftgym.sandbox.engine import engine_problem
    from rftgym.sandbox.images import DEFAULT_IMAGE, image_exists, missing_image_error

    problem = engine_problem()
    if problem is None:
        from rftgym.sandbox.engine import connect

        client = connect()
        problem = None if image_exists(client, DEFAULT_IMAGE) else str(missing_image_error(DEFAULT_IMAGE))
        client.close()
    return problem


def docker_or_skip() -> None:
    """Skip a docker test when no engine or base image is here; fail instead under RFTGYM_REQUIRE_DOCKER=1."""
    problem = docker_problem()
    if problem:
        if os.environ.get("RFTGYM_REQUIRE_DOCKER") == "1":
            pytest.fail(f"RFTGYM_REQUIRE_DOCKER=1 but {problem}")
        pytest.skip(problem)


@pytest.fixture(scope="session")
def docker_sandbox():
    """One DockerSandbox for the session: its warm, pooled containers serve every docker test's workspace."""
    docker_or_skip()
    from rftgym.sandbox.docker import DockerSandbox

    with DockerSandbox(warm=1) as sb:
        yield sb


# test_sandbox_local checks LocalWorkspace itself with host-side git and host process listings; the
# docker backend's own checks of the same contract are in test_sandbox_docker.
_BACKENDS_BY_MODULE = {"tests.test_sandbox_local": ("local",)}


def pytest_generate_tests(metafunc):
    """Tests that take ``workspace`` run on both backends, or on those a module lists in ``WORKSPACE_BACKENDS``."""
    if "workspace" in metafunc.fixturenames:
        backends = getattr(metafunc.module, "WORKSPACE_BACKENDS",
                           _BACKENDS_BY_MODULE.get(metafunc.module.__name__, ("local", "docker")))
        metafunc.parametrize("workspace_backend", [pytest.param(b, marks=pytest.mark.docker) if b == "docker" else b
                                                   for b in backends])


@pytest.fixture()
def workspace(shop_repo, workspace_backend, request):
    """A pristine workspace of the shop repo at its pinned commit, in the local or the docker sandbox."""
    if workspace_backend == "docker":
        sb = request.getfixturevalue("docker_sandbox")
        ws = sb.open(str(shop_repo["path"]), shop_repo["commit"])
        yield ws
        sb.release(ws)
        return
    from rftgym.sandbox.local import LocalSandbox

    with LocalSandbox() as sb:
        ws = sb.open(str(shop_repo["path"]), shop_repo["commit"])
        yield ws
        ws.close()


def tool_call(tool_name: str, cid: str | None = None, **args) -> dict:
    import json

    return {"id": cid or f"call_{tool_name}_{abs(hash(json.dumps(args, sort_keys=True))) % 10**8}", "type": "function",
            "function": {"name": tool_name, "arguments": json.dumps(args)}}
