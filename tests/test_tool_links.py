"""No in-process tool reads a host file through a symlink an agent made (issue 12 item 1).

The read tools run in the rftgym process, outside the confined view and outside Docker. An agent
links host paths into its workspace with ``run_shell`` (here ``ws.exec``, which is what run_shell
calls): a link to a file, to a directory, and a relative ``..`` link. Every tool must neither list
the host file's content nor descend into the host directory, on the local and the docker sandbox;
links that stay inside the workspace keep working.
"""

import os

import pytest

from rftgym.sandbox import PathError
from rftgym.sandbox.safepath import is_inside, open_inside, read_text_inside, walk_inside
from rftgym.tools import ToolError, get_tool

SECRET = "HOSTSECRET_qz7"
LEAK = "zeta-omega-9931"  # only in the host file: a tool output holding it read the host file
SECRET_PY = (f'"""{SECRET} gold answer {LEAK}"""\n{SECRET} = "{LEAK}"\n\n\ndef leaked_{SECRET}():\n'
             f'    return "{LEAK}"  # {SECRET}\n')


def run(ws, tool_name, **args):
    return get_tool(tool_name).run(ws, args)


@pytest.fixture()
def host_dir(tmp_path):
    """A host directory (outside every workspace) holding a secret Python file."""
    d = tmp_path / "host"
    d.mkdir()
    (d / "answers.py").write_text(SECRET_PY)
    os.chmod(tmp_path, 0o755)
    os.chmod(d, 0o755)
    return d


def _link(ws, target: str, name: str) -> None:
    res = ws.exec(["ln", "-s", target, name], timeout=30)
    assert res.ok, res.combined()


def _all_tool_outputs(ws) -> dict[str, str]:
    """What every in-process read tool says about the whole tree and the linked paths."""
    outs = {}
    calls = {
        "list_dir": dict(path=".", depth=3),
        "find_files": dict(pattern="**/*"),
        "find_files_py": dict(pattern="*.py"),
        "grep": dict(pattern=SECRET),
        "grep_glob": dict(pattern=SECRET, glob="*.py"),
        "search_code": dict(query=f"{SECRET} gold answer"),
        "find_symbol": dict(name=f"leaked_{SECRET}"),
        "git_log": dict(path="linked.py"),
        "git_show": dict(revision="HEAD"),
    }
    for key, args in calls.items():
        name = key.split("_py")[0].split("_glob")[0]
        try:
            outs[key] = run(ws, name, **args)
        except ToolError as exc:
            outs[key] = f"{exc.code}: {exc}"
    for path in ("linked.py", "linkdir/answers.py", "rel.py", "shop/deep.py"):
        for name, args in (("read_file", dict(path=path)), ("grep", dict(pattern=SECRET, path=path))):
            try:
                outs[f"{name}:{path}"] = run(ws, name, **args)
            except ToolError as exc:
                outs[f"{name}:{path}"] = f"{exc.code}: {exc}"
    return outs


def test_links_to_host_files_and_dirs_are_never_read(workspace, host_dir):
    secret_file = str(host_dir / "answers.py")
    _link(workspace, secret_file, "linked.py")  # absolute link to a host file
    _link(workspace, str(host_dir), "linkdir")  # absolute link to a host directory
    _link(workspace, str(host_dir), "shop/hostpkg")  # a linked directory below a real one
    _link(workspace, "../" * 30 + secret_file.lstrip("/"), "rel.py")  # relative link climbing out
    _link(workspace, "../" * 30 + secret_file.lstrip("/"), "shop/deep.py")
    outs = _all_tool_outputs(workspace)
    leaks = {k: v for k, v in outs.items() if LEAK in v}
    assert not leaks, leaks
    # The names the agent made may be listed (they are its own data); their host content never is.
    assert "hostpkg/answers.py" not in outs["list_dir"] and "linkdir/answers.py" not in outs["find_files"]
    assert outs["read_file:linked.py"].startswith("PATH_OUTSIDE_WORKSPACE")
    assert "no definition" in outs["find_symbol"]
    assert "no files match" in outs["search_code"] or SECRET not in outs["search_code"]


def test_a_real_directory_swapped_for_a_host_link_is_not_read(workspace, host_dir):
    """Files the tracker saw inside a directory stay in the change set after the directory becomes a link."""
    res = workspace.exec(f"mkdir -p sneaky && cp shop/cart.py sneaky/answers.py && rm -rf sneaky && "
                         f"ln -s {host_dir} sneaky", timeout=30)
    assert res.ok, res.combined()
    for name, args in (("grep", dict(pattern=SECRET)), ("search_code", dict(query=SECRET)),
                       ("find_symbol", dict(name=f"leaked_{SECRET}")), ("find_files", dict(pattern="*.py")),
                       ("list_dir", dict(depth=3))):
        assert LEAK not in run(workspace, name, **args), name
    assert run(workspace, "find_symbol", name=f"leaked_{SECRET}").startswith("no definition")
    with pytest.raises(ToolError) as exc:
        run(workspace, "read_file", path="sneaky/answers.py")
    assert exc.value.code == "PATH_OUTSIDE_WORKSPACE"


def test_links_that_stay_inside_keep_working(workspace):
    _link(workspace, "shop/pricing/tax.py", "tax_alias.py")
    _link(workspace, "pricing", "shop/pricing_alias")
    _link(workspace, "../shop/cart.py", "tests/cart_alias.py")
    assert "apply_tax" in run(workspace, "read_file", path="tax_alias.py")
    assert "apply_tax" in run(workspace, "read_file", path="shop/pricing_alias/tax.py")
    assert "class Cart" in run(workspace, "read_file", path="tests/cart_alias.py")
    assert "tax_alias.py:4:def apply_tax" in run(workspace, "grep", pattern="def apply_tax")
    assert "tests/cart_alias.py" in run(workspace, "grep", pattern="class Cart")
    assert "tax_alias.py" in run(workspace, "find_symbol", name="apply_tax")
    assert "tax_alias.py" in run(workspace, "find_files", pattern="*.py")
    assert "pricing_alias" in run(workspace, "list_dir", path="shop")
    assert "tax.py" in run(workspace, "list_dir", path="shop/pricing_alias")


def test_safepath_helpers(tmp_path, host_dir):
    root = tmp_path / "root"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg/a.py").write_text("inside\n")
    os.symlink(host_dir / "answers.py", root / "out.py")
    os.symlink(host_dir, root / "outdir")
    os.symlink("a.py", root / "pkg/in.py")
    os.symlink(str(root / "pkg"), root / "abs_in")
    os.symlink("loop", root / "loop")
    os.mkfifo(root / "fifo")
    assert read_text_inside(root, "pkg/in.py") == "inside\n"
    assert read_text_inside(root, "abs_in/a.py") == "inside\n"
    assert read_text_inside(root, "out.py") is None and read_text_inside(root, "outdir/answers.py") is None
    assert read_text_inside(root, "loop") is None and read_text_inside(root, "fifo") is None  # no hang
    assert read_text_inside(root, "pkg/../../host/answers.py") is None
    with pytest.raises(PathError):
        os.close(open_inside(root, "outdir/answers.py"))
    assert is_inside(root, "pkg/in.py") and not is_inside(root, "out.py") and not is_inside(root, "outdir/x")
    assert walk_inside(root) == ["abs_in", "fifo", "loop", "pkg/a.py", "pkg/in.py"]


def test_resolve_refuses_links_at_every_level_and_a_root_swapped_for_a_link(workspace, host_dir):
    """``Workspace.resolve``: a link anywhere on the path that leads out is refused (also when the
    rest of the path does not exist yet), links that stay inside pass, and a repository root that a
    command replaced by a link to the host is refused even after earlier calls cached its real path."""
    assert workspace.resolve("shop/cart.py") == workspace.root / "shop/cart.py"
    assert workspace.resolve("shop/not_yet.py") == workspace.root / "shop/not_yet.py"
    _link(workspace, str(host_dir), "outdir")
    _link(workspace, "shop", "inside")
    for path in ("outdir", "outdir/answers.py", "outdir/new/deeper.py"):
        with pytest.raises(PathError):
            workspace.resolve(path)
    assert workspace.resolve("inside/cart.py") == workspace.root / "inside/cart.py"
    r = workspace.exec(f"mv {workspace.root} {workspace.root}.moved && ln -s {host_dir} {workspace.root}",
                       timeout=30, cwd=".")
    if not r.ok:  # the backend cannot replace its own root from inside (a container's mount point)
        pytest.skip(f"cannot swap the root here: {r.combined()[:200]}")
    try:
        for path in (".", "answers.py", "nothing.py"):
            with pytest.raises(PathError):
                workspace.resolve(path)
    finally:
        os.unlink(workspace.root)
        os.rename(f"{workspace.root}.moved", workspace.root)
