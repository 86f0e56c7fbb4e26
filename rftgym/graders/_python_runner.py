"""Child-process side of the ``python`` grader: set limits, run the grader's source, print one JSON line.

Run as a script (``python -I _python_runner.py``), never imported by rftgym. The request comes on
stdin as JSON ``{source, sample, item, memory_mb, cpu_s}``; the reply on stdout is
``{"score": x}`` or ``{"error": ..., "traceback": ...}``. The grader's own prints go to stderr.
"""

import json
import math
import resource
import sys
import traceback


def _limit(kind, value):
    try:
        resource.setrlimit(kind, (value, value))
    except (ValueError, OSError):
        pass


def main():
    request = json.loads(sys.stdin.read())
    out = sys.stdout
    sys.stdout = sys.stderr
    _limit(resource.RLIMIT_AS, int(request["memory_mb"]) << 20)
    _limit(resource.RLIMIT_CPU, max(1, int(math.ceil(request["cpu_s"]))))
    _limit(resource.RLIMIT_FSIZE, 16 << 20)
    try:
        namespace = {"__name__": "grader"}
        exec(compile(request["source"], "<grader source>", "exec"), namespace)
        grade = namespace.get("grade")
        if not callable(grade):
            result = {"error": "the source defines no grade(sample, item) function"}
        else:
            value = grade(request["sample"], request["item"])
            if isinstance(value, (str, bytes)) or not hasattr(value, "__float__"):
                result = {"error": f"grade() returned {type(value).__name__} {str(value)[:80]!r}, not a number"}
            else:
                result = {"score": float(value)}  # int, float, bool or a numpy scalar
    except BaseException as exc:  # noqa: BLE001 - whatever the grader does, report it
        tail = traceback.format_exc(limit=-3).strip().splitlines()[-6:]
        result = {"error": f"{type(exc).__name__}: {str(exc)[:500]}", "traceback": "\n".join(tail)}
    try:
        text = json.dumps(result, allow_nan=True)
    except (TypeError, ValueError):
        text = json.dumps({"error": "the grader's result could not be encoded"})
    out.write(text + "\n")
    out.flush()


if __name__ == "__main__":
    main()
