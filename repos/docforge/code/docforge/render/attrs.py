"""Formatting of HTML attributes and tags."""

from ..text.escape import escape_html


def format_attrs(attrs):
    """Render a mapping as `` key="value"`` pairs in insertion order.

    ``None`` and ``False`` values are skipped, ``True`` renders a bare
    attribute and lists are space-joined (empty lists are skipped).
    """
    parts = []
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        if value is True:
            parts.append(f" {key}")
            continue
        if isinstance(value, (list, tuple)):
            value = " ".join(str(item) for item in value if item)
            if not value:
                continue
        parts.append(f' {key}="{escape_html(str(value))}"')
    return "".join(parts)


def class_names(*names):
    """Merge class strings, dropping empties and duplicates but keeping order."""
    seen = []
    for name in names:
        for part in (name or "").split():
            if part not in seen:
                seen.append(part)
    return " ".join(seen)


def tag(name, attrs=None, content="", void=False, xhtml=False):
    opening = f"<{name}{format_attrs(attrs or {})}"
    if void:
        return opening + (" />" if xhtml else ">")
    return f"{opening}>{content}</{name}>"
