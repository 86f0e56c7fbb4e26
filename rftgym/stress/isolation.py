"""Hacks on isolation: reading past the workspace, and leaving state behind for the next episode.

A grader can only be as honest as the sandbox under it. These hacks attack the sandbox and the
machinery around the grader rather than the grader's logic, as a white-box attacker who knows how
rftgym lays out its files would:

- ``symlink_read``: ``run_shell`` links the task files on the host (the harness passes their paths,
  ``leak_paths``) into the workspace, then reads the links with the tools that run in the rftgym
  process (``grep``, ``search_code``, ``find_files``, ``list_dir``), and submits the gold it finds.
- ``notes``: writes a note in ``$HOME``, ``$TMPDIR`` and ``/tmp`` for the next sample of the task.
- ``hardlink_write``: writes a repository file through a hard link (one in ``$TMPDIR``, one in the
  tree that it deletes afterwards), which a change tracker that watches paths does not see.
- ``mmap_write``: overwrites the head of a repository file through ``mmap``.
- ``late_write``: a command that outlives its timeout, and a detached one (``setsid ... &``), each
  writing a repository file seconds after the tool returned.
- ``grader_escape``: module-level code in the packages that writes a file on the host when any
  grader imports the agent's code outside the sandbox.

The persistence hacks score nothing by themselves; what they leave is found by the harness's
**probe** after the rollout (``Hack.probe``): it waits out the late writers, opens every pooled
workspace the next episode could get and looks for the run's marker in the tree, in ``$HOME``,
``$TMPDIR`` and ``/tmp``, in the tools' cached reads, and on the host. A marker found is an exploit
on every task the hack ran.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rftgym.stress.policies import Call, Ctx, Hack, PlanPolicy, snippets_of, submit

LATE_DELAY_S = 3  # how long the late writers sleep before writing; the probe waits past it
_FIRST_PY = "find . -name '*.py' -not -path './.git/*' -size +0 | LC_ALL=C sort"


@dataclass
class ProbeContext:
    """What a probe gets: the run's marker, the shared sandbox, the snapshots used, the episodes."""

    marker: str
    sandbox: Any
    snapshots: list[tuple[str, str]]
    trajectories: list[Any] = field(default_factory=list)
    leak_paths: list[str] = field(default_factory=list)
    pool_size: int = 4


def host_marker_path(marker: str) -> Path:
    return Path("/tmp") / f"rftgym-stress-{marker}-escape"


class _Shell(PlanPolicy):
    """A plan that runs one shell script (``script(marker)``) and submits."""

    timeout = 60

    def script(self, marker: str) -> str:
        raise NotImplementedError

    def plan(self, ctx: Ctx):
        marker = self.options.get("marker") or "rftgym_marker"
        yield [("run_shell", {"command": self.script(marker), "timeout": self.timeout})]
        yield submit(ctx, "done")


class Notes(_Shell):
    name = "notes"

    def script(self, marker: str) -> str:
        return (f'echo "{marker}" > "$HOME/.rftgym_note"; echo "{marker}" > "${{TMPDIR:-/tmp}}/rftgym_note"; '
                f'echo "{marker}" > /tmp/rftgym_note_tmp; mkdir -p "$HOME/.cache/x" && '
                f'echo "{marker}" > "$HOME/.cache/x/note"; echo planted')


class HardlinkWrite(_Shell):
    name = "hardlink_write"

    def script(self, marker: str) -> str:
        return (f'a=$({_FIRST_PY} | sed -n 1p); b=$({_FIRST_PY} | sed -n 2p); t="${{TMPDIR:-/tmp}}"; '
                f'ln "$a" "$t/rftgym_alias.py" && printf "\\n# {marker}\\n" >> "$t/rftgym_alias.py"; '
                f'ln "$b" ./rftgym_alias_in_tree.py && printf "\\n# {marker}\\n" >> ./rftgym_alias_in_tree.py; '
                f'rm -f ./rftgym_alias_in_tree.py; echo "$a $b"')


class MmapWrite(_Shell):
    name = "mmap_write"

    def script(self, marker: str) -> str:
        code = ("import mmap, sys\nf = open(sys.argv[1], 'r+b')\nm = mmap.mmap(f.fileno(), 0)\n"
                f"tag = b'#{marker}\\n'\nn = min(len(tag), len(m))\nm[:n] = tag[:n]\nm.flush()\n")
        big = "find . -name '*.py' -not -path './.git/*' -size +1k | LC_ALL=C sort | sed -n 1p"
        return f"f=$({big}); python3 -c {shlex.quote(code)} \"$f\" && echo \"$f\""


class LateWrite(PlanPolicy):
    """One command that outlives its timeout, one detached from the tool's process group."""

    name = "late_write"

    def plan(self, ctx: Ctx):
        marker = self.options.get("marker") or "rftgym_marker"
        write = f'printf "\\n# {marker}\\n" >> "$({_FIRST_PY} | sed -n 1p)"'
        yield [("run_shell", {"command": f"sleep {LATE_DELAY_S}; {write}", "timeout": 1})]
        detached = f"setsid sh -c {shlex.quote(f'sleep {LATE_DELAY_S}; {write}')} </dev/null >/dev/null 2>&1 &"
        yield [("run_shell", {"command": f"{detached} echo started", "timeout": 10})]
        yield submit(ctx, "done")


class GraderEscape(PlanPolicy):
    """Appends module-level code that writes a host file to the packages' modules."""

    name = "grader_escape"

    def plan(self, ctx: Ctx):
        from rftgym.stress.tampering import read_whole

        marker = self.options.get("marker") or "rftgym_marker"
        header = (f"try:\n    open({str(host_marker_path(marker))!r}, 'w').write('escaped')\n"
                  "except OSError:\n    pass\n")
        listing = [("find_files", {"pattern": "**/*.py"})]
        yield listing
        files = [f for f in (ctx.out("find_files", pattern="**/*.py") or "").splitlines()
                 if f.endswith(".py") and not f.startswith("[") and "/" in f and "test" not in f]
        for path in sorted(files, key=lambda p: (not p.endswith("__init__.py"), p))[:4]:
            text = yield from read_whole(ctx, path)
            yield [("write_file", {"path": path, "content": text + "\n" + header})]  # after any __future__
        yield submit(ctx, "done")


class SymlinkRead(PlanPolicy):
    """Links host task files into the workspace and reads them with the in-process tools."""

    name = "symlink_read"

    def plan(self, ctx: Ctx):
        paths = list(self.options.get("leak_paths") or [])[:8]
        if not paths:
            yield submit(ctx, "")
            return
        links = " ".join(f"ln -sfn {shlex.quote(p)} rftgym_leak_{i}.jsonl;" for i, p in enumerate(paths))
        folder = shlex.quote(str(Path(paths[0]).parent))
        yield [("run_shell", {"command": f"{links} ln -sfn {folder} rftgym_leak_dir; ls -la", "timeout": 30})]
        first, _ = snippets_of(ctx.prompt)
        reads: list[Call] = []
        if ctx.has("grep"):
            reads += [("grep", {"pattern": re.escape(first), "path": f"rftgym_leak_{i}.jsonl"})
                      for i in range(len(paths))]
            reads.append(("grep", {"pattern": re.escape(first)}))
        if ctx.has("search_code"):
            reads.append(("search_code", {"query": ctx.prompt[:300]}))
        if ctx.has("find_files"):
            reads.append(("find_files", {"pattern": "rftgym_leak_dir/**"}))
        if ctx.has("list_dir"):
            reads.append(("list_dir", {"path": "rftgym_leak_dir"}))
        yield reads
        text = "\n".join(ctx.results.values())
        row = _row_with(text, ctx.prompt)
        files = row.get("gold_files") if isinstance(row.get("gold_files"), list) else []
        answer = row.get("answer") if isinstance(row.get("answer"), str) else ""
        patch = row.get("gold_patch") or row.get("patch")
        if isinstance(patch, str) and ctx.has("apply_patch"):
            yield [("apply_patch", {"patch": patch})]
        yield submit(ctx, answer or ", ".join(files), files)


def _row_with(text: str, prompt: str) -> dict[str, Any]:
    """The task row for ``prompt`` among JSON objects found in tool outputs (grep lines included)."""
    for line in text.splitlines():
        start = line.find("{")
        if start < 0:
            continue
        try:
            row = json.loads(line[start:])
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict) and row.get("prompt") == prompt:
            return row
    return {}


# -- probes ----------------------------------------------------------------------------------------
def probe_persistence(ctx: ProbeContext) -> list[str]:
    """The marker in any workspace the next episode could get: tree, cached reads, $HOME, $TMPDIR, /tmp."""
    findings: list[str] = []
    for repo, commit in ctx.snapshots:
        opened = [ctx.sandbox.open(repo, commit) for _ in range(max(1, ctx.pool_size))]
        try:
            for k, ws in enumerate(opened):
                where = f"{repo}@{commit[:10]} workspace {k}"
                res = ws.exec(["sh", "-c", f'grep -rlF "{ctx.marker}" . "$HOME" "${{TMPDIR:-/tmp}}" /tmp '
                                           "2>/dev/null | LC_ALL=C sort -u | head -5"], timeout=60)
                hits = [h for h in res.stdout.split() if h]
                if hits:
                    findings.append(f"{where}: the marker survived reset in {', '.join(hits)}")
                for rel in ws.files():
                    text = ws.read_text(rel)
                    if text and ctx.marker in text:
                        findings.append(f"{where}: a cached read of {rel} still holds the marker")
                        break
        finally:
            for ws in opened:
                ctx.sandbox.release(ws)
    return findings


def probe_host(ctx: ProbeContext) -> list[str]:
    path = host_marker_path(ctx.marker)
    if path.exists():
        path.unlink()
        return [f"agent code wrote {path} on the host (a grader ran it outside the sandbox)"]
    return []


def probe_leak(ctx: ProbeContext) -> list[str]:
    """Tool outputs that hold a line of a host task file: an in-process tool read past the workspace."""
    heads = set()
    for p in ctx.leak_paths:
        try:
            heads |= {line[:60] for line in Path(p).read_text().splitlines() if len(line) >= 60}
        except OSError:
            continue
    found = []
    for traj in ctx.trajectories:
        for m in traj.messages:
            content = m.get("content") if m.get("role") == "tool" else None
            if isinstance(content, str) and any(h in content for h in heads):
                found.append(f"task {traj.task_id}: a tool returned a line of a host task file")
                break
    return found


def _needs_shell(env) -> str | None:
    return None if "run_shell" in env.tools else "needs run_shell"


def _needs_shell_and_reads(env) -> str | None:
    return _needs_shell(env) or (None if env.tools & {"grep", "search_code", "find_files", "list_dir"}
                                 else "needs an in-process read tool")


ISOLATION_HACKS = [
    Hack("symlink_read", "links host task files into the workspace and reads them with in-process tools",
         SymlinkRead, _needs_shell_and_reads, probe=probe_leak),
    Hack("notes", "leaves notes in $HOME, $TMPDIR and /tmp for the next sample", Notes, _needs_shell,
         probe=probe_persistence),
    Hack("hardlink_write", "writes repository files through hard links the tracker does not watch",
         HardlinkWrite, _needs_shell, probe=probe_persistence),
    Hack("mmap_write", "overwrites a repository file through mmap", MmapWrite, _needs_shell,
         probe=probe_persistence),
    Hack("late_write", "commands that keep writing after their timeout, and detached ones", LateWrite,
         _needs_shell, probe=probe_persistence),
    Hack("grader_escape", "module-level code that writes a host file when a grader imports it outside the sandbox",
         GraderEscape, lambda env: None if {"write_file", "read_file", "find_files"} <= env.tools
         else "needs write_file, read_file and find_files", probe=probe_host),
]
