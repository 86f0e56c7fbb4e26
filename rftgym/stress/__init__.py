"""Stress-testing graders: reward-hacking policies and the report that says which of them pass.

``run_stress(env_id, grader=None, split="test", n=10)`` (``rftgym.stress.harness``) runs the null
policy, an oracle that plays from gold data and every applicable hack (``HACKS``) on ``n`` tasks,
and returns a ``StressReport``; ``rftgym stress ENV`` is the same on the command line and exits 1
when any hack passes. The hacks: ``rftgym.stress.policies`` (attacks on the submission) and
``rftgym.stress.tampering`` (attacks on the workspace: tests, exits, monkeypatching, fake code).
"""

from rftgym.stress.harness import HACKS, StressReport, run_stress, write_report

__all__ = ["HACKS", "StressReport", "run_stress", "write_report"]
