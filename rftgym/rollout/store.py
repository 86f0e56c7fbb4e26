"""Run folders: ``manifest.json``, ``trajectories.jsonl`` (one episode a line, flushed as each ends),
``summary.json``. A folder is never overwritten: continuing one takes ``resume=True``.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import threading
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from rftgym.sandbox.confine import hide
from rftgym.types import Trajectory

_PACKAGES = ("rftgym", "gymnasium", "numpy", "gitpython", "regex", "ray", "docker", "openai")


class RunExistsError(FileExistsError):
    pass


def package_versions() -> dict[str, str]:
    out = {}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def machine_facts() -> dict[str, Any]:
    return {"python": sys.version.split()[0], "platform": platform.platform(), "machine": platform.machine(),
            "cpus": os.cpu_count(), "hostname": platform.node()}


class RunStore:
    def __init__(self, out: str | Path, resume: bool = False) -> None:
        self.dir = Path(out)
        self.path = self.dir / "trajectories.jsonl"
        self._lock = threading.Lock()
        if self.path.exists() and self.path.stat().st_size and not resume:
            raise RunExistsError(f"{self.dir} already holds a run; pass --resume to finish it, or choose another --out")
        self.dir.mkdir(parents=True, exist_ok=True)
        hide(self.dir)  # other episodes' submissions and grades are no business of a running agent
        self._repair()

    def _repair(self) -> None:
        """Drop a torn last line (the driver died mid-write), keeping every complete episode."""
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        if not data or data.endswith(b"\n"):
            return
        keep = data[: data.rfind(b"\n") + 1]
        with open(self.path, "wb") as fh:
            fh.write(keep)
            fh.flush()
            os.fsync(fh.fileno())

    def load(self) -> list[Trajectory]:
        """The recorded episodes, one per ``(task_id, sample)``: when an episode was recorded twice (a
        resume re-ran one that had an ``infra_error``), the later record wins."""
        if not self.path.exists():
            return []
        out: dict[tuple[str, int], Trajectory] = {}
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    traj = Trajectory.from_dict(json.loads(line))
                    out[(traj.task_id, traj.sample)] = traj
        return list(out.values())

    def append(self, traj: Trajectory) -> None:
        line = traj.to_json() + "\n"
        with self._lock, open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())

    def append_many(self, trajs: list[Trajectory], lines: list[str | None] | None = None) -> None:
        """``append`` for a batch with one fsync (a group commit): a runner finishing hundreds of episodes
        a second pays one disk flush per batch, not per episode. All of them are on disk on return.
        ``lines``: each trajectory's ``to_json()`` text where the caller has it already (a Ray actor
        sends its episode as that text), else None, so that no episode is encoded twice."""
        if not trajs:
            return
        texts = lines if lines is not None else [None] * len(trajs)
        data = "".join((line if line is not None else t.to_json()) + "\n" for t, line in zip(trajs, texts))
        with self._lock, open(self.path, "a", encoding="utf-8") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())

    def write_json(self, name: str, data: dict[str, Any]) -> None:
        tmp = self.dir / f".{name}.tmp"
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
        os.replace(tmp, self.dir / name)

    def read_json(self, name: str) -> dict[str, Any] | None:
        p = self.dir / name
        return json.loads(p.read_text()) if p.exists() else None


def load_run(path: str | Path) -> tuple[dict[str, Any], list[Trajectory], dict[str, Any]]:
    """(manifest, trajectories sorted by task and sample, summary) of a run folder."""
    d = Path(path)
    if not (d / "trajectories.jsonl").exists():
        raise FileNotFoundError(f"{d} is not a run folder (no trajectories.jsonl); pass the --out of a run")
    store = RunStore(d, resume=True)
    trajs = sorted(store.load(), key=lambda t: (t.task_id, t.sample))
    return store.read_json("manifest.json") or {}, trajs, store.read_json("summary.json") or {}


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
