"""Ranked localization metrics, checked against values computed by hand."""

import math

import pytest

from rftgym.graders import FileSetF1
from rftgym.graders.ranked import normalize_function, ranked_metrics
from rftgym.types import Task, Trajectory

L2 = math.log2


def test_two_gold_found_at_ranks_one_and_three():
    m = ranked_metrics(["a.py", "x.py", "./b.py", "y.py"], ["a.py", "b.py"], ks=(1, 3, 5))
    assert m["acc@1"] == 0.0 and m["acc@3"] == 1.0 and m["acc@5"] == 1.0
    assert m["recall@1"] == 0.5 and m["recall@3"] == 1.0
    assert m["map"] == pytest.approx((1 / 1 + 2 / 3) / 2)  # precision at each gold's rank
    assert m["mrr"] == 1.0
    # DCG@3 = 1/log2(2) + 1/log2(4) = 1.5; IDCG@3 = 1 + 1/log2(3)
    assert m["ndcg@3"] == pytest.approx(1.5 / (1 + 1 / L2(3)))
    assert m["ndcg@1"] == 1.0


def test_first_hit_late_and_one_gold_missing():
    m = ranked_metrics(["x.py", "y.py", "b.py"], ["a.py", "b.py"], ks=(1, 3))
    assert m["mrr"] == pytest.approx(1 / 3)
    assert m["map"] == pytest.approx((1 / 3) / 2)  # a.py never found adds 0
    assert m["acc@3"] == 0.0 and m["recall@3"] == 0.5
    assert m["ndcg@3"] == pytest.approx((1 / L2(4)) / (1 + 1 / L2(3)))


def test_duplicates_count_once_at_first_rank_and_empty_cases():
    m = ranked_metrics(["x.py", "x.py", "a.py"], ["a.py"], ks=(2,))
    assert m["recall@2"] == 1.0 and m["mrr"] == 0.5  # the duplicate does not push a.py down
    empty = ranked_metrics([], ["a.py"], ks=(1,))
    assert set(empty.values()) == {0.0}
    assert set(ranked_metrics(["a.py"], [], ks=(1,)).values()) == {0.0}


def test_function_names_normalise_path_part():
    assert normalize_function("./pkg/a.py:Cls.run ") == "pkg/a.py:Cls.run"
    assert normalize_function("pkg/a.py") is None
    m = ranked_metrics(["pkg/a.py:g", "./pkg/a.py:Cls.run"], ["pkg/a.py:Cls.run"], ks=(1, 2),
                       normalize=normalize_function)
    assert m["acc@1"] == 0.0 and m["acc@2"] == 1.0 and m["mrr"] == 0.5


def test_file_set_f1_grade_carries_ranked_components_and_function_level_ones():
    task = Task(id="t", prompt="p", repo="r", commit="c", gold_files=["a.py", "b.py"],
                extra={"gold_functions": ["a.py:f", "b.py:K.g"]})
    traj = Trajectory(task_id="t", env_id="e", seed=0,
                      submission={"files": ["b.py", "z.py", "a.py"], "functions": ["b.py:K.g", "a.py:h"]})
    grade = FileSetF1().grade(task, traj, None)
    assert grade.score == pytest.approx(0.8)  # F1 stays the reward: p=2/3, r=1
    c = grade.components
    assert c["f1"] == pytest.approx(0.8) and c["acc@1"] == 0.0 and c["acc@3"] == 1.0
    assert c["map"] == pytest.approx((1 + 2 / 3) / 2) and c["mrr"] == 1.0
    assert c["func_recall@1"] == 0.5 and c["func_acc@10"] == 0.0 and c["func_map"] == 0.5
    plain = FileSetF1().grade(Task(id="t", prompt="p", repo="r", commit="c", gold_files=["a.py"]), traj, None)
    assert not any(k.startswith("func_") for k in plain.components)
