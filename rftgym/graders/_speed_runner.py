"""Child-process side of the Optimize grader: load one function, then call it on request.

Run as a script inside the episode's sandbox (``python -I _speed_runner.py IN OUT CTL``, three FIFOs
the grader holds the other ends of; without arguments: stdin and stdout); rftgym also imports it for
``encode``/``same``. The process exits at once when the grader closes ``CTL``, even in the middle of a
call that never returns. Protocol, one JSON object per line. First line in: ``{path, module, function, memory_mb, cpu_s}``;
the runner sets its limits, puts ``path`` first on ``sys.path``, imports ``module`` and answers
``{"ready": true}`` or ``{"error": ...}``. Then, per request line:

- ``{"op": "check", "inputs": [args, ...]}`` -> ``{"results": [{"out": v, "args": a} | {"raised": name}]}``:
  the result and the arguments' state after the call (mutation is behaviour too);
- ``{"op": "run", "args": args}`` -> ``{"out": v}`` or ``{"raised": name}``: the timed call. The
  parent times the whole round trip with its own clock, so nothing in this process can fake it.

Values cross as tagged JSON (``encode``/``decode``): tuples, sets, dicts with any keys, bytes and
non-finite floats survive; any other object becomes its type name, so an object with a lying
``__eq__`` cannot pass for a correct result. The function's prints go to stderr.
"""

import json
import math
import os
import resource
import sys
import threading
import traceback


def encode(v, depth=0):
    if depth > 60:
        return {"__r": "too deep"}
    if v is None or type(v) in (bool, int, str):
        return v
    if type(v) is float:
        return v if math.isfinite(v) else {"__f": repr(v)}
    if isinstance(v, tuple):
        return {"__t": [encode(x, depth + 1) for x in v]}
    if isinstance(v, list):
        return [encode(x, depth + 1) for x in v]
    if isinstance(v, (set, frozenset)):
        return {"__s": sorted((encode(x, depth + 1) for x in v), key=_key)}
    if isinstance(v, dict):
        pairs = [[encode(k, depth + 1), encode(x, depth + 1)] for k, x in v.items()]
        return {"__d": sorted(pairs, key=lambda p: _key(p[0]))}
    if isinstance(v, (bytes, bytearray)):
        return {"__b": bytes(v).hex()}
    return {"__r": type(v).__name__}


def _key(x):
    return json.dumps(x, sort_keys=True, allow_nan=True)


def decode(v):
    if isinstance(v, list):
        return [decode(x) for x in v]
    if isinstance(v, dict):
        if "__t" in v:
            return tuple(decode(x) for x in v["__t"])
        if "__s" in v:
            return {decode(x) for x in v["__s"]}
        if "__d" in v:
            return {_hashable(decode(k)): decode(x) for k, x in v["__d"]}
        if "__f" in v:
            return float(v["__f"])
        if "__b" in v:
            return bytes.fromhex(v["__b"])
        raise ValueError(f"cannot decode {v!r}")
    return v


def _hashable(v):
    return tuple(_hashable(x) for x in v) if isinstance(v, list) else v


def same(a, b, rel=1e-9, abs_tol=1e-12):
    """Encoded values equal, floats up to a relative tolerance; types must match (1 is not 1.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return math.isclose(a, b, rel_tol=rel, abs_tol=abs_tol)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y, rel, abs_tol) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], rel, abs_tol) for k in a)
    return a == b


def _limit(kind, value):
    try:
        resource.setrlimit(kind, (value, value))
    except (ValueError, OSError):
        pass


def _call(fn, args):
    try:
        return {"out": encode(fn(*args))}
    except BaseException as exc:  # noqa: BLE001 - exceptions are behaviour too
        if isinstance(exc, (KeyboardInterrupt,)):
            raise
        return {"raised": type(exc).__name__}


def _channels():
    """(requests, replies): the FIFOs named on the command line, or stdin and stdout."""
    if len(sys.argv) == 4:
        requests = open(sys.argv[1], encoding="utf-8")
        replies = open(sys.argv[2], "w", encoding="utf-8")
        ctl = sys.argv[3]

        def watch():  # the grader closed its end: stop now, whatever the function is doing
            with open(ctl, "rb") as fh:
                fh.read()
            os._exit(0)

        threading.Thread(target=watch, daemon=True).start()
        return requests, replies
    return sys.stdin, os.fdopen(os.dup(1), "w")


def main():
    requests, proto = _channels()
    os.dup2(2, 1)  # the function's prints (even os.write(1, ...)) go to stderr
    sys.stdout = sys.stderr
    setup = json.loads(requests.readline())
    _limit(resource.RLIMIT_AS, int(setup["memory_mb"]) << 20)
    _limit(resource.RLIMIT_CPU, max(1, int(setup["cpu_s"])))
    _limit(resource.RLIMIT_FSIZE, 16 << 20)

    def say(obj):
        proto.write(json.dumps(obj, allow_nan=True) + "\n")
        proto.flush()

    try:
        sys.path.insert(0, setup["path"])
        module = __import__(setup["module"], fromlist=["_"])
        fn = getattr(module, setup["function"])
        if not callable(fn):
            raise TypeError(f"{setup['function']} is not callable")
    except BaseException as exc:  # noqa: BLE001 - an import that exits or crashes is reported
        say({"error": f"import failed: {type(exc).__name__}: {str(exc)[:300]}",
             "traceback": "".join(traceback.format_exc(limit=-3))[-1500:]})
        return
    say({"ready": True})
    for line in requests:
        request = json.loads(line)
        if request["op"] == "check":
            results = []
            for raw in request["inputs"]:
                args = decode(raw)
                r = _call(fn, args)
                r["args"] = encode(args)
                results.append(r)
            say({"results": results})
        elif request["op"] == "run":
            say(_call(fn, decode(request["args"])))


if __name__ == "__main__":
    main()
