"""Template loaders: in-memory mappings, a directory, or a chain of both."""

import os

from ..errors import TemplateNotFound


def split_template_path(name):
    """Split a template name into safe path pieces; ``..`` is rejected."""
    pieces = []
    for piece in name.replace("\\", "/").split("/"):
        if piece == "..":
            raise TemplateNotFound(name)
        if piece and piece != ".":
            pieces.append(piece)
    if not pieces:
        raise TemplateNotFound(name)
    return pieces


class BaseLoader:
    def get_source(self, name):
        raise TemplateNotFound(name)

    def list_templates(self):
        return []


class DictLoader(BaseLoader):
    def __init__(self, mapping):
        self.mapping = dict(mapping)

    def get_source(self, name):
        key = "/".join(split_template_path(name))
        if key not in self.mapping:
            raise TemplateNotFound(name)
        return self.mapping[key]

    def list_templates(self):
        return sorted(self.mapping)


class FileSystemLoader(BaseLoader):
    def __init__(self, root, encoding="utf-8"):
        self.root = os.fspath(root)
        self.encoding = encoding

    def get_source(self, name):
        path = os.path.join(self.root, *split_template_path(name))
        if not os.path.isfile(path):
            raise TemplateNotFound(name)
        with open(path, encoding=self.encoding) as handle:
            return handle.read()

    def list_templates(self):
        found = []
        for directory, _, files in os.walk(self.root):
            for filename in files:
                full = os.path.join(directory, filename)
                found.append(os.path.relpath(full, self.root).replace(os.sep, "/"))
        return sorted(found)


class ChoiceLoader(BaseLoader):
    """Try several loaders in order."""

    def __init__(self, loaders):
        self.loaders = list(loaders)

    def get_source(self, name):
        for loader in self.loaders:
            try:
                return loader.get_source(name)
            except TemplateNotFound:
                continue
        raise TemplateNotFound(name)

    def list_templates(self):
        names = set()
        for loader in self.loaders:
            names.update(loader.list_templates())
        return sorted(names)
