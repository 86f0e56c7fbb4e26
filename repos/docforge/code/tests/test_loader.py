import pytest

from docforge.errors import TemplateNotFound
from docforge.templates.loader import ChoiceLoader, DictLoader, FileSystemLoader, split_template_path


def test_split_template_path():
    assert split_template_path("./a//b/c.html") == ["a", "b", "c.html"]


def test_split_template_path_rejects_parent_segments():
    with pytest.raises(TemplateNotFound):
        split_template_path("../secret.html")


def test_split_template_path_rejects_empty():
    with pytest.raises(TemplateNotFound):
        split_template_path("./")


def test_dict_loader():
    loader = DictLoader({"a/b.html": "x"})
    assert loader.get_source("a/./b.html") == "x"
    assert loader.list_templates() == ["a/b.html"]
    with pytest.raises(TemplateNotFound) as info:
        loader.get_source("missing.html")
    assert str(info.value) == "template not found: missing.html"
    assert info.value.template_name == "missing.html"


def test_filesystem_loader(tmp_path):
    (tmp_path / "partials").mkdir()
    (tmp_path / "partials" / "nav.html").write_text("nav", encoding="utf-8")
    (tmp_path / "base.html").write_text("base", encoding="utf-8")
    loader = FileSystemLoader(tmp_path)
    assert loader.get_source("partials/nav.html") == "nav"
    assert loader.list_templates() == ["base.html", "partials/nav.html"]
    with pytest.raises(TemplateNotFound):
        loader.get_source("nope.html")
    with pytest.raises(TemplateNotFound):
        loader.get_source("partials")


def test_choice_loader_order():
    loader = ChoiceLoader([DictLoader({"a": "first"}), DictLoader({"a": "second", "b": "B"})])
    assert loader.get_source("a") == "first"
    assert loader.get_source("b") == "B"
    assert loader.list_templates() == ["a", "b"]
    with pytest.raises(TemplateNotFound):
        loader.get_source("c")


def test_base_loader_is_empty():
    from docforge.templates.loader import BaseLoader
    assert BaseLoader().list_templates() == []
    with pytest.raises(TemplateNotFound):
        BaseLoader().get_source("x")
