"""Template environment: configuration, caching and rendering entry points."""

from ..errors import TemplateNotFound
from .context import Context, Undefined
from .filters import BUILTIN_FILTERS
from .lexer import tokenize
from .parser import TemplateParser

AUTOESCAPE_EXTENSIONS = (".html", ".htm", ".xml")


def select_autoescape(extensions=AUTOESCAPE_EXTENSIONS, default=False):
    """Return a callable enabling autoescape for templates with given extensions."""
    extensions = tuple(ext.lower() for ext in extensions)

    def should_escape(name):
        if name is None:
            return default
        return name.lower().endswith(extensions)

    return should_escape


class Template:
    def __init__(self, source, environment, name=None):
        self.name = name
        self.environment = environment
        self.nodes = TemplateParser(tokenize(source, name), name).parse()
        self.autoescape = environment.should_autoescape(name)

    def render(self, *args, **kwargs):
        data = dict(*args, **kwargs)
        ctx = Context(data, environment=self.environment, autoescape=self.autoescape,
                      undefined=self.environment.undefined)
        out = []
        for node in self.nodes:
            node.render(ctx, out)
        return "".join(out)


class Environment:
    def __init__(self, loader=None, autoescape=False, undefined=Undefined, filters=None,
                 globals=None, max_include_depth=10):
        self.loader = loader
        self.autoescape = autoescape
        self.undefined = undefined
        self.filters = dict(BUILTIN_FILTERS)
        self.filters.update(filters or {})
        self.globals = dict(globals or {})
        self.max_include_depth = max_include_depth
        self._cache = {}

    def should_autoescape(self, name):
        if callable(self.autoescape):
            return bool(self.autoescape(name))
        return bool(self.autoescape)

    def add_filter(self, name, func):
        self.filters[name] = func

    def from_string(self, source, name=None):
        return Template(source, self, name)

    def get_template(self, name):
        if name in self._cache:
            return self._cache[name]
        if self.loader is None:
            raise TemplateNotFound(name)
        template = Template(self.loader.get_source(name), self, name)
        self._cache[name] = template
        return template

    def clear_cache(self):
        self._cache.clear()


def render_string(source, **context):
    """Render a template string with a default environment."""
    return Environment().from_string(source).render(**context)
