"""Bug-fix and localization tasks from mutants: put a small bug in a function, keep it if tests catch it.

``generate(repo, kind="bugfix"|"localization", n=, seed=, commit=)`` -> task rows:

1. run the whole suite once at the commit, recording which functions each passing test calls;
2. list mutants (``rftgym.taskgen.mutants``) of the functions some passing test calls, in a seeded
   order that visits every function once before any function twice;
3. for each mutant, run the test files that call its function: keep it when at least one test that
   passed now fails (``fail_to_pass``, at most ``MAX_F2P``), at least one test of those files still
   passes (``pass_to_pass``, at most ``MAX_P2P``, the ones calling the function first), and the run
   is clean (trusted, no collection error, no timeout); at most one mutant per function;
4. build the bug commit (``rftgym.sandbox.derived``: the task's ``commit``; ``base_commit`` and
   ``bug_patch`` let any machine rebuild it) and, for bug-fix tasks, check in a fresh workspace that
   the reverse change (``gold_patch``) makes every selected test pass (``TestsPass`` scores 1).

The prompt is a report of the first failing test's symptom (``rftgym.taskgen.prompts``) and names no
mutated file. The tests that reveal the bug stay in the repository, visible to the agent, as in
SWE-smith; ``test_patch`` is empty. Mutants run in parallel but are accepted in candidate order, so
the same repo, commit and seed give the same rows (given deterministic tests).
"""

from __future__ import annotations

import random
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from rftgym.graders.tests import TestsPass
from rftgym.sandbox.derived import derive, derived_repo, register
from rftgym.sandbox.local import LocalSandbox
from rftgym.sandbox.repos import resolve_source, snapshot
from rftgym.taskgen.common import (Progress, TaskgenError, assign_splits, is_source_file, no_progress, pin_commit,
                                   repo_name, repo_spec)
from rftgym.taskgen.mutants import FunctionSites, Mutant, function_mutants
from rftgym.taskgen.prompts import hidden_names, symptom_prompt
from rftgym.testrun import run_pytest
from rftgym.tools.edit import write_text
from rftgym.types import Task

MAX_F2P = 12
MAX_P2P = 10


@dataclass
class Baseline:
    """The suite at the base commit: what passes, how long each test takes, who calls which function."""

    repo: str
    commit: str
    passing: set[str]
    durations: dict[str, float]
    callers: dict[str, list[str]]  # function key "path:line" -> passing tests that call it
    files: dict[str, str] = field(default_factory=dict)  # source path -> text


def run_baseline(sandbox: LocalSandbox, repo: str, commit: str, timeout: float) -> Baseline:
    ws = sandbox.open(repo, commit)
    try:
        run = run_pytest(ws, [], timeout=timeout, trace=True, extra_args=["--continue-on-collection-errors"])
    finally:
        sandbox.release(ws)
    passing = {t for t, o in run.outcomes.items() if o == "passed"}
    if not run.trusted or not passing:
        why = run.problem or ("no test passed" if run.outcomes else "pytest collected no tests")
        if run.collect_errors:
            why += f"; {len(run.collect_errors)} test module(s) fail to import, e.g. {run.collect_errors[0]['nodeid']}"
        tail = "\n".join(run.output.strip().splitlines()[-15:])
        raise TaskgenError(f"the tests of {repo} at {commit[:12]} do not run: {why}.\n{tail}\nMake `python -m "
                           "pytest` pass in the repository (with this Python's packages) before generating tasks.")
    callers: dict[str, list[str]] = defaultdict(list)
    for test in sorted(passing):
        for key in run.cover.get(test, []):
            callers[key].append(test)
    snap = snapshot(repo, commit)
    files = {f: snap.read_text(f) for f in snap.files if is_source_file(f)}
    return Baseline(repo, commit, passing, {t: d.get("duration", 0.0) for t, d in run.details.items()},
                    dict(callers), {f: t for f, t in files.items() if t is not None})


def candidates(base: Baseline, seed: int) -> list[tuple[FunctionSites, Mutant]]:
    """Mutants of called functions in a seeded round-robin order: every function once, then twice..."""
    functions = [fs for path in sorted(base.files) for fs in function_mutants(path, base.files[path])
                 if fs.mutants and fs.key in base.callers]
    rng = random.Random(f"mutation/{seed}")
    rng.shuffle(functions)
    queues = [_interleaved(fs.mutants, rng) for fs in functions]
    order = []
    for depth in range(max((len(q) for q in queues), default=0)):
        order.extend((fs, q[depth]) for fs, q in zip(functions, queues) if depth < len(q))
    return order


def _interleaved(mutants: list[Mutant], rng: random.Random) -> list[Mutant]:
    """A function's mutants shuffled so that operators take turns: an operator with many sites
    (dropped statements) does not crowd out the others."""
    by_op: dict[str, list[Mutant]] = defaultdict(list)
    for m in mutants:
        by_op[m.operator].append(m)
    ops = sorted(by_op)
    rng.shuffle(ops)
    lanes = [rng.sample(by_op[op], len(by_op[op])) for op in ops]
    return [lane[i] for i in range(max(map(len, lanes))) for lane in lanes if i < len(lane)]


@dataclass
class Found:
    """A mutant the tests catch, with what the task row needs."""

    mutant: Mutant
    fail_to_pass: list[str]
    pass_to_pass: list[str]
    bug_patch: str
    commit: str
    prompt: str
    gold_patch: str = ""


def evaluate(sandbox: LocalSandbox, base: Baseline, fs: FunctionSites, mutant: Mutant, derived: Any,
             timeout: float) -> Found | None:
    """Run the tests that call the mutated function; the mutant if they catch it (see the docstring)."""
    original = base.files[mutant.path]
    mutated = mutant.apply(original)
    try:
        compile(mutated, mutant.path, "exec")
    except (SyntaxError, ValueError):
        return None
    callers = base.callers[fs.key]
    files = sorted({t.split("::")[0] for t in callers})
    limit = timeout + 5 * sum(d for t, d in base.durations.items() if t.split("::")[0] in files)
    ws = sandbox.open(base.repo, base.commit)
    try:
        write_text(ws, mutant.path, mutated)
        run = run_pytest(ws, files, timeout=limit)
        if not run.trusted or run.collect_errors:
            return None
        f2p = sorted(t for t in base.passing if t.split("::")[0] in files and not run.passed(t))
        if not 1 <= len(f2p) <= MAX_F2P:
            return None
        f2p_files = {t.split("::")[0] for t in f2p}
        still = [t for t in sorted(run.outcomes) if run.passed(t) and t in base.passing
                 and t.split("::")[0] in f2p_files]
        calling = set(callers)
        p2p = sorted(sorted(still, key=lambda t: (t not in calling, t))[:MAX_P2P])
        if not p2p:
            return None
        bug_patch = ws.diff()
        details = run.details
    finally:
        sandbox.release(ws)
    commit = derive(derived, base.commit, bug_patch)
    register(commit, base.commit, bug_patch)
    prompt = symptom_prompt(f2p, details, hidden_names(mutant.path))
    return Found(mutant, f2p, p2p, bug_patch, commit, prompt)


def check_gold(found: Found, base: Baseline, timeout: float) -> bool:
    """In a fresh workspace of the bug commit, undo the mutant: every selected test must pass."""
    with LocalSandbox(pool_size=0) as sandbox:
        ws = sandbox.open(base.repo, found.commit)
        try:
            write_text(ws, found.mutant.path, base.files[found.mutant.path])
            found.gold_patch = ws.diff()
            task = Task(id="gold-check", prompt="", repo=base.repo, commit=found.commit,
                        fail_to_pass=found.fail_to_pass, pass_to_pass=found.pass_to_pass)
            grade = TestsPass(timeout=timeout).grade(task, None, ws)
        finally:
            sandbox.release(ws)
    return grade.score == 1.0


def generate(repo: str, *, kind: str = "bugfix", n: int = 50, seed: int = 0, commit: str | None = None,
             workers: int = 2, timeout: float = 30.0, baseline_timeout: float = 1800.0,
             progress: Progress = no_progress) -> list[dict[str, Any]]:
    """Task rows of ``kind`` (``bugfix`` or ``localization``) from mutants of ``repo``. See the docstring."""
    if kind not in ("bugfix", "localization"):
        raise TaskgenError(f"mutation makes bugfix or localization tasks, not {kind!r}")
    if n < 1:
        raise TaskgenError(f"--n must be at least 1, got {n}")
    spec = repo_spec(repo)
    base_commit = pin_commit(spec, commit)
    source_key, source = resolve_source(spec)
    derived = derived_repo(source_key, source)
    found: list[Found] = []
    with LocalSandbox(pool_size=max(1, workers)) as sandbox:
        progress("running the test suite", 0, 1)
        base = run_baseline(sandbox, spec, base_commit, baseline_timeout)
        progress("running the test suite", 1, 1)
        order = candidates(base, seed)
        if not order:
            raise TaskgenError(f"no function of {repo} is called by a passing test; there is nothing to mutate")

        def job(item: tuple[FunctionSites, Mutant]) -> Found | None:
            hit = evaluate(sandbox, base, item[0], item[1], derived, timeout)
            if hit is not None and kind == "bugfix" and not check_gold(hit, base, timeout):
                return None
            return hit

        used: set[str] = set()
        window = max(2, 2 * workers)
        tried = 0
        with ThreadPoolExecutor(max(1, workers), thread_name_prefix="rftgym-taskgen") as pool:
            for start in range(0, len(order), window):
                batch = [item for item in order[start:start + window] if item[0].key not in used]
                for (fs, _), hit in zip(batch, pool.map(job, batch)):
                    tried += 1
                    if hit is not None and fs.key not in used and len(found) < n:
                        used.add(fs.key)
                        found.append(hit)
                progress(f"mutants ({tried} tried)", len(found), n)
                if len(found) >= n:
                    break
    if not found:
        raise TaskgenError(f"none of {tried} mutants of {repo} was caught by its tests; the suite may be too weak")
    rows = [_row(kind, repo_name(spec), i, spec, base_commit, hit) for i, hit in enumerate(found, 1)]
    assign_splits(rows, seed)
    return rows


def _row(kind: str, name: str, i: int, spec: str, base_commit: str, hit: Found) -> dict[str, Any]:
    mutation = {"operator": hit.mutant.operator, "function": hit.mutant.function, "line": hit.mutant.line}
    if kind == "localization":
        return {"id": f"{name}-mutloc-{i:03d}", "repo": spec, "commit": hit.commit, "split": "", "prompt": hit.prompt,
                "gold_files": [hit.mutant.path], "base_commit": base_commit, "bug_patch": hit.bug_patch,
                "mutation": mutation}
    return {"id": f"{name}-bugfix-{i:03d}", "repo": spec, "commit": hit.commit, "split": "", "prompt": hit.prompt,
            "gold_files": [hit.mutant.path], "fail_to_pass": hit.fail_to_pass, "pass_to_pass": hit.pass_to_pass,
            "test_patch": "", "base_commit": base_commit, "bug_patch": hit.bug_patch, "gold_patch": hit.gold_patch,
            "mutation": mutation}
