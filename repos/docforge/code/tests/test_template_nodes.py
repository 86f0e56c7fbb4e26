import pytest

from docforge.errors import TemplateError
from docforge.templates.engine import Environment
from docforge.templates.loader import DictLoader
from docforge.templates.nodes import LoopInfo


def render(source, **data):
    return Environment().from_string(source).render(**data)


def test_loop_info_properties():
    info = LoopInfo(0, 3)
    assert (info.index, info.index0, info.revindex, info.first, info.last) == (1, 0, 3, True, False)
    last = LoopInfo(2, 3)
    assert (last.index, last.revindex, last.first, last.last) == (3, 1, False, True)


def test_if_elif_else():
    source = "{% if n > 1 %}many{% elif n == 1 %}one{% else %}none{% endif %}"
    assert [render(source, n=n) for n in (5, 1, 0)] == ["many", "one", "none"]


def test_for_loop_with_loop_variable():
    assert render("{% for x in xs %}{{ loop.index }}:{{ x }}{% if not loop.last %},{% endif %}{% endfor %}",
                  xs="ab") == "1:a,2:b"


def test_for_else_on_empty_or_undefined():
    assert render("{% for x in xs %}{{ x }}{% else %}empty{% endfor %}", xs=[]) == "empty"
    assert render("{% for x in missing %}{{ x }}{% else %}empty{% endfor %}") == "empty"


def test_for_over_dict_iterates_keys():
    assert render("{% for k in d %}{{ k }}{% endfor %}", d={"a": 1, "b": 2}) == "ab"


def test_for_unpacking():
    assert render("{% for k, v in d|items %}{{ k }}={{ v }};{% endfor %}", d={"a": 1, "b": 2}) == "a=1;b=2;"


def test_for_unpacking_wrong_size():
    with pytest.raises(TemplateError, match="cannot unpack 3 values into 2 names"):
        render("{% for a, b in rows %}{% endfor %}", rows=[(1, 2, 3)])


def test_for_over_non_iterable():
    with pytest.raises(TemplateError, match="not iterable"):
        render("{% for a in n %}{% endfor %}", n=5)


def test_loop_variables_do_not_leak():
    assert render("{% for x in xs %}{% set y = x %}{% endfor %}[{{ x }}{{ y }}]", xs=[1]) == "[]"


def test_nested_loops():
    assert render("{% for a in xs %}{% for b in xs %}{{ a }}{{ b }} {% endfor %}{% endfor %}",
                  xs=[1, 2]) == "11 12 21 22 "


def test_set_node():
    assert render("{% set greeting = 'hi ' ~ name %}{{ greeting }}", name="bo") == "hi bo"


def test_include_shares_context():
    env = Environment(loader=DictLoader({"main": "<{% include 'part' %}>", "part": "{{ v }}"}))
    assert env.get_template("main").render(v="x") == "<x>"


def test_include_name_from_variable():
    env = Environment(loader=DictLoader({"main": "{% include which %}", "a": "A"}))
    assert env.get_template("main").render(which="a") == "A"


def test_recursive_include_is_limited():
    env = Environment(loader=DictLoader({"loop": "{% include 'loop' %}"}), max_include_depth=3)
    with pytest.raises(TemplateError, match="include depth exceeded"):
        env.get_template("loop").render()


def _chain(depth):
    templates = {f"t{i}": f"{{% include 't{i + 1}' %}}" for i in range(depth)}
    templates[f"t{depth}"] = "end"
    return Environment(loader=DictLoader(templates))


def test_default_include_depth_allows_ten_levels():
    assert _chain(10).get_template("t0").render() == "end"
    with pytest.raises(TemplateError, match="include depth exceeded while including 't11'"):
        _chain(11).get_template("t0").render()
