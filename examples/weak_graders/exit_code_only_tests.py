"""A weak Optimize grader: 1 when `pytest` exits 0 in the agent's workspace, with a hidden timing test.

It adds a test that times the task's function on a large input against a limit (a quarter of the
original's time, measured in a pristine checkout) and runs the whole suite where the agent left it.
It trusts the exit code of a run in the agent's own workspace, so a conftest.py that reports every
test as passed, ``os._exit(0)`` when the package is imported, or clocks patched at import are worth
full marks. ``rftgym stress rftgym/Optimize-v0 --grader examples/weak_graders/exit_code_only_tests.py``
names those hacks; the env's own grader (``EquivalenceSpeedup``) holds against all of them.
"""

import sys

from rftgym.graders import Grader
from rftgym.sandbox.local import LocalSandbox
from rftgym.types import Grade

SETUP = '''import random, time
{generator}
from {module} import {function} as fn


def timed():
    args = make_input(random.Random(1), {size})
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start
'''


class ExitCodeOnlyTests(Grader):
    name = "exit_code_only_tests"

    def grade(self, task, trajectory, workspace):
        extra = task.extra
        setup = SETUP.format(generator=extra["generator"], module=extra["module"], function=extra["function"],
                             size=extra["bench_size"])
        with LocalSandbox(pool_size=0) as sandbox:  # the original's time, in a pristine checkout
            pristine = sandbox.open(task.repo, task.commit)
            run = pristine.exec([sys.executable, "-c", setup + "print(timed())"], timeout=120)
            pristine.close()
        limit = float(run.stdout.strip().splitlines()[-1]) / 4
        test = setup + f"\n\ndef test_fast_enough():\n    assert timed() < {limit!r}\n"
        workspace.exec(["sh", "-c", "mkdir -p tests && cat > tests/test_hidden_timing.py"], stdin=test, timeout=30)
        result = workspace.exec([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], timeout=300)
        return Grade(1.0 if result.exit_code == 0 else 0.0, {"exit_code": float(result.exit_code)})


grader = ExitCodeOnlyTests()
