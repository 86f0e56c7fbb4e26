"""Edit and shell tools on a real workspace: exact-match edits, patches, shell, python and pytest runs."""

import pytest

from rftgym.tools import EDIT_TOOLS, READ_TOOLS, SHELL_TOOLS, ToolError, get_tool, resolve_tools
from rftgym.tools.executor import ToolExecutor
from rftgym.types import ToolCall


def call(ws, name, **args):
    return get_tool(name).run(ws, args)


def test_tool_sets_are_registered_and_mutators_are_barriers():
    tools = resolve_tools([*EDIT_TOOLS, *SHELL_TOOLS])
    assert [t.name for t in tools] == EDIT_TOOLS + SHELL_TOOLS
    assert not set(EDIT_TOOLS + SHELL_TOOLS) & set(READ_TOOLS)
    for t in tools:
        assert t.parallel_safe == (t.name == "git_diff"), t.name


def test_write_file_creates_folders_and_refuses_escapes(workspace):
    assert "wrote shop/new/mod.py" in call(workspace, "write_file", path="shop/new/mod.py", content="X = 1\n")
    assert workspace.read_text("shop/new/mod.py") == "X = 1\n"
    for bad, code in (("../evil.py", "PATH_OUTSIDE_WORKSPACE"), ("/etc/passwd", "PATH_OUTSIDE_WORKSPACE"),
                      (".git/config", "INVALID_ARGS"), ("shop", "INVALID_ARGS")):
        with pytest.raises(ToolError) as exc:
            call(workspace, "write_file", path=bad, content="x")
        assert exc.value.code == code, bad


def test_str_replace_needs_exactly_one_match(workspace):
    out = call(workspace, "str_replace", path="shop/pricing/tax.py", old_str="TAX_RATE = 0.2", new_str="TAX_RATE = 0.25")
    assert "edited shop/pricing/tax.py" in out and "TAX_RATE = 0.25" in out
    assert "TAX_RATE = 0.25\n" in workspace.read_text("shop/pricing/tax.py")
    with pytest.raises(ToolError, match="matches 0 times") as none:
        call(workspace, "str_replace", path="shop/pricing/tax.py", old_str="VAT_RATE", new_str="x")
    assert none.value.code == "NOT_FOUND"
    call(workspace, "write_file", path="shop/dup.py", content="a = 1\nb = 2\na = 1\n")
    with pytest.raises(ToolError, match=r"matches 2 times in shop/dup.py \(lines 1, 3\)"):
        call(workspace, "str_replace", path="shop/dup.py", old_str="a = 1", new_str="a = 3")
    assert workspace.read_text("shop/dup.py") == "a = 1\nb = 2\na = 1\n", "a refused edit must change nothing"
    with pytest.raises(ToolError, match="different leading/trailing whitespace"):
        call(workspace, "str_replace", path="shop/dup.py", old_str="  b = 2", new_str="b = 4")
    with pytest.raises(ToolError, match="does not exist"):
        call(workspace, "str_replace", path="shop/nope.py", old_str="a", new_str="b")


def test_insert_lines(workspace):
    call(workspace, "write_file", path="notes.txt", content="one\nthree")
    call(workspace, "insert_lines", path="notes.txt", line=1, text="two")
    call(workspace, "insert_lines", path="notes.txt", line=0, text="zero\n")
    call(workspace, "insert_lines", path="notes.txt", line=4, text="four")
    assert workspace.read_text("notes.txt") == "zero\none\ntwo\nthree\nfour\n"
    with pytest.raises(ToolError, match="between 0 and 5"):
        call(workspace, "insert_lines", path="notes.txt", line=9, text="x")


PATCH = """diff --git a/shop/pricing/discount.py b/shop/pricing/discount.py
--- a/shop/pricing/discount.py
+++ b/shop/pricing/discount.py
@@ -1,2 +1,2 @@
 def percent_off(amount, pct):
-    return amount * (100 - pct) / 100
+    return round(amount * (100 - pct) / 100, 2)
"""


def test_apply_patch_and_git_diff(workspace):
    assert call(workspace, "git_diff") == "no changes yet"
    assert "patch applied to 1 file(s): shop/pricing/discount.py" in call(workspace, "apply_patch", patch=PATCH)
    assert "round(amount" in workspace.read_text("shop/pricing/discount.py")
    diff = call(workspace, "git_diff")
    assert "+    return round(amount * (100 - pct) / 100, 2)" in diff and diff == workspace.diff()
    with pytest.raises(ToolError, match="rejected and nothing was changed"):
        call(workspace, "apply_patch", patch=PATCH)  # already applied: the context no longer matches
    with pytest.raises(ToolError, match="no file headers"):
        call(workspace, "apply_patch", patch="@@ -1 +1 @@\n-a\n+b\n")
    escape = PATCH.replace("shop/pricing/discount.py", "../outside.py")
    with pytest.raises(ToolError) as exc:
        call(workspace, "apply_patch", patch=escape)
    assert exc.value.code == "PATH_OUTSIDE_WORKSPACE"


def test_run_shell_and_run_python(workspace):
    out = call(workspace, "run_shell", command="echo hi; ls shop | head -2; exit 3")
    assert out.startswith("exit code 3") and "hi" in out and "cart.py" in out
    out = call(workspace, "run_shell", command="sleep 5", timeout=1)
    assert out.startswith("timed out after 1s")
    out = call(workspace, "run_python", code="from shop.pricing.tax import apply_tax\nprint(apply_tax(10))")
    assert out == "exit code 0\n12.0"
    assert "ZeroDivisionError" in call(workspace, "run_python", code="1/0")
    with pytest.raises(ToolError, match="command is empty"):
        call(workspace, "run_shell", command="  ")


def test_run_tests_reports_each_test(workspace):
    out = call(workspace, "run_tests", tests=["tests/test_cart.py::test_total"])
    assert out.startswith("1 passed (exit code 0") and "tests/test_cart.py::test_total  passed" in out
    call(workspace, "str_replace", path="shop/pricing/tax.py", old_str="0.2", new_str="0.3")
    call(workspace, "write_file", path="tests/test_more.py", content="import pytest\n\n"
         "def test_ok():\n    pass\n\n@pytest.mark.skip\ndef test_skipped():\n    pass\n")
    out = call(workspace, "run_tests")
    assert out.startswith("1 passed, 1 failed, 1 skipped (exit code 1")
    assert "--- FAILED tests/test_cart.py::test_total" in out and "assert 26.0 == 24.0" in out
    assert "tests/test_more.py::test_skipped  skipped" in out
    missing = call(workspace, "run_tests", tests=["tests/test_cart.py::test_nope"])
    assert "error:" in missing and "not found" in missing
    with pytest.raises(ToolError, match="pytest option"):
        call(workspace, "run_tests", tests=["--co"])


def test_a_write_is_a_barrier_for_later_reads_in_the_same_turn(workspace):
    tools = resolve_tools(["read_file", "str_replace", "grep"])
    ex = ToolExecutor(tools)
    calls = [ToolCall("a", "read_file", '{"path": "shop/pricing/tax.py"}'),
             ToolCall("b", "str_replace", '{"path": "shop/pricing/tax.py", "old_str": "TAX_RATE = 0.2", '
                                          '"new_str": "TAX_RATE = 0.5"}'),
             ToolCall("c", "grep", '{"pattern": "TAX_RATE = "}')]
    before, edit, after = ex.run(calls, workspace)
    ex.close()
    assert "TAX_RATE = 0.2" in before.content and edit.error is None
    assert "TAX_RATE = 0.5" in after.content and "0.2" not in after.content
