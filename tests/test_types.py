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


def test_to_json_is_the_text_of_to_dict_on_a_real_episode():
    """``to_json`` skips ``asdict``'s deep copy; its text must stay what ``to_dict`` gives."""
    import gymnasium as gym
    import numpy as np

    import rftgym  # noqa: F401 - registers the envs
    from rftgym.policies import make_policy

    env = gym.make("rftgym/FileLocalization-v0").unwrapped
    policy = make_policy("scripted:parallel")
    try:
        obs, info = env.reset(seed=0)
        done = False
        while not done:
            obs, _, term, trunc, _ = env.step(policy.act(obs, info["tools"], np.random.default_rng(0)))
            done = term or trunc
        traj = env.trajectory
    finally:
        env.close()
    assert traj.turns and traj.grade is not None
    assert traj.to_json() == json.dumps(traj.to_dict(), sort_keys=True, ensure_ascii=False)
    empty = Trajectory(task_id="b", env_id="e", seed=0)
    assert empty.to_json() == json.dumps(empty.to_dict(), sort_keys=True, ensure_ascii=False)


def test_tool_schemas_are_independent_copies():
    import gymnasium as gym

    env = gym.make("rftgym/FileLocalization-v0").unwrapped
    try:
        _, info = env.reset(seed=0)
        info["tools"][0]["function"]["parameters"]["properties"].clear()  # a policy that edits its copy
        _, again = env.reset(seed=1)
    finally:
        env.close()
    assert again["tools"][0]["function"]["parameters"]["properties"]
    assert again["tools"] == [t.schema() for t in env.tools]
