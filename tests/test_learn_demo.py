"""examples/learn_parallel_calls.py --quick: GRPO on knob logits improves the held-out reward."""

import importlib.util
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "learn_parallel_calls.py"


def test_quick_run_improves_held_out_reward(tmp_path):
    spec = importlib.util.spec_from_file_location("learn_parallel_calls", EXAMPLE)
    demo = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = demo  # dataclasses look their module up there
    spec.loader.exec_module(demo)
    args = demo.Args(iterations=5, train_tasks=8, eval_tasks=12, group=4, workers=4, out=str(tmp_path))
    result = demo.main(args)
    assert result["after"]["reward"] > result["before"]["reward"]
    assert result["after"]["turns"] < result["before"]["turns"]  # it learned to batch calls
    assert (tmp_path / "learning.png").stat().st_size > 1000
