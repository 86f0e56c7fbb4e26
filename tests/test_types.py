import json

import pytest

from rftgym.types import Grade, Task, TaskError, Trajectory, TurnRecord


def test_task_requires_core_fields_and_names_them():
    with pytest.raises(TaskError, match="missing required field.*commit"):
        Task.from_dict({"id": "a", "prompt": "p", "repo": "r"}, where="f.jsonl:3")
    with pytest.raises(TaskError, match="f.jsonl:3"):
        Task.from_dict({"id": "a"}, where="f.jsonl:3")
    with pytest.raises(TaskError, match="gold_files.*list of strings"):
        Task.from_dict({"id": "a", "prompt": "p", "repo": "r", "commit": "c", "gold_files": "x.py"})
    with pytest.raises(TaskError, match="JSON object"):
        Task.from_dict(["not", "a", "dict"])


def test_task_keeps_unknown_fields_as_item_fields():
    t = Task.from_dict({"id": "a", "prompt": "p", "repo": "r", "commit": "c", "difficulty": 3})
    assert t.extra == {"difficulty": 3}
    assert t.item()["difficulty"] == 3
    assert Task.from_dict(t.to_dict()) == t


def test_trajectory_round_trips_through_json():
    traj = Trajectory(task_id="a", env_id="rftgym/X-v0", seed=7, sample=2, messages=[{"role": "user", "content": "hi"}],
                      turns=[TurnRecord(calls=2, errors=1, tool_seconds=0.5, call_latencies=[0.1, 0.2])],
                      submission={"files": ["a.py"]}, grade=Grade(0.5, {"f1": 0.5}), reward=0.5, terminated=True)
    back = Trajectory.from_dict(json.loads(traj.to_json()))
    assert back == traj
    assert back.tool_calls == 2 and back.tool_errors == 1
