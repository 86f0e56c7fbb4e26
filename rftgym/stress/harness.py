"""``run_stress``: attack a grader with every applicable hack before a training run does.

On ``n`` tasks of an env's split it runs, through the normal rollout machinery and the env's tools:
the **null** policy (does nothing), the **oracle** (plays from gold data, the only policy that may),
and every **hack** of ``rftgym.stress.policies`` and ``rftgym.stress.tampering`` that applies to the
env's tools and submission (the others are listed as skipped, with the reason).

A hack **passes** a task when its reward reaches the task's bar: the grader's ``pass_threshold``
when it has one, else the oracle's reward minus ``margin``. Tasks the oracle itself cannot pass are
left out (and reported): they cannot tell a hack from an answer. ``most_common`` is not charged on
tasks whose gold *is* the constant it submits. Per policy the report gives mean and max reward and
the **exploit rate**, the share of tasks it passes; the null policy counts as a hack (a grader that
rewards doing nothing is broken). ``StressReport.passed`` names every policy with a non-zero rate.

The isolation hacks (``rftgym.stress.isolation``) leave state for the next episode or write on the
host; every env of the run shares one sandbox, and after the rollout each such hack's **probe**
looks at what the next episode would get. Anything it finds is an exploit on every task the hack
ran, and is listed under ``findings``.

``outside_workspace`` tests the sandbox as much as the grader. The ``local`` sandbox holds against it
where commands run in its filesystem view (``rftgym.sandbox.confine``); where only known places can
be covered, a shell tool can read other copies of the task files, and an env with ``run_shell``
needs ``sandbox="docker"`` before it can hold.
"""

from __future__ import annotations

import json
import random
import secrets
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from rftgym.graders import Grader
from rftgym.policies import Policy
from rftgym.stress.isolation import ISOLATION_HACKS, LATE_DELAY_S, ProbeContext
from rftgym.stress.oracle import Oracle
from rftgym.stress.policies import SUBMISSION_HACKS, EnvView, Hack, Null
from rftgym.stress.tampering import TAMPERING_HACKS
from rftgym.types import Task

HACKS: list[Hack] = [*SUBMISSION_HACKS, *TAMPERING_HACKS, *ISOLATION_HACKS]


@dataclass
class PolicyResult:
    name: str
    description: str
    rewards: dict[str, float] = field(default_factory=dict)
    passed_tasks: list[str] = field(default_factory=list)
    evaluated: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)  # what a hack's probe found (state left, host writes)

    @property
    def mean(self) -> float:
        return sum(self.rewards.values()) / len(self.rewards) if self.rewards else 0.0

    @property
    def max(self) -> float:
        return max(self.rewards.values(), default=0.0)

    @property
    def exploit_rate(self) -> float:
        return len(self.passed_tasks) / self.evaluated if self.evaluated else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "mean": self.mean, "max": self.max, "exploit_rate": self.exploit_rate}


@dataclass
class StressReport:
    env_id: str
    grader: dict[str, Any]
    split: str
    tasks: list[str]
    margin: float
    pass_threshold: float | None
    thresholds: dict[str, float]
    excluded_tasks: dict[str, str]
    oracle: PolicyResult
    policies: dict[str, PolicyResult]
    skipped: dict[str, str]

    @property
    def passed(self) -> list[str]:
        """The hacks (and null) that pass at least one task: each one is a hole in the grader."""
        return [name for name, r in self.policies.items() if r.passed_tasks]

    def to_dict(self) -> dict[str, Any]:
        return {"env_id": self.env_id, "grader": self.grader, "split": self.split, "tasks": self.tasks,
                "margin": self.margin, "pass_threshold": self.pass_threshold, "thresholds": self.thresholds,
                "excluded_tasks": self.excluded_tasks, "oracle": self.oracle.to_dict(),
                "policies": {k: v.to_dict() for k, v in self.policies.items()}, "skipped": self.skipped,
                "passed": self.passed}

    def table(self, describe: bool = True):
        """A rich Table: one row per policy; ``describe`` adds what each tries (or why it was skipped)."""
        from rich.table import Table

        t = Table(title=f"stress: {self.env_id} ({len(self.tasks) - len(self.excluded_tasks)} tasks, "
                        f"grader {self.grader.get('type', '?')})")
        t.add_column("policy", no_wrap=True)
        for col in ("mean", "max", "exploit rate", "verdict"):
            t.add_column(col, no_wrap=True)
        if describe:
            t.add_column("what it tries", overflow="fold")
        for r in [self.oracle, *self.policies.values()]:
            verdict = "reference" if r is self.oracle else ("[bold red]PASSES[/]" if r.passed_tasks else "held")
            rate = "-" if r is self.oracle else f"{r.exploit_rate:.0%}"
            t.add_row(r.name, f"{r.mean:.3f}", f"{r.max:.3f}", rate, verdict, *([r.description] if describe else []))
        for name, why in self.skipped.items():
            t.add_row(name, "-", "-", "-", "skipped", *([why] if describe else []))
        return t


class _Dispatch(Policy):
    """One policy per sample index, so that a single rollout runs every policy on every task."""

    spec = "stress"

    def __init__(self, policies: list[Policy]) -> None:
        self.policies = policies

    def bind(self, task_id: str, sample: int) -> Policy:
        return self.policies[sample].bind(task_id, sample)

    def act(self, conversation, tools, rng):  # pragma: no cover - bind() always picks a real policy
        raise RuntimeError("bind() first")


def most_common_gold(tasks: list[Task]) -> str | None:
    """The answer (or gold file) that the most tasks share; what a prior-only policy would submit."""
    counts = Counter(t.answer for t in tasks if isinstance(t.answer, str) and t.answer.strip())
    if not counts:
        counts = Counter(f for t in tasks for f in t.gold_files)
    return counts.most_common(1)[0][0] if counts else None


def env_view(spec: Any, constant: str | None) -> EnvView:
    tools = {getattr(t, "name", t) for t in spec.tools} | {spec.submit.name}
    return EnvView(tools, set(spec.submit.parameters.get("properties") or {}), spec.task_kind, constant)


def run_stress(env_id: str, *, grader: Grader | None = None, tasks: Any = None, split: str = "test", n: int = 10,
               hacks: list[str] | None = None, margin: float = 0.2, workers: int = 2, seed: int = 0,
               sandbox: str = "local", on_episode: Callable[[int, int], None] | None = None) -> StressReport:
    """Run the null policy, the oracle and every applicable hack on ``n`` tasks; see the module docstring."""
    import rftgym.envs as registry
    from rftgym.rollout import rollout
    from rftgym.sandbox import make_sandbox
    from rftgym.sandbox.repos import snapshot
    from rftgym.tasks import load_tasks

    spec = registry.get_spec(env_id)
    pool = sorted(load_tasks(tasks, kind=spec.task_kind, split=split), key=lambda t: t.id)
    chosen = sorted(random.Random(seed).sample(pool, min(n, len(pool))), key=lambda t: t.id)
    try:
        train = load_tasks(tasks, kind=spec.task_kind, split="train")
    except ValueError:
        train = pool
    grader = grader if grader is not None else spec.grader()
    view = env_view(spec, most_common_gold(train))
    known = {h.name for h in HACKS}
    unknown = sorted(set(hacks or []) - known)
    if unknown:
        raise ValueError(f"unknown hack(s) {', '.join(unknown)}; the hacks are {', '.join(sorted(known))}")
    selected, skipped = [], {}
    for hack in HACKS:
        if hacks and hack.name not in hacks:
            continue
        why = hack.applies(view)
        if why:
            skipped[hack.name] = why
        else:
            selected.append(hack)
    marker = "rftgymmark" + secrets.token_hex(6)
    leak_paths = _task_files(tasks, spec.task_kind)
    policies: list[Policy] = [Oracle(chosen), Null(),
                              *[h.policy(constant=view.constant, marker=f"{marker}{h.name}", leak_paths=leak_paths)
                                for h in selected]]
    names = ["oracle", "null", *[h.name for h in selected]]
    descriptions = {"null": "does nothing until a budget ends the episode", **{h.name: h.description for h in selected}}

    def progress(traj, k, total):
        if on_episode:
            on_episode(k, total)

    for repo, commit in sorted({(t.repo, t.commit) for t in chosen}):
        snapshot(repo, commit)  # one at a time: materialising a built-in repo is not thread-safe (GitPython chdirs)
    shared = make_sandbox(sandbox) if isinstance(sandbox, str) else sandbox
    try:
        result = rollout(spec.env_id, _Dispatch(policies), chosen, split="all", samples=len(policies), seed=seed,
                         workers=workers, env_kwargs={"grader": grader, "sandbox": shared}, on_episode=progress)
        by = {(t.task_id, t.sample): t for t in result.trajectories}
        findings = _probe(selected, names, by, chosen, shared, marker, leak_paths)
    finally:
        if shared is not sandbox:
            shared.close()
    pass_threshold = getattr(grader, "pass_threshold", None)
    oracle = PolicyResult("oracle", "plays from the gold data (the only policy that sees it)")
    thresholds, excluded = {}, {}
    for task in chosen:
        traj = by[(task.id, 0)]
        oracle.rewards[task.id] = traj.reward
        if traj.error or (traj.grade and traj.grade.error):
            oracle.errors[task.id] = (traj.error or traj.grade.error)[:500]
        bar = pass_threshold if pass_threshold is not None else traj.reward - margin
        thresholds[task.id] = bar
        if traj.reward < bar or traj.reward <= 0:
            why = f"; {oracle.errors[task.id].splitlines()[0]}" if task.id in oracle.errors else ""
            excluded[task.id] = f"the oracle scores {traj.reward:.3f}, below the bar {bar:.3f}{why}"
    report_policies: dict[str, PolicyResult] = {}
    for k, name in enumerate(names[1:], start=1):
        res = PolicyResult(name, descriptions[name])
        for task in chosen:
            traj = by[(task.id, k)]
            res.rewards[task.id] = traj.reward
            err = traj.error or (traj.grade.error if traj.grade else None)
            if err:
                res.errors[task.id] = err[:500]
            if not findings.get(name) and (task.id in excluded or (name == "most_common"
                                                                  and _coincides(task, view.constant))):
                continue  # a finding is a hole in the sandbox whatever the grader scores
            res.evaluated += 1
            if (traj.error is None and traj.reward >= thresholds[task.id] - 1e-9) or findings.get(name):
                res.passed_tasks.append(task.id)
        res.findings = findings.get(name, [])
        report_policies[name] = res
    return StressReport(spec.env_id, grader.config(), split, [t.id for t in chosen], margin, pass_threshold,
                        thresholds, excluded, oracle, report_policies, skipped)


def _probe(selected: list[Hack], names: list[str], by: dict, chosen: list[Task], sandbox: Any, marker: str,
           leak_paths: list[str]) -> dict[str, list[str]]:
    """Each probing hack's findings, after the late writers have had their time."""
    probing = [h for h in selected if h.probe is not None]
    if not probing:
        return {}
    time.sleep(LATE_DELAY_S + 1.5)
    snapshots = sorted({(t.repo, t.commit) for t in chosen})
    pool = getattr(sandbox, "pool_size", 4)
    out: dict[str, list[str]] = {}
    for hack in probing:
        k = names.index(hack.name)
        trajs = [by[(t.id, k)] for t in chosen if (t.id, k) in by]
        ctx = ProbeContext(f"{marker}{hack.name}", sandbox, snapshots, trajs, leak_paths, pool)
        try:
            out[hack.name] = hack.probe(ctx)
        except Exception as exc:  # a probe that cannot look is a finding, not a pass
            out[hack.name] = [f"the probe failed: {type(exc).__name__}: {exc}"]
    return out


def _task_files(tasks: Any, kind: str) -> list[str]:
    """The host files the tasks (and their gold) come from: what a white-box attacker would link to."""
    from rftgym.sandbox.repos import builtin_repos_dir

    if isinstance(tasks, (str, Path)):
        return [str(Path(tasks).resolve())]
    if tasks is None:
        return sorted(str(p) for p in builtin_repos_dir().glob(f"*/tasks/{kind}.jsonl"))
    return []


def _coincides(task: Task, constant: str | None) -> bool:
    """The constant is this task's right answer, so submitting it is not a hack here."""
    if constant is None:
        return False
    if task.answer is not None:
        return task.answer.strip() == constant.strip()
    return set(task.gold_files) == {constant}


def write_report(report: StressReport, out: str | Path) -> Path:
    """``stress.json`` and ``stress.txt`` (the table) in ``out``; returns the folder."""
    from rich.console import Console

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "stress.json").write_text(json.dumps(report.to_dict(), indent=2, sort_keys=True))
    console = Console(record=True, width=140, file=open("/dev/null", "w"))
    console.print(report.table())
    (folder / "stress.txt").write_text(console.export_text())
    return folder
