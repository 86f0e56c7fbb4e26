"""Index of a run folder for the viewer: one small row per episode plus the byte offset of its line.

``RunIndex(path)`` reads ``trajectories.jsonl`` once, keeping for each complete line its ``(offset,
length)`` and a summary row (task, sample, reward, components, turns, calls, errors, wall time); the
full episode is read back from its offset only when it is opened (``episode(i)``), so a 100 MB run
holds a few MB in memory. ``refresh()`` reads only what was appended since the last call (a live
run). A last line without its newline is not indexed yet: it is either being written (and appears
on a later refresh) or torn (the driver died); either way it is skipped and ``notes`` says so. A
line that is not valid JSON is skipped with a note too; nothing an episode holds makes the index fail.

Also read when present: ``manifest.json``, ``summary.json``, ``tasks.jsonl`` (gold data, served only
on request), ``metrics.jsonl`` (per-step training metrics), ``stress.json`` or ``stress/stress.json``
(tasks some hack passed: flagged as exploitable), ``report.html`` (linked).
"""

from __future__ import annotations

import bisect
import json
import mmap
import threading
from pathlib import Path
from typing import Any

_SEARCH_CHUNK = 16 << 20  # bytes of the run file lowered and searched at a time
SORT_KEYS = ("index", "task_id", "sample", "reward", "turns", "calls", "tool_errors", "wall_s")


class RunFolderError(ValueError):
    """The path is not a run folder the viewer can open; the message says why and what to pass."""


def check_run_folder(path: str | Path) -> Path:
    """``path`` as a Path when it holds ``trajectories.jsonl``; else RunFolderError with a clear message."""
    d = Path(path)
    if not d.exists():
        raise RunFolderError(f"{d} does not exist; pass the --out folder of `rftgym eval`")
    if not d.is_dir():
        raise RunFolderError(f"{d} is a file, not a run folder; pass the folder that holds trajectories.jsonl")
    if not (d / "trajectories.jsonl").is_file() and not (d / "metrics.jsonl").is_file():
        raise RunFolderError(f"{d} is not a run folder (no trajectories.jsonl or metrics.jsonl); "
                             "pass the --out folder of `rftgym eval`")
    return d


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Complete, valid JSON-object lines of ``path`` ([] when it is missing); bad lines are dropped."""
    out = []
    try:
        data = path.read_bytes()
    except OSError:
        return out
    for line in data.split(b"\n"):
        if line.strip():
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict):
                out.append(obj)
    return out


def summarize(d: dict[str, Any]) -> dict[str, Any]:
    """The list row of one trajectory dict: what the run list shows, sorts and filters on."""
    turns = d.get("turns") or []
    grade = d.get("grade") or {}
    codes: list[str] = []
    for t in turns:
        codes.extend(t.get("error_codes") or [])
    if d.get("infra_error"):
        codes.append("INFRA_ERROR")
    calls = sum(int(t.get("calls") or 0) for t in turns)
    return {
        "task_id": str(d.get("task_id", "")),
        "sample": int(d.get("sample") or 0),
        "reward": float(d.get("reward") or 0.0),
        "components": grade.get("components") or {},
        "grade_error": grade.get("error"),
        "turns": len(turns),
        "calls": calls,
        "calls_per_turn": calls / len(turns) if turns else 0.0,
        "tool_errors": sum(int(t.get("errors") or 0) for t in turns),
        "error_codes": sorted(set(codes)),
        "infra_error": d.get("infra_error"),
        "error": d.get("error"),
        "truncated": bool(d.get("truncated")),
        "truncation_reason": d.get("truncation_reason"),
        "submitted": d.get("submission") is not None,
        "wall_s": float(d.get("wall_s") or 0.0),
        "policy": d.get("policy", ""),
    }


class RunIndex:
    """A run folder indexed by byte offsets; thread-safe. See the module docstring."""

    def __init__(self, path: str | Path) -> None:
        self.dir = check_run_folder(path)
        self.path = self.dir / "trajectories.jsonl"
        self._lock = threading.Lock()
        self._offsets: list[tuple[int, int]] = []
        self.rows: list[dict[str, Any]] = []
        self._end = 0  # bytes of the file indexed so far (always just after a newline)
        self._bad_lines: list[int] = []  # line numbers (1-based) that were not valid JSON
        self._pending = 0  # bytes of an unfinished last line at the last refresh
        self._lines = 0
        self.manifest = _read_json(self.dir / "manifest.json") or {}
        self.summary = _read_json(self.dir / "summary.json") or {}
        self.exploit_tasks = self._stress_tasks()
        self.refresh()

    # -- reading -----------------------------------------------------------------------------
    def refresh(self) -> int:
        """Index lines appended since the last call; returns how many episodes were added."""
        with self._lock:
            try:
                size = self.path.stat().st_size
            except OSError:
                return 0
            if size < self._end:  # the file was replaced or truncated: start over
                self._offsets, self.rows, self._end, self._bad_lines, self._lines = [], [], 0, [], 0
            if size == self._end:
                self._pending = 0
                return 0
            with open(self.path, "rb") as fh:
                fh.seek(self._end)
                data = fh.read(size - self._end)
            added, pos = 0, 0
            while True:
                nl = data.find(b"\n", pos)
                if nl < 0:
                    break
                line = data[pos:nl]
                if line.strip():
                    self._lines += 1
                    added += self._add(line, self._end + pos)
                pos = nl + 1
            self._end += pos
            self._pending = len(data) - pos if data[pos:].strip() else 0
            if not data[pos:].strip():
                self._end += len(data) - pos
            return added

    def _add(self, line: bytes, offset: int) -> int:
        try:
            d = json.loads(line)
            if not isinstance(d, dict):
                raise ValueError("not an object")
            row = summarize(d)
        except (ValueError, TypeError, AttributeError):
            self._bad_lines.append(self._lines)
            return 0
        row["index"] = len(self.rows)
        row["exploit"] = row["task_id"] in self.exploit_tasks
        self.rows.append(row)
        self._offsets.append((offset, len(line)))
        return 1

    def episode(self, i: int) -> dict[str, Any]:
        """The full trajectory dict of episode ``i`` (IndexError when out of range)."""
        with self._lock:
            if not 0 <= i < len(self._offsets):
                raise IndexError(f"no episode {i}; the run has {len(self._offsets)}")
            offset, length = self._offsets[i]
        with open(self.path, "rb") as fh:
            fh.seek(offset)
            d = json.loads(fh.read(length))
        d["index"] = i
        d["exploit"] = self.rows[i]["exploit"]
        return d

    def find(self, task_id: str, sample: int) -> int | None:
        """Index of the episode with this task and sample (the last one when repeated), or None."""
        with self._lock:
            for row in reversed(self.rows):
                if row["task_id"] == task_id and row["sample"] == sample:
                    return row["index"]
        return None

    def gold(self, task_id: str) -> dict[str, Any] | None:
        """The task's record from ``tasks.jsonl`` (gold files, hidden tests, answer), or None."""
        for t in _read_jsonl(self.dir / "tasks.jsonl"):
            if t.get("id") == task_id:
                return t
        return None

    def metrics(self) -> list[dict[str, Any]]:
        """Rows of ``metrics.jsonl`` (one per training step), [] when the run has none."""
        return _read_jsonl(self.dir / "metrics.jsonl")

    def _stress_tasks(self) -> set[str]:
        """Tasks that some hack or the null policy passed, per ``stress.json`` if the folder has one."""
        for p in (self.dir / "stress.json", self.dir / "stress" / "stress.json"):
            data = _read_json(p)
            if isinstance(data, dict):
                out: set[str] = set()
                for r in (data.get("policies") or {}).values():
                    out.update(r.get("passed_tasks") or [])
                return out
        return set()

    @property
    def notes(self) -> list[str]:
        """What the index skipped and why (torn or unfinished last line, invalid lines)."""
        out = []
        if self._pending:
            out.append(f"the last line of trajectories.jsonl is incomplete ({self._pending} bytes without a "
                       "newline): a torn write or an episode being written; skipped")
        if self._bad_lines:
            shown = ", ".join(map(str, self._bad_lines[:10]))
            out.append(f"{len(self._bad_lines)} line(s) of trajectories.jsonl are not valid JSON and were "
                       f"skipped (line {shown})")
        return out

    def info(self) -> dict[str, Any]:
        """What the run header shows: name, counts, manifest facts, summary, extras present."""
        return {
            "path": str(self.dir), "name": self.dir.name, "episodes": len(self.rows), "notes": self.notes,
            "env_id": self.manifest.get("env_id") or self.summary.get("env_id"),
            "policy": self.manifest.get("policy") or self.summary.get("policy") or (self.rows[0]["policy"] if self.rows else None),
            "created": self.manifest.get("created"), "summary": self.summary,
            "report": (self.dir / "report.html").is_file(), "training": (self.dir / "metrics.jsonl").is_file(),
            "gold": (self.dir / "tasks.jsonl").is_file(), "stress": bool(self.exploit_tasks),
            "exploit_tasks": sorted(self.exploit_tasks),
        }

    # -- querying ----------------------------------------------------------------------------
    def containing(self, text: str) -> set[int]:
        """Indices of the episodes whose stored line holds ``text``, ignoring the case of ASCII
        letters: the conversation, tool calls and outputs, the submission and the grade. The text is
        matched as JSON stores it (quotes, backslashes, newlines escaped; non-ASCII either raw or
        ``\\u`` escaped). The file is scanned in lowered chunks with ``bytes.find`` (a 100 MB run in
        well under a second; ``re.IGNORECASE`` was 3x slower), skipping to the next episode after a hit."""
        if not text:
            raise ValueError("the search text is empty")
        needles = sorted({json.dumps(text)[1:-1].encode().lower(),
                          json.dumps(text, ensure_ascii=False)[1:-1].encode("utf-8").lower()})
        with self._lock:
            offsets, end = list(self._offsets), self._end
        if not offsets:
            return set()
        starts = [o for o, _ in offsets]
        overlap = max(len(n) for n in needles) - 1
        found: set[int] = set()
        with open(self.path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            for lo in range(0, end, _SEARCH_CHUNK):
                hi = min(end, lo + _SEARCH_CHUNK + overlap)
                chunk = data[lo:hi].lower()
                for needle in needles:
                    pos = chunk.find(needle)
                    while pos >= 0:
                        at = lo + pos
                        i = bisect.bisect_right(starts, at) - 1
                        o, n = offsets[i] if i >= 0 else (0, 0)
                        if i >= 0 and at + len(needle) <= o + n:
                            found.add(i)
                            pos = chunk.find(needle, max(pos + 1, o + n - lo))  # next episode
                        else:  # between lines (a skipped invalid line) or across a line end
                            pos = chunk.find(needle, pos + 1)
        return found

    def query(self, *, offset: int = 0, limit: int = 50, sort: str = "index", desc: bool = False,
              min_reward: float | None = None, max_reward: float | None = None, error_code: str | None = None,
              task: str | None = None, truncated: bool | None = None, exploit: bool | None = None,
              text: str | None = None) -> dict[str, Any]:
        """One page of rows after filters and sort: ``{total, offset, limit, rows}``.

        ``task`` matches as a substring of the task id; ``error_code`` as one of the episode's codes
        (``any`` = at least one); ``text`` anywhere in the episode (``containing``). Unknown ``sort``
        keys raise ValueError.
        """
        if sort not in SORT_KEYS:
            raise ValueError(f"sort must be one of {', '.join(SORT_KEYS)}, not {sort!r}")
        hits = self.containing(text) if text else None
        with self._lock:
            rows = list(self.rows)
        if hits is not None:
            rows = [r for r in rows if r["index"] in hits]
        if min_reward is not None:
            rows = [r for r in rows if r["reward"] >= min_reward]
        if max_reward is not None:
            rows = [r for r in rows if r["reward"] <= max_reward]
        if error_code:
            rows = [r for r in rows if (r["error_codes"] if error_code == "any" else error_code in r["error_codes"])]
        if task:
            rows = [r for r in rows if task in r["task_id"]]
        if truncated is not None:
            rows = [r for r in rows if r["truncated"] == truncated]
        if exploit is not None:
            rows = [r for r in rows if r["exploit"] == exploit]
        if sort != "index" or desc:
            rows.sort(key=lambda r: (r[sort], r["index"]), reverse=desc)
        offset, limit = max(0, offset), max(1, min(limit, 1000))
        return {"total": len(rows), "offset": offset, "limit": limit, "rows": rows[offset:offset + limit]}

    def error_codes(self) -> list[str]:
        with self._lock:
            return sorted({c for r in self.rows for c in r["error_codes"]})

    def groups(self) -> list[dict[str, Any]]:
        """Per task: its samples' rewards (by sample), mean, spread (max - min) and std, task order."""
        by: dict[str, list[dict[str, Any]]] = {}
        with self._lock:
            for r in self.rows:
                by.setdefault(r["task_id"], []).append(r)
        out = []
        for task_id in sorted(by):
            rs = sorted(by[task_id], key=lambda r: r["sample"])
            rewards = [r["reward"] for r in rs]
            mean = sum(rewards) / len(rewards)
            std = (sum((x - mean) ** 2 for x in rewards) / len(rewards)) ** 0.5
            out.append({"task_id": task_id, "n": len(rs), "mean": mean, "std": std,
                        "spread": max(rewards) - min(rewards), "exploit": rs[0]["exploit"],
                        "samples": [{"index": r["index"], "sample": r["sample"], "reward": r["reward"]} for r in rs]})
        return out
