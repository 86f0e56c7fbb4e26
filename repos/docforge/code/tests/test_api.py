import docforge


def test_markdown_shortcut():
    assert docforge.markdown("# Hi\n\n*there*") == '<h1 id="hi">Hi</h1>\n<p><em>there</em></p>\n'


def test_markdown_passes_parse_options():
    assert docforge.markdown("a -- b", typography=True) == "<p>a \u2013 b</p>\n"


def test_render_text_shortcut():
    assert docforge.render_text("**bold**") == "bold\n"


def test_version():
    assert docforge.__version__ == "0.4.2"
