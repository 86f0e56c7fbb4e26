"""``${name}`` parameter substitution in task arguments."""

import re

from taskflow.errors import TemplateError

_PLACEHOLDER = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def placeholders(template):
    """Names referenced by ``template`` in order of first appearance."""
    names = []
    for match in _PLACEHOLDER.finditer(template):
        name = match.group(1)
        if name is not None and name not in names:
            names.append(name)
    return names


def render(template, params):
    """Substitute ``${name}`` and ``${name:-default}``; ``$$`` is a literal ``$``."""

    def replace(match):
        if match.group(0) == "$$":
            return "$"
        name, default = match.group(1), match.group(2)
        if name in params:
            return str(params[name])
        if default is not None:
            return default
        raise TemplateError(f"missing template parameter {name!r}")

    return _PLACEHOLDER.sub(replace, template)


def render_value(value, params):
    """Render strings inside nested lists/dicts; other values pass through."""
    if isinstance(value, str):
        return render(value, params)
    if isinstance(value, list):
        return [render_value(item, params) for item in value]
    if isinstance(value, dict):
        return {key: render_value(item, params) for key, item in value.items()}
    return value


def render_args(args, params):
    return {key: render_value(value, params) for key, value in args.items()}
