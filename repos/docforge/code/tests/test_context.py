import pytest

from docforge.errors import TemplateError, UndefinedError
from docforge.templates.context import Context, StrictUndefined, Undefined, is_undefined
from docforge.templates.engine import Environment


class Obj:
    title = "T"
    _secret = "s"


def test_undefined_behaviour():
    value = Undefined("x")
    assert str(value) == ""
    assert not value
    assert list(value) == []
    assert len(value) == 0
    assert value == Undefined("y")
    assert repr(value.attr["k"]) == "Undefined(\"x.attr['k']\")"


def test_strict_undefined_raises_on_use():
    value = StrictUndefined("missing")
    with pytest.raises(UndefinedError, match="'missing' is undefined"):
        str(value)
    with pytest.raises(UndefinedError):
        bool(value)
    with pytest.raises(UndefinedError):
        value.attr


def test_resolve_prefers_inner_scope():
    ctx = Context({"a": 1})
    ctx.push({"a": 2})
    assert ctx.resolve("a") == 2
    ctx.pop()
    assert ctx.resolve("a") == 1


def test_resolve_missing_returns_undefined():
    assert is_undefined(Context().resolve("nope"))


def test_globals_are_visible_but_data_wins():
    env = Environment(globals={"a": "global", "b": "global"})
    ctx = Context({"a": "local"}, environment=env)
    assert (ctx.resolve("a"), ctx.resolve("b")) == ("local", "global")


def test_cannot_pop_root_scope():
    with pytest.raises(TemplateError):
        Context().pop()


def test_setitem_writes_current_scope():
    ctx = Context()
    ctx.push()
    ctx["x"] = 1
    assert "x" in ctx
    ctx.pop()
    assert "x" not in ctx


def test_get_attribute_on_dict_and_object():
    ctx = Context()
    assert ctx.get_attribute({"k": 1}, "k") == 1
    assert ctx.get_attribute(Obj(), "title") == "T"
    assert is_undefined(ctx.get_attribute(Obj(), "missing"))
    assert is_undefined(ctx.get_attribute({"k": 1}, "other"))


def test_get_attribute_blocks_private_names():
    assert is_undefined(Context().get_attribute(Obj(), "_secret"))


def test_get_item_falls_back_to_attribute():
    ctx = Context()
    assert ctx.get_item(Obj(), "title") == "T"
    assert ctx.get_item([1, 2], 1) == 2
    assert is_undefined(ctx.get_item([1, 2], 5))


def test_finalize_without_autoescape():
    ctx = Context()
    assert [ctx.finalize(None), ctx.finalize(True), ctx.finalize(1.5), ctx.finalize("<b>")] == \
        ["", "true", "1.5", "<b>"]


def test_finalize_with_autoescape():
    ctx = Context(autoescape=True)
    assert ctx.finalize("<b>") == "&lt;b&gt;"
    assert ctx.finalize(False) == "false"


def test_flatten_merges_scopes():
    ctx = Context({"a": 1})
    ctx.push({"b": 2})
    assert ctx.flatten() == {"a": 1, "b": 2}


def test_unknown_filter_raises():
    ctx = Context(environment=Environment())
    with pytest.raises(TemplateError, match="unknown filter 'nope'"):
        ctx.call_filter("nope", 1, [], {})
