"""Expression tokenizer, parser and evaluation for template tags."""

import re

from ..errors import TemplateError, TemplateSyntaxError

TOKEN_RE = re.compile(r"""
    (?P<ws>\s+)
  | (?P<number>\d+\.\d+|\d+)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|[-+*/%<>|.,()\[\]~=])
""", re.VERBOSE)

KEYWORD_LITERALS = {"true": True, "false": False, "none": None,
                    "True": True, "False": False, "None": None}
COMPARISONS = ("==", "!=", "<", ">", "<=", ">=")
_STRING_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}


def tokenize_expression(source, lineno=None):
    tokens = []
    pos = 0
    while pos < len(source):
        match = TOKEN_RE.match(source, pos)
        if match is None:
            raise TemplateSyntaxError(f"unexpected character {source[pos]!r}", lineno=lineno)
        kind = match.lastgroup
        if kind != "ws":
            tokens.append((kind, match.group()))
        pos = match.end()
    return tokens


def _unquote(literal):
    body = literal[1:-1]
    return re.sub(r"\\(.)", lambda m: _STRING_ESCAPES.get(m.group(1), m.group(0)), body)


# -- expression nodes ----------------------------------------------------------


class Expr:
    lineno = None

    def evaluate(self, ctx):
        raise NotImplementedError


class Literal(Expr):
    def __init__(self, value):
        self.value = value

    def evaluate(self, ctx):
        return self.value


class ListExpr(Expr):
    def __init__(self, items):
        self.items = items

    def evaluate(self, ctx):
        return [item.evaluate(ctx) for item in self.items]


class Name(Expr):
    def __init__(self, name):
        self.name = name

    def evaluate(self, ctx):
        return ctx.resolve(self.name)


class GetAttr(Expr):
    def __init__(self, target, attr):
        self.target = target
        self.attr = attr

    def evaluate(self, ctx):
        return ctx.get_attribute(self.target.evaluate(ctx), self.attr)


class GetItem(Expr):
    def __init__(self, target, key):
        self.target = target
        self.key = key

    def evaluate(self, ctx):
        return ctx.get_item(self.target.evaluate(ctx), self.key.evaluate(ctx))


class Not(Expr):
    def __init__(self, operand):
        self.operand = operand

    def evaluate(self, ctx):
        return not self.operand.evaluate(ctx)


class Negate(Expr):
    def __init__(self, operand):
        self.operand = operand

    def evaluate(self, ctx):
        try:
            return -self.operand.evaluate(ctx)
        except TypeError as exc:
            raise TemplateError(f"cannot negate value: {exc}", lineno=self.lineno) from exc


class And(Expr):
    def __init__(self, left, right):
        self.left, self.right = left, right

    def evaluate(self, ctx):
        value = self.left.evaluate(ctx)
        return self.right.evaluate(ctx) if value else value


class Or(Expr):
    def __init__(self, left, right):
        self.left, self.right = left, right

    def evaluate(self, ctx):
        value = self.left.evaluate(ctx)
        return value if value else self.right.evaluate(ctx)


def _apply(op, left, right):
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if op == "/":
        return left / right
    if op == "%":
        return left % right
    if op == "~":
        return f"{'' if left is None else left}{'' if right is None else right}"
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if op == "<":
        return left < right
    if op == ">":
        return left > right
    if op == "<=":
        return left <= right
    if op == ">=":
        return left >= right
    if op == "in":
        return left in right
    if op == "not in":
        return left not in right
    raise TemplateError(f"unknown operator {op!r}")


class BinOp(Expr):
    def __init__(self, op, left, right):
        self.op, self.left, self.right = op, left, right

    def evaluate(self, ctx):
        left = self.left.evaluate(ctx)
        right = self.right.evaluate(ctx)
        if self.op == "~":
            left, right = ctx.to_string(left), ctx.to_string(right)
        try:
            return _apply(self.op, left, right)
        except ZeroDivisionError as exc:
            raise TemplateError("division by zero", lineno=self.lineno) from exc
        except TypeError as exc:
            raise TemplateError(f"unsupported operands for {self.op!r}: {exc}",
                                lineno=self.lineno) from exc


class Filter(Expr):
    def __init__(self, target, name, args, kwargs):
        self.target, self.name, self.args, self.kwargs = target, name, args, kwargs

    def evaluate(self, ctx):
        value = self.target.evaluate(ctx)
        args = [arg.evaluate(ctx) for arg in self.args]
        kwargs = {key: arg.evaluate(ctx) for key, arg in self.kwargs.items()}
        return ctx.call_filter(self.name, value, args, kwargs, self.lineno)


class Test(Expr):
    def __init__(self, target, name, negated):
        self.target, self.name, self.negated = target, name, negated

    def evaluate(self, ctx):
        result = ctx.run_test(self.name, self.target.evaluate(ctx), self.lineno)
        return not result if self.negated else result


# -- parser ------------------------------------------------------------------------


class ExpressionParser:
    """Recursive-descent parser.

    Precedence, lowest first: ``or``, ``and``, ``not``, comparisons (including
    ``in`` and ``is``), ``~``, ``+ -``, ``* / %``, unary minus, filters, and
    attribute/subscript access.
    """

    def __init__(self, source, lineno=None):
        self.source = source
        self.lineno = lineno
        self.tokens = tokenize_expression(source, lineno)
        self.pos = 0

    # token helpers
    def _peek(self, offset=0):
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else (None, None)

    def _is(self, kind, value=None, offset=0):
        tok_kind, tok_value = self._peek(offset)
        return tok_kind == kind and (value is None or tok_value == value)

    def _next(self):
        token = self._peek()
        if token[0] is None:
            self._error("unexpected end of expression")
        self.pos += 1
        return token

    def _expect(self, kind, value=None):
        tok_kind, tok_value = self._next()
        if tok_kind != kind or (value is not None and tok_value != value):
            self._error(f"expected {value or kind!r}, got {tok_value!r}")
        return tok_value

    def _error(self, message):
        raise TemplateSyntaxError(f"{message} in expression {self.source!r}", lineno=self.lineno)

    def _node(self, node):
        node.lineno = self.lineno
        return node

    # grammar
    def parse(self):
        if not self.tokens:
            self._error("empty expression")
        expr = self.parse_or()
        if self.pos != len(self.tokens):
            self._error(f"unexpected {self._peek()[1]!r}")
        return expr

    def parse_or(self):
        left = self.parse_and()
        while self._is("name", "or"):
            self.pos += 1
            left = self._node(Or(left, self.parse_and()))
        return left

    def parse_and(self):
        left = self.parse_not()
        while self._is("name", "and"):
            self.pos += 1
            left = self._node(And(left, self.parse_not()))
        return left

    def parse_not(self):
        if self._is("name", "not"):
            self.pos += 1
            return self._node(Not(self.parse_not()))
        return self.parse_comparison()

    def parse_comparison(self):
        left = self.parse_concat()
        while True:
            if self._is("op") and self._peek()[1] in COMPARISONS:
                op = self._next()[1]
                left = self._node(BinOp(op, left, self.parse_concat()))
            elif self._is("name", "in"):
                self.pos += 1
                left = self._node(BinOp("in", left, self.parse_concat()))
            elif self._is("name", "not") and self._is("name", "in", offset=1):
                self.pos += 2
                left = self._node(BinOp("not in", left, self.parse_concat()))
            elif self._is("name", "is"):
                self.pos += 1
                negated = False
                if self._is("name", "not"):
                    self.pos += 1
                    negated = True
                left = self._node(Test(left, self._expect("name"), negated))
            else:
                return left

    def parse_concat(self):
        left = self.parse_additive()
        while self._is("op", "~"):
            self.pos += 1
            left = self._node(BinOp("~", left, self.parse_additive()))
        return left

    def parse_additive(self):
        left = self.parse_multiplicative()
        while self._is("op") and self._peek()[1] in ("+", "-"):
            op = self._next()[1]
            left = self._node(BinOp(op, left, self.parse_multiplicative()))
        return left

    def parse_multiplicative(self):
        left = self.parse_unary()
        while self._is("op") and self._peek()[1] in ("*", "/", "%"):
            op = self._next()[1]
            left = self._node(BinOp(op, left, self.parse_unary()))
        return left

    def parse_unary(self):
        if self._is("op", "-"):
            self.pos += 1
            return self._node(Negate(self.parse_unary()))
        return self.parse_filtered()

    def parse_filtered(self):
        expr = self.parse_postfix()
        while self._is("op", "|"):
            self.pos += 1
            name = self._expect("name")
            args, kwargs = [], {}
            if self._is("op", "("):
                args, kwargs = self._parse_call_args()
            expr = self._node(Filter(expr, name, args, kwargs))
        return expr

    def _parse_call_args(self):
        self._expect("op", "(")
        args, kwargs = [], {}
        while not self._is("op", ")"):
            if self._is("name") and self._is("op", "=", offset=1):
                key = self._next()[1]
                self.pos += 1
                kwargs[key] = self.parse_or()
            else:
                if kwargs:
                    self._error("positional argument after keyword argument")
                args.append(self.parse_or())
            if not self._is("op", ","):
                break
            self.pos += 1
        self._expect("op", ")")
        return args, kwargs

    def parse_postfix(self):
        expr = self.parse_primary()
        while True:
            if self._is("op", "."):
                self.pos += 1
                kind, value = self._next()
                if kind not in ("name", "number") or (kind == "number" and "." in value):
                    self._error(f"invalid attribute {value!r}")
                expr = self._node(GetAttr(expr, value))
            elif self._is("op", "["):
                self.pos += 1
                key = self.parse_or()
                self._expect("op", "]")
                expr = self._node(GetItem(expr, key))
            else:
                return expr

    def parse_primary(self):
        kind, value = self._next()
        if kind == "number":
            return self._node(Literal(float(value) if "." in value else int(value)))
        if kind == "string":
            return self._node(Literal(_unquote(value)))
        if kind == "name":
            if value in KEYWORD_LITERALS:
                return self._node(Literal(KEYWORD_LITERALS[value]))
            return self._node(Name(value))
        if kind == "op" and value == "(":
            expr = self.parse_or()
            self._expect("op", ")")
            return expr
        if kind == "op" and value == "[":
            items = []
            while not self._is("op", "]"):
                items.append(self.parse_or())
                if not self._is("op", ","):
                    break
                self.pos += 1
            self._expect("op", "]")
            return self._node(ListExpr(items))
        self._error(f"unexpected {value!r}")


def parse_expression(source, lineno=None):
    return ExpressionParser(source, lineno).parse()
