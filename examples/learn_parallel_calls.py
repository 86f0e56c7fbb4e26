"""Learn to batch tool calls: GRPO on a tiny policy over FileLocalization-v0, on CPU in a minute or two.

What this shows: the environment's learning signal. rftgym's rewards (file-set F1 from the grader,
minus a penalty per turn) are enough for a group-relative policy-gradient update (GRPO) to discover
what agent-RFT runs report: batch independent calls into one turn, read enough candidates, submit
precisely. It is NOT LLM training: the policy is a handful of softmax logits over the knobs of the
scripted search plan (``rftgym.policies.scripted``), not a language model. Training an LLM on the
same environments is ``examples/trl_grpo.py``.

The policy: three independent categorical choices per episode, each a softmax over its logits,
- ``batch``: how many of the plan's pending calls to send per turn (1 = sequential ... 8);
- ``read``: how many top candidates to ``read_file`` before deciding (0 ... 6);
- ``submit``: submit the top file only, the top file plus a close runner-up, or the top two.

GRPO: for each training task, sample K episodes (knob settings), run them in rftgym, reward
``F1 - turn_penalty * turns``, advantage = (reward - group mean) / group std, and step the logits
along ``mean(advantage * grad log pi(knobs))``. Before and after training it evaluates the greedy
policy (each knob's most likely value) on the held-out test split and writes ``learning.png``.

    python examples/learn_parallel_calls.py            # ~1-2 minutes
    python examples/learn_parallel_calls.py --quick    # a few seconds (the test runs this)
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rftgym.policies import Policy
from rftgym.policies.scripted import ScriptedPolicy, _key
from rftgym.rollout import rollout
from rftgym.tasks import load_tasks

ENV = "rftgym/FileLocalization-v0"
KNOBS = {"batch": [1, 2, 4, 8], "read": [0, 1, 2, 4, 6], "submit": ["top1", "close", "top2"]}


@dataclass
class Args:
    iterations: int = 12
    train_tasks: int = 24
    eval_tasks: int = 40
    group: int = 6            # K episodes per task: the GRPO group
    lr: float = 1.0
    turn_penalty: float = 0.03
    seed: int = 0
    workers: int = 8
    out: str = "runs/learn_parallel_calls"


class KnobPlan(ScriptedPolicy):
    """The scripted plan with its three knobs fixed: one episode's sampled behaviour."""

    def __init__(self, batch: int, read: int, submit: str) -> None:
        super().__init__("parallel", max_read=read)
        self.batch, self.submit = batch, submit
        self.spec = f"knobs:batch={batch},read={read},submit={submit}"

    def decide(self, prompt, results):
        from rftgym.policies.scripted import identifiers

        scores = self.score(prompt, results, identifiers(prompt))
        ranked = self.ranked(scores)
        if not ranked or self.submit == "close":
            return super().decide(prompt, results)
        return ranked[:1 if self.submit == "top1" else 2]

    def act(self, conversation, tools, rng):
        names = {t["function"]["name"] for t in tools}
        prompt = next((m.get("content") or "" for m in conversation if m.get("role") == "user"), "")
        results = self._results(conversation)
        for stage in self.stages(prompt, results, names):
            pending = [c for c in stage if _key(c) not in results]
            if pending:
                return self._message(pending[:self.batch])
        return self._message([("submit", {"files": self.decide(prompt, results)})])


class SoftmaxKnobs(Policy):
    """Factored softmax over the knobs. ``bind(task, sample)`` plays the knobs drawn for that episode."""

    spec = "softmax-knobs"

    def __init__(self) -> None:
        self.logits = {k: np.zeros(len(v)) for k, v in KNOBS.items()}
        self.draws: dict[tuple[str, int], dict[str, int]] = {}

    def probs(self, knob: str) -> np.ndarray:
        z = np.exp(self.logits[knob] - self.logits[knob].max())
        return z / z.sum()

    def sample(self, rng: np.random.Generator) -> dict[str, int]:
        return {k: int(rng.choice(len(KNOBS[k]), p=self.probs(k))) for k in KNOBS}

    def greedy(self) -> dict[str, int]:
        return {k: int(np.argmax(self.logits[k])) for k in KNOBS}

    def plan(self, choice: dict[str, int]) -> KnobPlan:
        return KnobPlan(*(KNOBS[k][choice[k]] for k in ("batch", "read", "submit")))

    def bind(self, task_id: str, sample: int) -> Policy:
        return self.plan(self.draws[(task_id, sample)])

    def act(self, conversation, tools, rng):  # episodes are played by the bound KnobPlan
        raise RuntimeError("SoftmaxKnobs plays through bind(task_id, sample)")


def shaped(traj, turn_penalty: float) -> tuple[float, float, int]:
    f1 = float(traj.grade.components.get("f1", traj.reward)) if traj.grade else 0.0
    return f1 - turn_penalty * len(traj.turns), f1, len(traj.turns)


def evaluate(policy: SoftmaxKnobs, tasks, args: Args) -> dict[str, float]:
    """The greedy policy on ``tasks``: mean F1, turns and shaped reward."""
    choice = policy.greedy()
    policy.draws = {(t.id, 0): choice for t in tasks}
    run = rollout(ENV, policy, tasks, split="all", samples=1, seed=args.seed, workers=args.workers)
    ok = [t for t in run.trajectories if t.error is None]  # an episode the sandbox failed says nothing of the policy
    rows = [shaped(t, args.turn_penalty) for t in ok]
    return {"reward": float(np.mean([r[0] for r in rows])), "f1": float(np.mean([r[1] for r in rows])),
            "turns": float(np.mean([r[2] for r in rows])), "episodes": len(ok),
            "failed": len(run.trajectories) - len(ok), "knobs": {k: KNOBS[k][v] for k, v in choice.items()}}


def main(args: Args) -> dict:
    rng = np.random.default_rng(args.seed)
    train = load_tasks(None, kind="localization", split="train")
    test = load_tasks(None, kind="localization", split="test")
    train = [train[i] for i in rng.permutation(len(train))[:args.train_tasks]]
    test = test[:args.eval_tasks]
    policy = SoftmaxKnobs()
    # Start from a mildly sequential, cautious policy, as an untrained model tends to be.
    policy.logits["batch"][:] = [1.0, 0.5, 0.0, 0.0]
    before = evaluate(policy, test, args)
    print(f"before: reward {before['reward']:.3f}  F1 {before['f1']:.3f}  turns {before['turns']:.2f}  {before['knobs']}"
          f"  ({before['failed']} episodes failed in the sandbox, left out)")
    curve = []
    start = time.time()
    for it in range(args.iterations):
        policy.draws = {(t.id, k): policy.sample(rng) for t in train for k in range(args.group)}
        run = rollout(ENV, policy, train, split="all", samples=args.group, seed=args.seed + it, workers=args.workers)
        grads = {k: np.zeros_like(v) for k, v in policy.logits.items()}
        rewards = []
        for task in train:  # GRPO: advantages relative to the task's own group
            group = [t for t in run.trajectories if t.task_id == task.id and t.error is None]
            if len(group) < 2:
                continue
            r = np.array([shaped(t, args.turn_penalty)[0] for t in group])
            rewards.extend(r)
            adv = (r - r.mean()) / (r.std() + 1e-6)
            for traj, a in zip(group, adv):
                for k, idx in policy.draws[(task.id, traj.sample)].items():
                    onehot = np.eye(len(KNOBS[k]))[idx]
                    grads[k] += a * (onehot - policy.probs(k))  # grad of log softmax
        n = len(train) * args.group
        for k in policy.logits:
            policy.logits[k] += args.lr * grads[k] / n * len(KNOBS[k])
        curve.append(float(np.mean(rewards)))
        print(f"iter {it:2d}  train reward {curve[-1]:.3f}  p(batch) {np.round(policy.probs('batch'), 2)}  "
              f"p(read) {np.round(policy.probs('read'), 2)}  ({time.time() - start:.0f}s)")
    after = evaluate(policy, test, args)
    print(f"after:  reward {after['reward']:.3f}  F1 {after['f1']:.3f}  turns {after['turns']:.2f}  {after['knobs']}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    result = {"before": before, "after": after, "train_curve": curve, "args": vars(args),
              "held_out_tasks": len(test), "seconds": time.time() - start}
    (out / "learning.json").write_text(json.dumps(result, indent=2))
    plot(result, out / "learning.png")
    print(f"wrote {out / 'learning.json'} and {out / 'learning.png'}")
    return result


def plot(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(11, 3.2))
    for ax, key in zip(axes[:2], ("f1", "turns")):
        ax.bar(["before", "after"], [result["before"][key], result["after"][key]], color=["#999", "#2a7"])
        ax.set_title(f"held-out {key} per episode")
    axes[2].plot(result["train_curve"], marker="o")
    axes[2].set_title("train reward (F1 - penalty x turns)")
    axes[2].set_xlabel("GRPO iteration")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for name, default in vars(Args()).items():
        p.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)
    p.add_argument("--quick", action="store_true", help="a few seconds: fewer tasks and iterations (for tests)")
    ns = vars(p.parse_args())
    if ns.pop("quick"):
        ns.update(iterations=min(ns["iterations"], 5), train_tasks=min(ns["train_tasks"], 8),
                  eval_tasks=min(ns["eval_tasks"], 12), group=min(ns["group"], 4))
    main(Args(**ns))
