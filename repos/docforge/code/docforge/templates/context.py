"""Variable scopes, attribute lookup and undefined values for rendering."""

from ..errors import TemplateError, UndefinedError
from ..text.escape import Markup


class Undefined:
    """Placeholder for a missing variable: renders empty, is falsy, iterates empty."""

    def __init__(self, name):
        self._undefined_name = name

    def _child(self, suffix):
        return type(self)(f"{self._undefined_name}{suffix}")

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return self._child(f".{attr}")

    def __getitem__(self, key):
        return self._child(f"[{key!r}]")

    def __str__(self):
        return ""

    def __bool__(self):
        return False

    def __iter__(self):
        return iter(())

    def __len__(self):
        return 0

    def __eq__(self, other):
        return isinstance(other, Undefined)

    def __hash__(self):
        return 0

    def __repr__(self):
        return f"Undefined({self._undefined_name!r})"


class StrictUndefined(Undefined):
    """An undefined value that raises as soon as it is used."""

    def _fail(self, *args, **kwargs):
        raise UndefinedError(f"'{self._undefined_name}' is undefined")

    def _child(self, suffix):
        self._fail()

    __str__ = _fail
    __bool__ = _fail
    __iter__ = _fail
    __len__ = _fail


def is_undefined(value):
    return isinstance(value, Undefined)


class Context:
    """A stack of variable scopes plus the hooks used by expressions."""

    def __init__(self, data=None, environment=None, autoescape=False, undefined=Undefined):
        globals_ = environment.globals if environment is not None else {}
        self.environment = environment
        self.autoescape = autoescape
        self.undefined = undefined
        self._scopes = [dict(globals_), dict(data or {})]
        self.include_depth = 0

    # scopes
    def push(self, values=None):
        self._scopes.append(dict(values or {}))

    def pop(self):
        if len(self._scopes) <= 2:
            raise TemplateError("cannot pop the root scope")
        self._scopes.pop()

    def __setitem__(self, name, value):
        self._scopes[-1][name] = value

    def __contains__(self, name):
        return any(name in scope for scope in self._scopes)

    def resolve(self, name):
        for scope in reversed(self._scopes):
            if name in scope:
                return scope[name]
        return self.undefined(name)

    def flatten(self):
        merged = {}
        for scope in self._scopes:
            merged.update(scope)
        return merged

    # lookups
    def get_attribute(self, obj, attr):
        if isinstance(obj, Undefined):
            return obj._child(f".{attr}")
        if isinstance(obj, dict):
            if attr in obj:
                return obj[attr]
            return self.undefined(attr)
        if attr.isdigit() and isinstance(obj, (list, tuple, str)):
            return self.get_item(obj, int(attr))
        if attr.startswith("_"):
            return self.undefined(attr)
        try:
            return getattr(obj, attr)
        except AttributeError:
            return self.undefined(attr)

    def get_item(self, obj, key):
        if isinstance(obj, Undefined):
            return obj._child(f"[{key!r}]")
        try:
            return obj[key]
        except (KeyError, IndexError, TypeError):
            if isinstance(key, str) and not isinstance(obj, dict):
                return self.get_attribute(obj, key)
            return self.undefined(str(key))

    # hooks used by expression nodes
    def call_filter(self, name, value, args, kwargs, lineno=None):
        filters = self.environment.filters if self.environment is not None else {}
        func = filters.get(name)
        if func is None:
            raise TemplateError(f"unknown filter '{name}'", lineno=lineno)
        try:
            return func(value, *args, **kwargs)
        except (TypeError, ValueError) as exc:
            raise TemplateError(f"filter '{name}' failed: {exc}", lineno=lineno) from exc

    def run_test(self, name, value, lineno=None):
        if name == "defined":
            return not isinstance(value, Undefined)
        if name == "undefined":
            return isinstance(value, Undefined)
        if name == "none":
            return value is None
        if name == "even":
            return value % 2 == 0
        if name == "odd":
            return value % 2 == 1
        if name == "string":
            return isinstance(value, str)
        if name == "iterable":
            return hasattr(value, "__iter__") and not isinstance(value, Undefined)
        raise TemplateError(f"unknown test '{name}'", lineno=lineno)

    def to_string(self, value):
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def finalize(self, value):
        """Convert an output value to the string written to the template."""
        if self.autoescape:
            if hasattr(value, "__html__"):
                return str(value.__html__())
            return str(Markup.escape(self.to_string(value)))
        return self.to_string(value)
