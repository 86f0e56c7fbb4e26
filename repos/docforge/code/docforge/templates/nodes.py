"""Template AST nodes and their rendering logic."""

from ..errors import TemplateError
from .context import Undefined


class TemplateNode:
    lineno = None

    def render(self, ctx, out):
        raise NotImplementedError


def render_body(nodes, ctx, out):
    for node in nodes:
        node.render(ctx, out)


class TextNode(TemplateNode):
    def __init__(self, text):
        self.text = text

    def render(self, ctx, out):
        out.append(self.text)


class OutputNode(TemplateNode):
    def __init__(self, expr):
        self.expr = expr

    def render(self, ctx, out):
        out.append(ctx.finalize(self.expr.evaluate(ctx)))


class IfNode(TemplateNode):
    def __init__(self, branches, else_body=None):
        self.branches = branches
        self.else_body = else_body or []

    def render(self, ctx, out):
        for condition, body in self.branches:
            if condition.evaluate(ctx):
                render_body(body, ctx, out)
                return
        render_body(self.else_body, ctx, out)


class LoopInfo:
    """The ``loop`` variable available inside ``{% for %}``."""

    def __init__(self, index0, length):
        self.index0 = index0
        self.length = length

    @property
    def index(self):
        return self.index0 + 1

    @property
    def revindex(self):
        return self.length - self.index0

    @property
    def first(self):
        return self.index0 == 0

    @property
    def last(self):
        return self.index0 == self.length - 1


class ForNode(TemplateNode):
    def __init__(self, targets, iterable, body, else_body=None):
        self.targets = targets
        self.iterable = iterable
        self.body = body
        self.else_body = else_body or []

    def _items(self, ctx):
        value = self.iterable.evaluate(ctx)
        if isinstance(value, Undefined) or value is None:
            return []
        if isinstance(value, dict):
            return list(value.keys())
        try:
            return list(value)
        except TypeError as exc:
            raise TemplateError(f"value is not iterable: {value!r}", lineno=self.lineno) from exc

    def _bind(self, ctx, item):
        if len(self.targets) == 1:
            ctx[self.targets[0]] = item
            return
        try:
            values = tuple(item)
        except TypeError as exc:
            raise TemplateError(f"cannot unpack {item!r}", lineno=self.lineno) from exc
        if len(values) != len(self.targets):
            raise TemplateError(
                f"cannot unpack {len(values)} values into {len(self.targets)} names",
                lineno=self.lineno)
        for name, value in zip(self.targets, values):
            ctx[name] = value

    def render(self, ctx, out):
        items = self._items(ctx)
        if not items:
            render_body(self.else_body, ctx, out)
            return
        ctx.push()
        try:
            for index, item in enumerate(items):
                self._bind(ctx, item)
                ctx["loop"] = LoopInfo(index, len(items))
                render_body(self.body, ctx, out)
        finally:
            ctx.pop()


class SetNode(TemplateNode):
    def __init__(self, name, expr):
        self.name = name
        self.expr = expr

    def render(self, ctx, out):
        ctx[self.name] = self.expr.evaluate(ctx)


class IncludeNode(TemplateNode):
    def __init__(self, template_expr):
        self.template_expr = template_expr

    def render(self, ctx, out):
        environment = ctx.environment
        if environment is None:
            raise TemplateError("include requires an environment", lineno=self.lineno)
        name = self.template_expr.evaluate(ctx)
        if ctx.include_depth >= environment.max_include_depth:
            raise TemplateError(f"include depth exceeded while including '{name}'",
                                lineno=self.lineno)
        template = environment.get_template(name)
        ctx.include_depth += 1
        try:
            render_body(template.nodes, ctx, out)
        finally:
            ctx.include_depth -= 1
