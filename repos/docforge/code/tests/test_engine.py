import pytest

from docforge.errors import TemplateNotFound, UndefinedError
from docforge.templates.context import StrictUndefined
from docforge.templates.engine import Environment, render_string, select_autoescape
from docforge.templates.loader import DictLoader
from docforge.text.escape import Markup


def test_render_string():
    assert render_string("Hello {{ name }}!", name="World") == "Hello World!"


def test_undefined_renders_empty():
    assert render_string("[{{ missing }}][{{ missing.attr }}]") == "[][]"


def test_strict_undefined():
    env = Environment(undefined=StrictUndefined)
    with pytest.raises(UndefinedError, match="'missing' is undefined"):
        env.from_string("{{ missing }}").render()


def test_autoescape_on():
    env = Environment(autoescape=True)
    assert env.from_string("{{ v }}|{{ v|safe }}").render(v="<b>") == "&lt;b&gt;|<b>"


def test_autoescape_respects_markup_values():
    env = Environment(autoescape=True)
    assert env.from_string("{{ v }}").render(v=Markup("<i>")) == "<i>"


def test_autoescape_off_by_default():
    assert render_string("{{ v }}", v="<b>") == "<b>"


def test_select_autoescape_by_extension():
    env = Environment(loader=DictLoader({"a.html": "{{ v }}", "a.txt": "{{ v }}"}),
                      autoescape=select_autoescape())
    assert env.get_template("a.html").render(v="<") == "&lt;"
    assert env.get_template("a.txt").render(v="<") == "<"
    assert env.from_string("{{ v }}").render(v="<") == "<"


def test_custom_filters_and_globals():
    env = Environment(filters={"shout": lambda v: str(v).upper() + "!"}, globals={"site": "S"})
    env.add_filter("twice", lambda v: v * 2)
    assert env.from_string("{{ site|shout }} {{ 'ab'|twice }}").render() == "S! abab"


def test_get_template_is_cached():
    env = Environment(loader=DictLoader({"a": "x"}))
    assert env.get_template("a") is env.get_template("a")
    first = env.get_template("a")
    env.clear_cache()
    assert env.get_template("a") is not first


def test_get_template_without_loader():
    with pytest.raises(TemplateNotFound):
        Environment().get_template("x")


def test_render_accepts_mapping_and_kwargs():
    template = Environment().from_string("{{ a }}{{ b }}")
    assert template.render({"a": 1}, b=2) == "12"


def test_whitespace_control_in_loops():
    source = "<ul>\n{%- for x in xs %}\n  <li>{{ x }}</li>\n{%- endfor %}\n</ul>"
    assert render_string(source, xs=[1, 2]) == "<ul>\n  <li>1</li>\n  <li>2</li>\n</ul>"
