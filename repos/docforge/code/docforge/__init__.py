"""docforge: markup parsing, rendering, templating and static-site tooling."""

from .markup.parser import parse
from .render.html import render_html
from .render.plaintext import render_text

__version__ = "0.4.2"

__all__ = ["parse", "render_html", "render_text", "markdown", "__version__"]


def markdown(source, **options):
    """Parse markup *source* and render it to HTML in one step."""
    return render_html(parse(source, **options))
