from docforge.errors import (ConfigError, DocforgeError, FrontMatterError, MarkupError,
                             TemplateError, TemplateNotFound, TemplateSyntaxError)


def test_hierarchy():
    assert issubclass(TemplateSyntaxError, TemplateError)
    assert issubclass(TemplateNotFound, TemplateError)
    assert issubclass(ConfigError, DocforgeError)


def test_template_error_formatting():
    assert str(TemplateError("boom")) == "boom"
    assert str(TemplateError("boom", lineno=3)) == "line 3: boom"
    assert str(TemplateError("boom", lineno=3, name="a.html")) == "a.html, line 3: boom"
    assert str(TemplateError("boom", name="a.html")) == "a.html: boom"


def test_markup_and_front_matter_errors():
    assert str(MarkupError("bad", lineno=2)) == "line 2: bad"
    assert str(FrontMatterError("bad")) == "bad"
    assert str(FrontMatterError("bad", 4)) == "front matter line 4: bad"


def test_config_error_accepts_string_or_list():
    assert ConfigError("x").issues == ["x"]
    assert str(ConfigError(["a", "b"])) == "invalid configuration: a; b"
