"""Visitor and transformer base classes for walking the AST."""

from .nodes import Heading, Link, Image


class Visitor:
    """Dispatch ``visit`` to ``visit_<ClassName>`` or :meth:`generic_visit`."""

    def visit(self, node):
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is None:
            return self.generic_visit(node)
        return method(node)

    def generic_visit(self, node):
        for child in list(node.children):
            self.visit(child)
        return None


class Transformer(Visitor):
    """Rebuild the tree from what the visit methods return.

    Returning a node keeps (or replaces) it, ``None`` removes it and a list
    splices several nodes in its place.
    """

    def generic_visit(self, node):
        new_children = []
        for child in node.children:
            result = self.visit(child)
            if result is None:
                continue
            if isinstance(result, list):
                new_children.extend(result)
            else:
                new_children.append(result)
        node.children = new_children
        return node

    def transform(self, root):
        result = self.visit(root)
        return root if result is None else result


class NodeCounter(Visitor):
    def __init__(self):
        self.counts = {}

    def generic_visit(self, node):
        name = type(node).__name__
        self.counts[name] = self.counts.get(name, 0) + 1
        return super().generic_visit(node)


def count_nodes(root):
    """Return a mapping of node class name to occurrence count."""
    counter = NodeCounter()
    counter.visit(root)
    return counter.counts


def collect_headings(root):
    return [node for node in root.walk() if isinstance(node, Heading)]


def collect_links(root):
    """Return ``(kind, url)`` pairs for every link and image, in order."""
    found = []
    for node in root.walk():
        if isinstance(node, Link):
            found.append(("link", node.href))
        elif isinstance(node, Image):
            found.append(("image", node.src))
    return found
