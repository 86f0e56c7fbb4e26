"""Each read tool against a real repository, schemas from signatures, and user-defined tools."""

import json

import pytest

import rftgym
from rftgym.tools import REGISTRY, ToolError, get_tool, resolve_tools
from rftgym.tools.schema import parse_docstring, schema_from_function, validate


def run(ws, tool_name, **args):
    return get_tool(tool_name).run(ws, args)


def test_list_dir_sorted_with_depth_and_hides_git(workspace):
    out = run(workspace, "list_dir")
    assert out.splitlines() == ["README.md", "shop/", "tests/"]
    deep = run(workspace, "list_dir", path="shop", depth=2).splitlines()
    assert deep == ["__init__.py", "cart.py", "pricing/", "pricing/__init__.py", "pricing/discount.py", "pricing/tax.py"]
    with pytest.raises(ToolError) as exc:
        run(workspace, "list_dir", path="shop/cart.py")
    assert exc.value.code == "INVALID_ARGS"


def test_read_file_numbers_lines_and_ranges(workspace):
    out = run(workspace, "read_file", path="shop/pricing/tax.py", start_line=4, end_line=5)
    assert out.splitlines() == ["shop/pricing/tax.py (lines 4-5 of 6)", "4| def apply_tax(amount):",
                                '5|     """Add VAT to an amount."""', "[1 more lines; call read_file with start_line=6]"]
    with pytest.raises(ToolError, match="Did you mean: shop/cart.py") as exc:
        run(workspace, "read_file", path="cart.py")
    assert exc.value.code == "NOT_FOUND"
    with pytest.raises(ToolError) as exc:
        run(workspace, "read_file", path="../../etc/passwd")
    assert exc.value.code == "PATH_OUTSIDE_WORKSPACE"


def test_find_files_globs(workspace):
    assert run(workspace, "find_files", pattern="*.py", path="shop/pricing").splitlines() == [
        "shop/pricing/__init__.py", "shop/pricing/discount.py", "shop/pricing/tax.py"]
    assert run(workspace, "find_files", pattern="**/test_*.py") == "tests/test_cart.py"
    assert run(workspace, "find_files", pattern="shop/*.py").splitlines() == ["shop/__init__.py", "shop/cart.py"]
    assert "no files match" in run(workspace, "find_files", pattern="*.rs")


def test_grep_is_sorted_capped_and_safe(workspace):
    out = run(workspace, "grep", pattern=r"def \w+")
    lines = out.splitlines()
    assert lines == sorted(lines, key=lambda l: (l.split(":")[0], int(l.split(":")[1])))
    assert "shop/pricing/tax.py:4:def apply_tax(amount):" in lines
    assert run(workspace, "grep", pattern="tax_rate", ignore_case=True).count("TAX_RATE") == 2
    assert run(workspace, "grep", pattern="a(", fixed_string=True) == "no matches for 'a('"
    capped = run(workspace, "grep", pattern="e", max_results=2)
    assert len(capped.splitlines()) == 3 and "more matches" in capped
    with pytest.raises(ToolError, match="invalid regular expression") as exc:
        run(workspace, "grep", pattern="(unclosed")
    assert exc.value.code == "INVALID_ARGS"
    assert run(workspace, "grep", pattern="Cart", glob="test_*.py").startswith("tests/test_cart.py:1:")


def _grep_reference(files: dict[str, str], pattern: str, max_results: int) -> str:
    """What grep prints, by the definition: every line where a match starts, once, sorted by file and
    line, the first ``max_results`` shown, the rest counted."""
    import regex

    rx = regex.compile(pattern, regex.MULTILINE)
    rows, per_file = [], {}
    for rel in sorted(files):
        text = files[rel]
        lines = sorted({text.count("\n", 0, m.start()) for m in rx.finditer(text) if m.start() < len(text)})
        per_file[rel] = len(lines)
        rows.extend(f"{rel}:{n + 1}:{text.splitlines()[n]}" for n in lines)
    if not rows:
        return f"no matches for {pattern!r}"
    more = len(rows) - max_results
    return "\n".join(rows[:max_results]) + (
        f"\n[{more} more matches in {sum(1 for v in per_file.values() if v)} files; narrow path or glob]" if more > 0 else "")


@pytest.mark.parametrize("pattern", [r"ab", r"a|b", r"^", r"x*", r"b\n\w", r"(?s)a.{0,30}b", r"$"])
@pytest.mark.parametrize("max_results", [1, 4, 500])
def test_grep_counts_match_lines_past_the_shown_ones(workspace, pattern, max_results):
    # Several matches a line, long gaps between matches, empty matches, matches spanning lines.
    files = {"g/one.txt": "ab ab ab\n" + "zz\n" * 50 + "xab\nb\nab\n", "g/two.txt": "b\nab ba\n\n\nab",
             "g/three.txt": "no hit here\n" * 3 + "ab\n" * 5}
    for rel, text in files.items():
        (workspace.root / rel).parent.mkdir(parents=True, exist_ok=True)
        (workspace.root / rel).write_text(text)
    assert run(workspace, "grep", pattern=pattern, path="g", max_results=max_results) == \
        _grep_reference({rel.split("/", 1)[1] and rel: t for rel, t in files.items()}, pattern, max_results)


def test_search_code_ranks_relevant_files_first(workspace):
    out = run(workspace, "search_code", query="VAT tax added to amount")
    first = out.splitlines()[0]
    assert first.startswith("shop/pricing/tax.py (score ")
    assert "L5:" in out.splitlines()[1] or "L4:" in out.splitlines()[1]
    with pytest.raises(ToolError):
        run(workspace, "search_code", query="the of and")


def test_search_code_sees_edits(workspace):
    (workspace.root / "shop/zebra.py").write_text("def zebra_stripes():\n    return 'zebra'\n")
    assert run(workspace, "search_code", query="zebra stripes").startswith("shop/zebra.py")


def test_find_symbol(workspace):
    assert run(workspace, "find_symbol", name="apply_tax") == \
        "shop/pricing/tax.py:4: def apply_tax(amount)   [function apply_tax]"
    assert "shop/cart.py:13: def total(self)" in run(workspace, "find_symbol", name="Cart.total")
    assert "class Cart" in run(workspace, "find_symbol", name="Cart", kind="class")
    assert "TAX_RATE = 0.2" in run(workspace, "find_symbol", name="TAX_RATE")
    assert "Similar names: apply_tax" in run(workspace, "find_symbol", name="aply_tax")


def test_git_log_and_show_stop_at_the_task_commit(workspace, shop_repo):
    log = run(workspace, "git_log")
    assert "Add flat discounts" in log and "Initial shop" in log and "future" not in log
    assert "Initial shop" in run(workspace, "git_log", path="shop/cart.py")
    shown = run(workspace, "git_show", revision="HEAD")
    assert "flat_off" in shown and "Add flat discounts" in shown
    assert "flat_off" not in run(workspace, "git_show", revision="HEAD~1", path="shop/pricing/discount.py")
    with pytest.raises(ToolError):
        run(workspace, "git_show", revision=shop_repo["future"])
    with pytest.raises(ToolError):
        run(workspace, "git_show", revision="--output=/tmp/x")


def test_schema_from_signature_and_docstring():
    schema = get_tool("grep").schema()["function"]
    params = schema["parameters"]
    assert params["required"] == ["pattern"]
    assert params["properties"]["ignore_case"] == {"type": "boolean", "default": False,
                                                   "description": "match case-insensitively"}
    assert params["properties"]["glob"]["type"] == ["string", "null"]
    assert params["additionalProperties"] is False
    assert get_tool("find_symbol").parameters["properties"]["kind"]["enum"][0] == "any"
    assert get_tool("grep").parallel_safe and get_tool("read_file").parallel_safe


def test_docstring_parser():
    desc, params = parse_docstring("""Do a thing.

    More words.

    Args:
        alpha: first
            continued
        beta (int): second
    Returns:
        nothing
    """)
    assert desc == "Do a thing. More words."
    assert params == {"alpha": "first continued", "beta": "second"}


def test_validator_reports_each_problem():
    params = get_tool("read_file").parameters
    assert validate({"path": "a"}, params) == []
    assert validate({"path": 3}, params) == ["path: expected string, got int 3"]
    assert validate({}, params) == ["arguments: missing required field 'path'"]
    assert "unknown field 'bogus'" in validate({"path": "a", "bogus": 1}, params)[0]
    assert validate({"path": "a", "start_line": True}, params)[0].startswith("start_line: expected integer")
    assert validate({"path": "a", "end_line": None}, params) == []


def test_user_tool_decorator_and_tool_selection(workspace, shop_tasks):
    import gymnasium as gym

    @rftgym.tool(parallel_safe=True, register=False)
    def count_lines(ws, path: str) -> int:
        """Count lines of a file.

        Args:
            path: file path
        """
        return len(ws.read_text(path).splitlines())

    assert count_lines.schema()["function"]["parameters"]["properties"]["path"]["description"] == "file path"
    env = gym.make("rftgym/FileLocalization-v0", tasks=shop_tasks, split="all", tools=["grep", count_lines]).unwrapped
    obs, info = env.reset(seed=0, options={"task_id": "shop-1"})
    assert [t["function"]["name"] for t in info["tools"]] == ["grep", "count_lines", "submit"]
    obs, *_ = env.step({"role": "assistant", "tool_calls": [
        {"id": "a", "type": "function", "function": {"name": "count_lines", "arguments": json.dumps({"path": "shop/cart.py"})}}]})
    assert obs[-1]["content"] == "14"
    env.close()
    with pytest.raises(KeyError, match="no tool named 'nope'"):
        resolve_tools(["nope"])
    assert "count_lines" not in REGISTRY
