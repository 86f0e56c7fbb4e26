"""CodeQA-v0: questions generated from code, the AnswerMatch grader, episodes and the built-in sets."""

import json
import subprocess
import sys

import gymnasium as gym
import pytest

import rftgym  # noqa: F401
from rftgym.graders.qa import AnswerMatch
from rftgym.sandbox.repos import builtin_commit, builtin_repo_names, builtin_repos_dir
from rftgym.taskgen import generate
from rftgym.tasks import builtin_tasks
from rftgym.types import Task, Trajectory
from tests.conftest import git, tool_call

ZOO = {
    "zoo/__init__.py": "",
    "zoo/errors.py": "class ZooError(Exception):\n    pass\n\n\nclass CageFull(ZooError):\n    pass\n\n\n"
                     "class Escaped(ZooError):\n    pass\n",
    "zoo/util.py": "MAX_ANIMALS = 12\n\n\ndef slug(name, sep='-'):\n    if not name:\n        return ''\n"
                   "    return name.lower().replace(' ', sep)\n",
    "zoo/cage.py": "from zoo.errors import CageFull\nfrom zoo.util import slug\n\n\nclass Cage:\n"
                   "    def admit(self, animal):\n        if len(self.animals) > 3:\n            raise CageFull(animal)\n"
                   "        self.animals.append(slug(animal))\n",
    "zoo/keeper.py": "from zoo import util\nfrom .errors import Escaped\n\n\nclass Keeper:\n"
                     "    def feed_all(self, cages=None):\n        if cages is None:\n            return 0\n"
                     "        raise Escaped('x')\n",
    "tests/test_zoo.py": "from zoo.util import slug\n\n\ndef test_slug():\n    assert slug('Red Panda') == 'red-panda'\n",
}


@pytest.fixture(scope="module")
def zoo_repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("zoo") / "zoo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    for rel, text in ZOO.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "zoo")
    return root


@pytest.fixture(scope="module")
def zoo_tasks(zoo_repo):
    return generate("qa", str(zoo_repo), n=100)


def by_prompt(rows, fragment):
    hits = [r for r in rows if fragment in r["prompt"]]
    assert len(hits) == 1, (fragment, [r["prompt"] for r in rows])
    return hits[0]


def test_generated_questions_have_verifiable_answers(zoo_tasks, zoo_repo):
    rows = zoo_tasks
    assert by_prompt(rows, "Where is `slug` defined")["answer"] == "zoo/util.py"
    assert by_prompt(rows, "method `admit`")["answer"] == "Cage"
    assert by_prompt(rows, "import `zoo.util`")["answer"] == "zoo/cage.py, zoo/keeper.py"
    assert by_prompt(rows, "raises `CageFull`")["answer"] == "Cage.admit"
    assert by_prompt(rows, "raises `CageFull`")["aliases"] == ["admit"]
    assert by_prompt(rows, "subclass `ZooError`")["answer"] == "2"
    assert by_prompt(rows, "`slug` return when its argument `name` is empty")["answer"] == "''"
    assert by_prompt(rows, "`Keeper.feed_all` return when its argument `cages` is None")["answer"] == "0"
    assert by_prompt(rows, "parameter `sep` of `slug`")["answer"] == "'-'"
    assert by_prompt(rows, "constant `MAX_ANIMALS`")["answer"] == "12"
    assert not any("test_zoo" in r["prompt"] or "test_slug" in r["answer"] for r in rows)
    for r in rows:
        assert r["answer"] not in r["prompt"] and r["split"] in ("train", "test") and r["repo"] == str(zoo_repo)
    assert len({r["id"] for r in rows}) == len(rows)
    assert generate("qa", str(zoo_repo), n=100) == rows  # deterministic


def grade(kind, gold, answer, aliases=()):
    task = Task.from_dict({"id": "q", "prompt": "p", "repo": "r", "commit": "c", "answer": gold,
                           "answer_kind": kind, "aliases": list(aliases)})
    return AnswerMatch().grade(task, Trajectory("q", "e", 0, submission={"answer": answer}), None).score


@pytest.mark.parametrize("kind,gold,answer,score", [
    ("path", "zoo/util.py", "zoo/util.py", 1.0), ("path", "zoo/util.py", "It is defined in `./zoo/util.py:4`.", 1.0),
    ("path", "zoo/util.py", "zoo.util", 1.0), ("path", "zoo/util.py", "util.py", 0.0),
    ("path", "zoo/util.py", "zoo/util.py or zoo/cage.py", 0.0), ("path", "zoo/util.py", "the util module", 0.0),
    ("symbol", "Cage", "Cage", 1.0), ("symbol", "Cage", "`Cage`", 1.0), ("symbol", "Cage", "class Cage", 1.0),
    ("symbol", "Cage", "Cage or Keeper", 0.0), ("symbol", "Cage.admit", "admit()", 1.0),
    ("symbol", "Cage.admit", "`Cage.admit` in `zoo/cage.py`", 1.0),
    ("number", "2", "2", 1.0), ("number", "2", "There are 2 subclasses.", 1.0), ("number", "2", "2 or 3", 0.0),
    ("number", "2", "two", 0.0),
    ("value", "''", '""', 1.0), ("value", "'-'", "-", 1.0), ("value", "12", "12.0", 1.0), ("value", "0", "False", 0.0),
    ("value", "None", "`None`", 1.0), ("value", "(1, 2)", "(1,2)", 1.0), ("value", "12", "it is 12", 0.0),
    ("list", "zoo/cage.py, zoo/keeper.py", "zoo/keeper.py, zoo/cage.py", 1.0),
    ("list", "zoo/cage.py, zoo/keeper.py", "The modules are zoo/cage.py and zoo.keeper.", 1.0),
    ("list", "zoo/cage.py, zoo/keeper.py", "zoo/cage.py", 2 / 3),
    ("list", "zoo/cage.py, zoo/keeper.py", "zoo/cage.py, zoo/keeper.py, zoo/util.py, zoo/errors.py", 2 / 3),
    ("text", "Hello, World", "hello world!", 1.0),
])
def test_answer_match_normalises_by_kind(kind, gold, answer, score):
    aliases = ["admit"] if gold == "Cage.admit" else []
    assert grade(kind, gold, answer, aliases) == pytest.approx(score)


def test_answer_match_edge_cases():
    assert grade("path", "a.py", "") == 0.0 and grade("number", "2", "2" * 30_000) == 0.0
    task = Task.from_dict({"id": "q", "prompt": "p", "repo": "r", "commit": "c"})
    g = AnswerMatch().grade(task, Trajectory("q", "e", 0, submission={"answer": "x"}), None)
    assert g.score == 0.0 and "has no answer" in g.error


def test_episode_with_text_answer_and_with_submit(zoo_tasks):
    task = by_prompt(zoo_tasks, "Where is `slug` defined")
    env = gym.make("rftgym/CodeQA-v0", tasks=zoo_tasks, split="all")
    obs, info = env.reset(seed=0, options={"task_id": task["id"]})
    assert "submit" in [t["function"]["name"] for t in info["tools"]] and "zoo/util.py" not in json.dumps(obs)
    env.step({"role": "assistant", "tool_calls": [tool_call("find_symbol", name="slug")]})
    _, reward, term, trunc, info = env.step("zoo/util.py")
    assert (reward, term, trunc) == (1.0, True, False) and info["submission"] == {"answer": "zoo/util.py"}
    env.reset(seed=0, options={"task_id": task["id"]})
    _, reward, term, _, _ = env.step({"role": "assistant", "tool_calls": [tool_call("submit", answer="zoo/cage.py")]})
    assert term and reward == 0.0
    env.close()


def test_cli_generates_qa_tasks(zoo_repo, tmp_path):
    out = tmp_path / "qa.jsonl"
    res = subprocess.run([sys.executable, "-m", "rftgym.cli", "tasks", "generate", "--repo", str(zoo_repo), "--kind",
                          "qa", "--n", "5", "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 5 and all(r["answer_kind"] for r in rows)


@pytest.mark.parametrize("name", [n for n in builtin_repo_names() if n != "perfkit"])
def test_builtin_qa_sets(name):
    tasks = builtin_tasks("qa", [name])
    assert len(tasks) >= 50
    assert {t.split for t in tasks} == {"train", "test"}
    assert {t.commit for t in tasks} == {builtin_commit(name)}, "run `rftgym repos pin`"
    for t in tasks:
        assert t.answer and t.extra["answer_kind"] in ("path", "symbol", "number", "value", "list")
        assert grade(t.extra["answer_kind"], t.answer, t.answer, t.extra.get("aliases", ())) == 1.0, t.id
        if t.extra["answer_kind"] in ("path", "list"):
            assert t.answer.split(",")[0] not in t.prompt


@pytest.mark.parametrize("name", [n for n in builtin_repo_names() if n != "perfkit"])
def test_builtin_qa_sets_match_the_code(name):
    """Answers are facts about the code: a changed repo needs its questions generated again."""
    path = builtin_repos_dir() / name / "tasks" / "qa.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    assert generate("qa", name, n=60) == rows, (f"repos/{name} changed since its questions were generated; run "
                                                f"rftgym tasks generate --repo {name} --kind qa --n 60 "
                                                f"--out repos/{name}/tasks/qa.jsonl")
