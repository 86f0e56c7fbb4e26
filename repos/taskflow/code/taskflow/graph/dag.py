"""Directed acyclic graph of named tasks and their dependencies."""

from taskflow.core.ids import validate_name
from taskflow.errors import CycleError, DuplicateTaskError, UnknownTaskError


class TaskNode:
    """A task in the graph with arbitrary attributes (fn, retries, ...)."""

    def __init__(self, name, attrs):
        self.name = name
        self.attrs = dict(attrs)
        self.order = 0

    def get(self, key, default=None):
        return self.attrs.get(key, default)

    def __repr__(self):
        return f"TaskNode({self.name!r})"


class DAG:
    """Tasks keyed by name; ``deps[a]`` holds the tasks ``a`` depends on.

    Insertion order is remembered so that every traversal is
    deterministic.
    """

    def __init__(self, name="workflow"):
        self.name = name
        self._nodes = {}
        self._deps = {}
        self._children = {}
        self._counter = 0

    def __contains__(self, name):
        return name in self._nodes

    def __len__(self):
        return len(self._nodes)

    def __iter__(self):
        return iter(self._nodes)

    def add_task(self, name, **attrs):
        validate_name(name)
        if name in self._nodes:
            raise DuplicateTaskError(f"task already defined: {name}")
        node = TaskNode(name, attrs)
        node.order = self._counter
        self._counter += 1
        self._nodes[name] = node
        self._deps[name] = []
        self._children[name] = []
        return node

    def node(self, name):
        try:
            return self._nodes[name]
        except KeyError:
            raise UnknownTaskError(f"unknown task: {name!r}") from None

    def add_dependency(self, task, depends_on):
        """Declare that ``task`` runs after ``depends_on``."""
        self.node(task)
        self.node(depends_on)
        if task == depends_on:
            raise CycleError([task, task])
        if depends_on not in self._deps[task]:
            self._deps[task].append(depends_on)
            self._children[depends_on].append(task)

    def remove_dependency(self, task, depends_on):
        if depends_on in self._deps.get(task, []):
            self._deps[task].remove(depends_on)
            self._children[depends_on].remove(task)
            return True
        return False

    def remove_task(self, name):
        self.node(name)
        for parent in self._deps.pop(name):
            self._children[parent].remove(name)
        for child in self._children.pop(name):
            self._deps[child].remove(name)
        del self._nodes[name]

    def upstream(self, name):
        """Direct dependencies of ``name`` in declaration order."""
        self.node(name)
        return list(self._deps[name])

    def downstream(self, name):
        """Tasks that directly depend on ``name``."""
        self.node(name)
        return list(self._children[name])

    def tasks(self):
        return list(self._nodes)

    def edges(self):
        return [(dep, task) for task, deps in self._deps.items() for dep in deps]

    def roots(self):
        return [name for name, deps in self._deps.items() if not deps]

    def leaves(self):
        return [name for name, children in self._children.items() if not children]

    def copy(self):
        clone = DAG(self.name)
        for name, node in self._nodes.items():
            clone.add_task(name, **node.attrs)
        for dep, task in self.edges():
            clone.add_dependency(task, dep)
        return clone
