"""``python``: ``source`` defines ``grade(sample, item) -> float``; it runs in a child process.

Isolation: a separate interpreter (``python -I``), no network (``unshare -n`` where the kernel
allows it, as for sandbox commands), an address-space limit (``LoadOptions.python_memory_mb``,
default 512 MB), a CPU limit and a wall-clock timeout (``python_timeout``, default 10 s) after
which the whole process group is killed, and capped output. An exception, a timeout, a crash or a
non-numeric return scores 0 with the reason kept in ``Grade.error``. ``image_tag`` is accepted and
ignored: the grader runs with the interpreter and packages rftgym runs with.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from rftgym.graders.openai_format import GradeContext, GraderConfigError, GraderRuntimeError, SampleGrader
from rftgym.sandbox.local import _no_network_prefix as no_network_prefix  # shared with sandbox commands
from rftgym.sandbox.local import run_capped
from rftgym.types import Grade

RUNNER = Path(__file__).with_name("_python_runner.py")


def run_python_grade(source: str, sample: Any, item: Any, *, timeout: float, memory_mb: int) -> float:
    """``grade(sample, item)`` of ``source`` in an isolated child; ``GraderRuntimeError`` on failure."""
    request = json.dumps({"source": source, "sample": sample, "item": item, "memory_mb": memory_mb,
                          "cpu_s": timeout})
    with tempfile.TemporaryDirectory(prefix="rftgym-pygrader-") as tmp:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp, "TMPDIR": tmp, "LANG": "C.UTF-8",
               "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}
        res = run_capped([*no_network_prefix(), sys.executable, "-I", str(RUNNER)], cwd=tmp, env=env,
                         timeout=timeout, stdin=request, max_output=1 << 20)
    if res.timed_out:
        raise GraderRuntimeError(f"the grader ran past its {timeout:g} s limit and was killed")
    reply = None
    for line in reversed(res.stdout.strip().splitlines()):
        try:
            reply = json.loads(line)
            break
        except json.JSONDecodeError:
            continue
    if not isinstance(reply, dict):
        why = f"exit status {res.exit_code}" + (" (killed: CPU limit?)" if res.exit_code < 0 else "")
        raise GraderRuntimeError(f"the grader process ended without a result ({why}): {res.stderr.strip()[-400:]}")
    if "error" in reply:
        raise GraderRuntimeError(reply["error"] + (f"\n{reply['traceback']}" if reply.get("traceback") else ""))
    return float(reply["score"])


class PythonGrader(SampleGrader):
    type = "python"
    required = ("source",)
    optional = ("image_tag",)

    def __init__(self, config: dict[str, Any], where: str, options) -> None:
        super().__init__(config, where, options)
        source = config["source"]
        if not isinstance(source, str):
            raise GraderConfigError(f"{where}.source must be a string of Python code defining grade(sample, item)")
        try:
            compile(source, f"{where}.source", "exec")
        except SyntaxError as exc:
            raise GraderConfigError(f"{where}.source has a syntax error at line {exc.lineno}: {exc.msg}") from None
        if "def grade" not in source:
            raise GraderConfigError(f"{where}.source must define grade(sample, item) -> float")

    def score(self, sample: dict[str, Any], item: dict[str, Any], ctx: GradeContext) -> Grade:
        value = run_python_grade(self.config["source"], sample, item, timeout=self.options.python_timeout,
                                 memory_mb=self.options.python_memory_mb)
        return Grade(value)
