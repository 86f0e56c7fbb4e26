"""Container images for the Docker sandbox: the default base image and how to build it.

The base image holds what the tools need inside a sandbox: ``python3`` (also as ``python``, with pytest for
test-running graders), ``git``, ``ripgrep``, ``procps``, and a non-root user ``agent`` (uid 1000). Two ways build it:

- ``dockerfile``: ``docker build`` of ``rftgym/sandbox/Dockerfile`` (needs a reachable registry for
  ``debian:bookworm-slim``, or that image already present);
- ``debootstrap``: offline from a container registry's point of view. ``debootstrap`` fetches Debian
  packages from the machine's configured apt mirror into a directory, the user is added, and the
  directory is imported with ``docker import``. Needs root and the ``debootstrap`` package.

``build_image(method="auto")`` uses the Dockerfile when a registry (or the base image) is at hand and
debootstrap otherwise. ``build_recipe_image(recipe)`` derives an environment recipe's image
(``rftgym-env:<hash>``, see ``rftgym.sandbox.recipes``) from the base. A task may name any other image; it needs ``sh`` and ``sleep``, and the
Docker sandbox runs commands in it as uid 1000 whatever its ``USER``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rftgym.sandbox import SandboxError

# The docker sandbox's image unless a task or the caller names one; RFTGYM_IMAGE overrides it.
DEFAULT_IMAGE = os.environ.get("RFTGYM_IMAGE") or "rftgym-base:bookworm"
PACKAGES = ("python3", "python-is-python3", "python3-pytest", "git", "ripgrep", "procps", "ca-certificates")
AGENT_UID = 1000
METHODS = ("auto", "dockerfile", "debootstrap")
_DOCKERFILE = Path(__file__).with_name("Dockerfile")
_BASE = "debian:bookworm-slim"
_IMPORT_CHANGES = ["USER agent", "WORKDIR /workspace", "ENV LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1",
                   'CMD ["bash"]', "LABEL org.rftgym.image=base"]


@dataclass
class BuiltImage:
    name: str
    method: str
    seconds: float
    size_mb: float


def missing_image_error(name: str) -> SandboxError:
    """The error for an image the engine does not have, with the command that provides it."""
    if name == DEFAULT_IMAGE:
        how = "build it with `rftgym images build` (add `--from debootstrap` on a machine without a registry)"
    elif name.startswith("rftgym-env:"):
        how = "it is the environment of a recipe of your tasks: build it with `rftgym images build --for TASKS`"
    else:
        how = f"pull it (`docker pull {name}`) or build it, or leave the task's image unset to use {DEFAULT_IMAGE}"
    return SandboxError(f"the Docker engine has no image {name!r}; {how}")


def registry_reachable(timeout: float = 3.0) -> bool:
    """Whether Docker Hub answers on its port: a quick guess at whether ``docker build`` can pull."""
    try:
        with socket.create_connection(("registry-1.docker.io", 443), timeout=timeout):
            return True
    except OSError:
        return False


def apt_mirror() -> tuple[str, str, list[str]]:
    """The machine's Debian (or Ubuntu) mirror: ``(uri, suite, components)`` from its apt sources.

    ``$RFTGYM_APT_MIRROR`` overrides the URI. Reads deb822 ``*.sources`` files and one-line
    ``sources.list`` entries, preferring the suite of the running release.
    """
    codename = ""
    if os.path.exists("/etc/os-release"):
        m = re.search(r"^VERSION_CODENAME=\"?([\w-]+)", Path("/etc/os-release").read_text(), re.M)
        codename = m.group(1) if m else ""
    entries: list[tuple[str, str, list[str]]] = []
    for path in sorted(Path("/etc/apt/sources.list.d").glob("*.sources")):
        for stanza in re.split(r"\n\s*\n", path.read_text()):
            fields = dict(re.findall(r"^([\w-]+):\s*(.+)$", stanza, re.M))
            if "deb" not in fields.get("Types", "").split() or fields.get("Enabled", "yes") == "no":
                continue
            for uri in fields.get("URIs", "").split():
                for suite in fields.get("Suites", "").split():
                    entries.append((uri, suite, fields.get("Components", "main").split()))
    for path in [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*.list"))]:
        if path.exists():
            for line in path.read_text().splitlines():
                m = re.match(r"^deb\s+(?:\[[^]]*]\s+)?(\S+)\s+(\S+)\s+(.+)$", line.strip())
                if m:
                    entries.append((m.group(1), m.group(2), m.group(3).split()))
    plain = [e for e in entries if e[1] == codename] or [e for e in entries if "-" not in e[1]]
    if not plain:
        raise SandboxError("no apt mirror found in /etc/apt/sources.list*; set RFTGYM_APT_MIRROR to a Debian "
                           "mirror URL (e.g. http://deb.debian.org/debian)")
    uri, suite, components = plain[0]
    return os.environ.get("RFTGYM_APT_MIRROR", uri), suite, components


def _client():
    from rftgym.sandbox.engine import connect  # imported late: the Docker SDK is an optional extra

    return connect()


def image_exists(client, name: str) -> bool:
    import docker

    try:
        client.images.get(name)
        return True
    except docker.errors.ImageNotFound:
        return False


def require_images(names) -> None:
    """Raise the ``missing_image_error`` of the first of ``names`` (``None``: the default) the engine lacks."""
    client = _client()
    try:
        for name in sorted({n or DEFAULT_IMAGE for n in names}):
            if not image_exists(client, name):
                raise missing_image_error(name)
    finally:
        client.close()


def build_image(name: str = DEFAULT_IMAGE, method: str = "auto", *, force: bool = False,
                log: Callable[[str], None] = print) -> BuiltImage | None:
    """Build the base image as ``name``; ``None`` when it exists already and ``force`` is off."""
    if method not in METHODS:
        raise SandboxError(f"unknown build method {method!r}; use one of {', '.join(METHODS)}")
    client = _client()
    if image_exists(client, name) and not force:
        return None
    if method == "auto":
        method = "dockerfile" if image_exists(client, _BASE) or registry_reachable() else "debootstrap"
        log(f"building {name} with {method}")
    start = time.monotonic()
    if method == "dockerfile":
        _build_dockerfile(client, name, log)
    else:
        _build_debootstrap(client, name, log)
    size = client.images.get(name).attrs.get("Size", 0) / 1e6
    return BuiltImage(name, method, time.monotonic() - start, size)


def _build_dockerfile(client, name: str, log: Callable[[str], None]) -> None:
    import docker

    try:
        for chunk in client.api.build(path=str(_DOCKERFILE.parent), dockerfile=_DOCKERFILE.name, tag=name, rm=True,
                                      buildargs={"PACKAGES": " ".join(PACKAGES)}, decode=True):
            if "error" in chunk:
                raise SandboxError(f"docker build failed: {chunk['error'].strip()}; without a registry use "
                                   "`rftgym images build --from debootstrap`")
            if chunk.get("stream", "").strip():
                log(chunk["stream"].rstrip())
    except docker.errors.APIError as exc:
        raise SandboxError(f"docker build failed: {exc.explanation or exc}; without a registry use "
                           "`rftgym images build --from debootstrap`") from None


def _build_debootstrap(client, name: str, log: Callable[[str], None]) -> None:
    if os.geteuid() != 0:
        raise SandboxError("--from debootstrap needs root (it creates device nodes and chroots); run it as root")
    if not shutil.which("debootstrap"):
        raise SandboxError("debootstrap is not installed; install it (apt-get install debootstrap)")
    uri, suite, components = apt_mirror()
    rootfs = Path(tempfile.mkdtemp(prefix="rftgym-rootfs-", dir="/var/tmp" if os.path.isdir("/var/tmp") else None))
    try:
        log(f"debootstrap {suite} from {uri} into {rootfs} (about a minute)")
        cmd = ["debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}",
               f"--components={','.join(components)}", suite, str(rootfs), uri]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            tail = "\n".join((out.stdout + out.stderr).strip().splitlines()[-15:])
            raise SandboxError(f"debootstrap failed (exit {out.returncode}); is {uri} reachable? Last lines:\n{tail}")
        _add_agent_user(rootfs)
        for junk in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for entry in (rootfs / junk).glob("*"):
                if entry.is_file() and entry.name not in ("lock",):
                    entry.unlink()
        log(f"importing {rootfs} as {name}")
        repo, _, tag = name.rpartition(":") if ":" in name.rsplit("/", 1)[-1] else (name, "", "latest")
        tar = subprocess.Popen(["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        try:
            client.api.import_image_from_data(iter(lambda: tar.stdout.read(1 << 20), b""), repository=repo, tag=tag,
                                              changes=_IMPORT_CHANGES)
        finally:
            tar.stdout.close()
            if tar.wait() != 0:
                raise SandboxError(f"tar of {rootfs} failed (exit {tar.returncode})")
    finally:
        shutil.rmtree(rootfs, ignore_errors=True)


def _add_agent_user(rootfs: Path) -> None:
    """Add ``agent`` (uid/gid 1000) and its home to a root filesystem, as ``useradd`` would."""
    uid = AGENT_UID
    with open(rootfs / "etc/passwd", "a") as fh:
        fh.write(f"agent:x:{uid}:{uid}:rftgym agent:/home/agent:/bin/bash\n")
    with open(rootfs / "etc/group", "a") as fh:
        fh.write(f"agent:x:{uid}:\n")
    if (rootfs / "etc/shadow").exists():
        with open(rootfs / "etc/shadow", "a") as fh:
            fh.write("agent:!:20000:0:99999:7:::\n")
    for d in ("home/agent", "workspace"):
        (rootfs / d).mkdir(parents=True, exist_ok=True)
        os.chown(rootfs / d, uid, uid)


# -- images derived from environment recipes ---------------------------------------------------------
_RECIPE_DOCKERFILE = """FROM {base}
USER root
COPY . /opt/rftgym-build
RUN set -e; {pre_install} \\
    if ls /opt/rftgym-build/wheels/*.whl >/dev/null 2>&1; then \\
      PYTHONPATH=/opt/rftgym-build/pip-src python3 -m pip install --no-index --no-deps --no-cache-dir \\
        --break-system-packages --disable-pip-version-check /opt/rftgym-build/wheels/*.whl; fi; \\
    site=$(python3 -c 'import site; print(site.getsitepackages()[0])'); mkdir -p "$site"; \\
    if [ -f /opt/rftgym-build/_rftgym_recipe.pth ]; then \\
      cp /opt/rftgym-build/_rftgym_recipe.pth /opt/rftgym-build/_rftgym_recipe_path.py "$site/"; fi; \\
    rm -rf /opt/rftgym-build
USER agent
WORKDIR /workspace
LABEL org.rftgym.image=recipe org.rftgym.recipe={key}
"""


def build_recipe_image(recipe, base: str = DEFAULT_IMAGE, *, force: bool = False,
                       log: Callable[[str], None] = print) -> BuiltImage | None:
    """Build ``recipe.image`` from ``base``: the recipe's requirements as wheels made here by pip from
    the configured package index (``pip wheel``: PyPI, a mirror, find-links; offline when those are
    local), installed in the image without a network by a copy of this machine's pip, plus the
    recipe's ``pythonpath`` hook and ``pre_install`` commands (as root). ``None`` when the image exists
    and ``force`` is off. The host's Python should have the image's minor version (3.11 for the
    bookworm base) so that binary wheels fit."""
    import json
    import pip

    from rftgym.sandbox.recipes import _PATH_HOOK

    client = _client()
    try:
        if image_exists(client, recipe.image) and not force:
            return None
        if not image_exists(client, base):
            raise missing_image_error(base)
        start = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="rftgym-recipe-") as ctx:
            wheels = Path(ctx) / "wheels"
            wheels.mkdir()
            if recipe.pip:
                log(f"pip wheel {' '.join(recipe.pip)}")
                out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--disable-pip-version-check", "-w",
                                      str(wheels), *recipe.pip], capture_output=True, text=True, timeout=1800)
                if out.returncode != 0:
                    tail = "\n".join((out.stdout + out.stderr).strip().splitlines()[-12:])
                    raise SandboxError(f"pip wheel for recipe {recipe.label()} failed (exit {out.returncode}); "
                                       f"check its pip requirements and the package index. Last lines:\n{tail}")
            shutil.copytree(Path(pip.__file__).parent, Path(ctx) / "pip-src" / "pip",
                            ignore=shutil.ignore_patterns("__pycache__"))
            if recipe.pythonpath:
                (Path(ctx) / "_rftgym_recipe_path.py").write_text(_PATH_HOOK)
                (Path(ctx) / "_rftgym_recipe.pth").write_text(
                    f"import _rftgym_recipe_path; _rftgym_recipe_path.add({list(recipe.pythonpath)!r})\n")
            (Path(ctx) / "recipe.json").write_text(json.dumps(recipe.to_dict(), indent=1) + "\n")
            pre = " ".join(f"{cmd};" for cmd in recipe.pre_install)
            (Path(ctx) / "Dockerfile").write_text(_RECIPE_DOCKERFILE.format(base=base, key=recipe.key, pre_install=pre))
            _build_context(client, ctx, recipe.image, log)
        size = client.images.get(recipe.image).attrs.get("Size", 0) / 1e6
        return BuiltImage(recipe.image, "recipe", time.monotonic() - start, size)
    finally:
        client.close()


def _build_context(client, ctx: str, tag: str, log: Callable[[str], None]) -> None:
    import docker

    try:
        for chunk in client.api.build(path=ctx, tag=tag, rm=True, forcerm=True, network_mode="none", decode=True):
            if "error" in chunk:
                raise SandboxError(f"docker build of {tag} failed: {chunk['error'].strip()}")
            if chunk.get("stream", "").strip():
                log(chunk["stream"].rstrip())
    except docker.errors.APIError as exc:
        raise SandboxError(f"docker build of {tag} failed: {exc.explanation or exc}") from None
