"""Environment recipes (issue 13 part 4): a task set names what its repo's tests need; the local sandbox
runs them in a venv built once per recipe, the Docker sandbox in an image `rftgym images build --for` makes.

The pip requirement is a tiny real wheel built here (no network): ``tinydep`` with ``VALUE = 42``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rftgym.cli import app
from rftgym.sandbox.local import LocalSandbox
from rftgym.sandbox.recipes import Recipe, RecipeError, build_venv, lookup, register
from rftgym.tasks import load_tasks
from rftgym.types import TaskError
from tests.conftest import docker_or_skip, git


def _wheel(folder: Path, name: str = "tinydep", version: str = "1.0", value: int = 42) -> Path:
    """A minimal valid pure-Python wheel of package ``name``."""
    files = {f"{name}/__init__.py": f"VALUE = {value}\n",
             f"{name}-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
             f"{name}-{version}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: rftgym-test\nRoot-Is-Purelib: true\n"
                                                  "Tag: py3-none-any\n"}
    record = []
    for rel, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{rel},sha256={digest},{len(text.encode())}")
    record.append(f"{name}-{version}.dist-info/RECORD,,")
    files[f"{name}-{version}.dist-info/RECORD"] = "\n".join(record) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for rel, text in files.items():
            zf.writestr(rel, text)
    return path


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wheels")
    _wheel(folder)
    return folder


@pytest.fixture(scope="module")
def src_repo(tmp_path_factory) -> dict:
    """A src-layout repo whose code needs ``tinydep``: only a recipe's environment can import it."""
    root = tmp_path_factory.mktemp("srcrepo") / "widget"
    (root / "src/widget").mkdir(parents=True)
    (root / "src/widget/__init__.py").write_text("import tinydep\n\n\ndef answer():\n    return tinydep.VALUE\n")
    (root / "tests").mkdir()
    (root / "tests/test_widget.py").write_text("from widget import answer\n\n\ndef test_answer():\n"
                                               "    assert answer() == 42\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Start widget")
    return {"path": root, "commit": git(root, "rev-parse", "HEAD").strip()}


def _recipe(wheels: Path, **extra) -> Recipe:
    return Recipe(repo="acme/widget", pip=("--no-index", "--find-links", str(wheels), "tinydep"),
                  pythonpath=("src",), **extra)


def test_recipe_venv_is_built_once_and_runs_the_workspace_code(wheels, src_repo):
    recipe = _recipe(wheels)
    first = build_venv(recipe)
    again = build_venv(recipe)
    assert first.built and not again.built and again.root == first.root
    assert build_venv(_recipe(wheels, pre_install=("true",))).root != first.root  # another recipe, another venv
    image = register(recipe)
    assert lookup(image) == recipe and image.startswith("rftgym-env:")
    with LocalSandbox(pool_size=1) as sandbox:
        ws = sandbox.open(str(src_repo["path"]), src_repo["commit"], image=image)
        res = ws.exec(["python", "-c", "import sys, tinydep, widget; print(widget.answer(), widget.__file__, sys.prefix)"])
        assert res.ok, res.combined()
        value, module, prefix = res.stdout.split()
        assert value == "42" and module == str(ws.root / "src/widget/__init__.py") and prefix == first.root
        # The agent's edit is what runs: the project comes from the workspace, not from the venv.
        (ws.root / "src/widget/__init__.py").write_text("def answer():\n    return 7\n")
        assert ws.exec(["python", "-c", "import widget; print(widget.answer())"]).stdout.strip() == "7"
        sandbox.release(ws)
        plain = sandbox.open(str(src_repo["path"]), src_repo["commit"])  # no recipe: rftgym's interpreter
        assert "No module named" in plain.exec(["python", "-c", "import tinydep"]).combined()
        sandbox.release(plain)


def test_a_failing_recipe_names_itself_and_the_step(wheels):
    bad = Recipe(repo="acme/widget", pip=("--no-index", "--find-links", str(wheels), "no-such-package-xyz"))
    with pytest.raises(RecipeError, match=r"recipe acme/widget.*pip install.*exited"):
        build_venv(bad)


def _task_file(folder: Path, repo: Path, commit: str, rows: list[dict], recipes: list[dict] | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    base = {"repo": str(repo), "commit": commit, "prompt": "widget.answer() is wrong",
            "fail_to_pass": ["tests/test_widget.py::test_answer"]}
    path = folder / "tasks.jsonl"
    path.write_text("".join(json.dumps({**base, **r}) + "\n" for r in rows))
    if recipes is not None:
        (folder / "tasks.recipes.json").write_text(json.dumps({"recipes": recipes}))
    return path


def test_task_set_recipes_file_gives_tasks_their_environment(wheels, src_repo, tmp_path):
    recipe = {"repo": "widget", "pip": ["--no-index", "--find-links", str(wheels), "tinydep"], "pythonpath": ["src"]}
    path = _task_file(tmp_path / "a", src_repo["path"], src_repo["commit"], [{"id": "w1"}], [recipe])
    (task,) = load_tasks(str(path), kind="bugfix")
    assert task.image == Recipe.from_dict(recipe).image
    # A row may pick a recipe by name, or carry one inline.
    named = {**recipe, "name": "widget-env", "repo": "someone/else"}
    path = _task_file(tmp_path / "b", src_repo["path"], src_repo["commit"],
                      [{"id": "w2", "recipe": "widget-env"}, {"id": "w3", "recipe": recipe}], [named])
    assert [t.image for t in load_tasks(str(path), kind="bugfix")] == [Recipe.from_dict(named).image,
                                                                        Recipe.from_dict(recipe).image]


def test_missing_recipe_is_a_clear_error_naming_the_repo(src_repo, tmp_path):
    other = {"repo": "acme/other", "pip": ["pytest"]}
    path = _task_file(tmp_path / "c", src_repo["path"], src_repo["commit"], [{"id": "w1"}], [other])
    with pytest.raises(TaskError, match=r"no environment recipe for repo .*widget.*add \{\"repo\": .*widget.*"
                                        r"tasks\.recipes\.json"):
        load_tasks(str(path), kind="bugfix")
    path = _task_file(tmp_path / "d", src_repo["path"], src_repo["commit"], [{"id": "w1", "recipe": "nope"}], None)
    with pytest.raises(TaskError, match=r"task w1 names recipe 'nope', which is not defined"):
        load_tasks(str(path), kind="bugfix")
    with pytest.raises(RecipeError, match=r"unknown recipe field\(s\) pipp"):
        Recipe.from_dict({"repo": "a/b", "pipp": ["x"]})


def _broken_widget_tasks(src_repo, tmp_path, recipe) -> Path:
    """A task file of one bug-fix task: widget with a bug committed on top, its gold patch the fix."""
    root = tmp_path / "fix" / "widget"
    git(tmp_path, "clone", "-q", str(src_repo["path"]), str(root))
    git(root, "config", "user.email", "t@x")
    git(root, "config", "user.name", "t")
    (root / "src/widget/__init__.py").write_text("import tinydep\n\n\ndef answer():\n    return tinydep.VALUE + 1\n")
    git(root, "commit", "-qam", "Break widget")
    broken = git(root, "rev-parse", "HEAD").strip()
    gold = git(root, "diff", broken, src_repo["commit"], "--", "src")
    path = _task_file(tmp_path / "e", root, broken, [{"id": "w1", "gold_patch": gold}], [recipe])
    return path


def test_eval_grades_in_the_recipe_environment(wheels, src_repo, tmp_path):
    """TestsPass runs the hidden tests in the recipe's venv: the gold patch passes there."""
    recipe = {"repo": "widget", "pip": ["--no-index", "--find-links", str(wheels), "tinydep"], "pythonpath": ["src"],
              "inherit": True}  # pytest comes from rftgym's own environment: no network here
    path = _broken_widget_tasks(src_repo, tmp_path, recipe)
    rewards = {}
    for policy in ("oracle:gold", "oracle:null"):
        out = tmp_path / policy.replace(":", "-")
        res = CliRunner().invoke(app, ["eval", "rftgym/BugFix-v0", "--tasks", str(path), "--policy", policy,
                                       "--out", str(out), "--workers", "1"])
        assert res.exit_code == 0, res.output
        rewards[policy] = [json.loads(line)["reward"] for line in (out / "trajectories.jsonl").read_text().splitlines()]
    assert rewards == {"oracle:gold": [1.0], "oracle:null": [0.0]}


def test_images_build_for_tasks_builds_the_recipe_image(wheels, src_repo, tmp_path):
    """`rftgym images build --for TASKS` derives the recipe's image (network off during the build), and the
    docker sandbox runs the workspace's code with the recipe's packages in it."""
    docker_or_skip()
    recipe = {"repo": "widget", "pip": ["--no-index", "--find-links", str(wheels), "tinydep"], "pythonpath": ["src"]}
    path = _task_file(tmp_path / "f", src_repo["path"], src_repo["commit"], [{"id": "w1"}], [recipe])
    image = Recipe.from_dict(recipe).image
    res = CliRunner().invoke(app, ["images", "build", "--for", str(path), "--force"])
    assert res.exit_code == 0, res.output
    assert image in res.output
    from rftgym.sandbox.docker import DockerSandbox

    with DockerSandbox(pool_size=0, warm=0) as sandbox:
        ws = sandbox.open(str(src_repo["path"]), src_repo["commit"], image=image)
        out = ws.exec(["python3", "-c", "import widget; print(widget.answer(), widget.__file__)"])
        assert out.ok and out.stdout.split() == ["42", "/workspace/src/widget/__init__.py"], out.combined()
        sandbox.release(ws)
    res = CliRunner().invoke(app, ["images", "build", "--for", str(path)])
    assert res.exit_code == 0 and "exists" in res.output


def test_validate_names_the_missing_module_and_the_recipe_to_add(tmp_path):
    """A task whose tests need a package rftgym's environment lacks: the problem says what to add."""
    from rftgym.taskgen.validate import validate

    root = tmp_path / "gadget"
    root.mkdir()
    (root / "gadget.py").write_text("import tinydep\n\n\ndef answer():\n    return tinydep.VALUE + 1\n")
    (root / "tests").mkdir()
    (root / "tests/test_gadget.py").write_text("from gadget import answer\n\n\ndef test_answer():\n"
                                               "    assert answer() == 42\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Start gadget")
    commit = git(root, "rev-parse", "HEAD").strip()
    (root / "gadget.py").write_text("import tinydep\n\n\ndef answer():\n    return tinydep.VALUE\n")
    gold = git(root, "diff")
    git(root, "checkout", "--", "gadget.py")
    tasks = load_tasks([{"id": "g1", "repo": str(root), "commit": commit, "prompt": "answer is off by one",
                         "fail_to_pass": ["tests/test_gadget.py::test_answer"], "gold_patch": gold}])
    (problems,) = validate(tasks, workers=1).values()
    assert any("cannot import tinydep" in p and '"pip": ["tinydep"]' in p and str(root) in p for p in problems), problems


def test_tasks_carry_their_recipe_to_processes_without_the_recipes_file(wheels, src_repo, tmp_path, monkeypatch):
    """A Ray actor (or replay from a run folder) builds tasks from dicts: the recipe travels in the row,
    and a recipe image no recipe stands for is an error, never rftgym's own interpreter."""
    from rftgym.sandbox import recipes
    from rftgym.types import Task

    recipe = {"repo": "widget", "pip": ["--no-index", "--find-links", str(wheels), "tinydep"], "pythonpath": ["src"]}
    path = _task_file(tmp_path / "r", src_repo["path"], src_repo["commit"], [{"id": "w1"}], [recipe])
    (task,) = load_tasks(str(path), kind="bugfix")
    row = json.loads(json.dumps(task.to_dict()))
    monkeypatch.setattr(recipes, "_registry", {})  # another process: nothing registered
    with pytest.raises(RecipeError, match="does not know"):
        recipes.local_env(task.image)
    (again,) = load_tasks([Task.from_dict(row)])
    assert again.image == task.image and lookup(task.image) is not None


@pytest.mark.slow
def test_eval_on_ray_grades_in_the_recipe_environment(wheels, src_repo, tmp_path):
    """The same gold patch through Ray actors: they get the recipe with the tasks (it once ran the
    tests with rftgym's own interpreter there, scoring the gold patch 0)."""
    recipe = {"repo": "widget", "pip": ["--no-index", "--find-links", str(wheels), "tinydep"], "pythonpath": ["src"],
              "inherit": True}
    path = _broken_widget_tasks(src_repo, tmp_path, recipe)
    out = tmp_path / "ray"
    res = CliRunner().invoke(app, ["eval", "rftgym/BugFix-v0", "--tasks", str(path), "--policy", "oracle:gold",
                                   "--out", str(out), "--workers", "1", "--backend", "ray"])
    assert res.exit_code == 0, res.output
    (line,) = (out / "trajectories.jsonl").read_text().splitlines()
    assert json.loads(line)["reward"] == 1.0, json.loads(line).get("grade")
