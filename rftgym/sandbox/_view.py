"""Run a command in a filesystem view holding only the system, the Python environment and one workspace.

Started by ``rftgym.sandbox.confine`` as ``unshare -m -n -p -f python -I -S _view.py ROOT CWD --rw
PATHS... --ro PATHS... --cover PATHS... -- ARGV...`` (``-r`` too where only a user namespace is
allowed), so it is the first process of private mount, network and PID namespaces. ``ROOT`` is an
empty directory to build the view on, ``CWD`` where the command starts, ``--rw``/``--ro`` paths are
bound at the same place, writable or read-only, and ``--cover`` paths are hidden should a bound
path contain them (all absolute). The view:

- a read-only tmpfs as ``/``; ``/usr``, ``/etc`` and the ``/bin``/``/lib*``/``/sbin`` links or
  folders of the host, read-only;
- ``/dev`` with ``null``, ``zero``, ``full``, ``random``, ``urandom``, ``tty`` only, an empty
  ``/dev/shm``, an empty ``/tmp``, and a ``/proc`` of the new PID namespace (no other process's
  ``/proc/<pid>/root`` to walk through);
- the ``rw`` and ``ro`` paths, then ``cover`` (an empty read-only tmpfs on a folder, ``/dev/null``
  on a file).

Then ``pivot_root`` makes the view ``/`` and the host's tree is detached: nothing else of the
machine is reachable by any path. Last, the process enters a new user and mount namespace (its uid
mapped to itself), in which the kernel locks every mount of the view: the command, even as root,
cannot unmount a cover to see what lies under it, remount a read-only folder writable, or make
device nodes. Any failure exits 125 before the command runs (fail closed).
Standard library only, and few modules of it (no ``json``, ``re`` or ``platform``), run with
``-I -S``: it adds about 20 ms to a command here, most of it the interpreter's start.
"""

import ctypes
import os
import sys

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
KEPT_FLAGS = MS_NOSUID | MS_NODEV | MS_NOEXEC | 1024 | 2048 | 4096  # noatime, nodiratime, relatime
MNT_DETACH = 2
CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000
PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217, "i686": 217}
SYSTEM = ("usr", "etc", "bin", "sbin", "lib", "lib32", "lib64", "libx32")
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")

libc = ctypes.CDLL(None, use_errno=True)


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def mount(source, target, fstype, flags, data=None) -> None:
    enc = lambda s: s.encode() if s is not None else None  # noqa: E731
    _check(libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {source or ''} on {target}")


def bind(source: str, target: str, read_only: bool) -> None:
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    mount(source, target, None, MS_BIND | MS_REC)
    if read_only:  # keep the flags a user namespace may not clear
        kept = os.statvfs(source).f_flag & KEPT_FLAGS
        mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | kept)


def build(spec: dict) -> None:
    root = spec["root"]
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    mount("rftgym-view", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m")
    for name in SYSTEM:
        host = "/" + name
        if os.path.islink(host):
            os.symlink(os.readlink(host), f"{root}/{name}")
        elif os.path.isdir(host):
            bind(host, f"{root}/{name}", read_only=True)
    os.makedirs(f"{root}/dev/shm")
    for dev in DEVICES:
        if os.path.exists(f"/dev/{dev}"):
            bind(f"/dev/{dev}", f"{root}/dev/{dev}", read_only=False)
    for i, name in enumerate(("stdin", "stdout", "stderr")):
        os.symlink(f"/proc/self/fd/{i}", f"{root}/dev/{name}")
    os.symlink("/proc/self/fd", f"{root}/dev/fd")
    mount("shm", f"{root}/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=256m")
    os.makedirs(f"{root}/tmp")
    mount("tmp", f"{root}/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777")
    os.makedirs(f"{root}/proc")
    mount("proc", f"{root}/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    done: list[str] = []
    for path, read_only in [(p, False) for p in spec["rw"]] + [(p, True) for p in spec["ro"]]:
        if any(path == d or path.startswith(d.rstrip("/") + "/") for d in done) and read_only:
            continue  # already visible through a bound folder
        bind(path, root + path, read_only)
        done.append(path)
    for path in spec["cover"]:
        target = root + path
        if not os.path.lexists(target):
            continue
        if os.path.isdir(target):
            mount("rftgym-hidden", target, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k,mode=0555")
        else:
            mount("/dev/null", target, None, MS_BIND)
    mount(None, root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    machine = os.uname().machine
    number = PIVOT_ROOT.get(machine)
    if number is None:
        raise OSError(0, f"no pivot_root syscall number known for {machine}")
    os.chdir(root)
    _check(libc.syscall(ctypes.c_long(number), b".", b"."), "pivot_root")
    _check(libc.umount2(b".", MNT_DETACH), "detaching the host's tree")
    lock()
    os.chdir(spec["cwd"])


def lock() -> None:
    """Move into a user namespace below this one, with a mount namespace: the mounts copied into it
    come from a more privileged namespace, so the kernel locks them (``MNT_LOCKED``,
    ``MNT_LOCK_READONLY``)."""
    uid, gid = os.geteuid(), os.getegid()
    _check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS), "entering a locked user namespace")
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)


def parse(args: list[str]) -> tuple[dict, list[str]]:
    """``ROOT CWD --rw ... --ro ... --cover ... -- ARGV`` -> (spec, argv)."""
    spec: dict = {"root": args[0], "cwd": args[1], "rw": [], "ro": [], "cover": []}
    group = None
    for i, arg in enumerate(args[2:], start=2):
        if arg == "--":
            return spec, args[i + 1:]
        if arg in ("--rw", "--ro", "--cover"):
            group = spec[arg[2:]]
        else:
            group.append(arg)
    raise SystemExit("_view.py: no '--' before the command")


def main() -> None:
    spec, argv = parse(sys.argv[1:])
    try:
        build(spec)
    except OSError as exc:
        print(f"rftgym: could not build the sandbox's view of the filesystem ({exc}); refusing to run",
              file=sys.stderr)
        sys.exit(125)
    try:
        os.execvp(argv[0], argv)
    except OSError as exc:
        print(f"{argv[0]}: {exc.strerror}", file=sys.stderr)
        sys.exit(127)


if __name__ == "__main__":
    main()
