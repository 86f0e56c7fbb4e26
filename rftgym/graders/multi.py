"""``multi``: run named sub-graders, combine their scores with ``calculate_output``.

``graders`` maps a variable name to a grader config (``{"f1": {...}, "calls": {...}}``); a single
grader object is also accepted, named by its ``name``. ``calculate_output`` is a formula over those
names with numbers, ``+ - * / ^``, parentheses and ``min max abs floor ceil exp sqrt log``.
``name.component`` reads one component of a sub-grader (``f1.recall``). The formula is parsed once,
by the small recursive-descent parser below (never ``eval``); unknown names are a config error.
Division by zero, ``sqrt``/``log`` outside their domain and overflow make the grade 0 with the error
kept. Every sub-grader's score and components appear in the result's components.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Union

from rftgym.graders.openai_format import GradeContext, GraderConfigError, SampleGrader, parse_grader
from rftgym.types import Grade

_TOKEN = re.compile(r"\s*(?:(\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z]"
                    r"[A-Za-z0-9_]*)?)|(\*\*|[-+*/^(),]))")
FUNCTIONS: dict[str, tuple[int, Callable[..., float]]] = {
    "min": (-1, min), "max": (-1, max), "abs": (1, abs), "floor": (1, math.floor), "ceil": (1, math.ceil),
    "exp": (1, math.exp), "sqrt": (1, math.sqrt), "log": (1, math.log),
}


@dataclass
class Num:
    value: float


@dataclass
class Var:
    name: str


@dataclass
class Call:
    fn: str
    args: list[Node]


@dataclass
class BinOp:
    op: str
    left: Node
    right: Node


@dataclass
class Neg:
    operand: Node


Node = Union[Num, Var, Call, BinOp, Neg]


class FormulaError(ValueError):
    pass


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        text = text.rstrip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise FormulaError(f"unexpected character {text[pos:].strip()[:1]!r} at position {pos}")
            kind = "num" if m.group(1) else "name" if m.group(2) else "op"
            tok = m.group(1) or m.group(2) or ("^" if m.group(3) == "**" else m.group(3))
            self.tokens.append((kind, tok))
            pos = m.end()
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, op: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (op is not None and tok[1] != op):
            raise FormulaError(f"expected {op or 'a value'} " + (f"before {tok[1]!r}" if tok else "at the end"))
        self.i += 1
        return tok

    def parse(self) -> Node:
        node = self.expr()
        if self.peek() is not None:
            raise FormulaError(f"unexpected {self.peek()[1]!r}")
        return node

    def expr(self) -> Node:
        node = self.term()
        while self.peek() and self.peek()[1] in "+-" and self.peek()[0] == "op":
            op = self.take()[1]
            node = BinOp(op, node, self.term())
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.peek() and self.peek()[0] == "op" and self.peek()[1] in ("*", "/"):
            op = self.take()[1]
            node = BinOp(op, node, self.unary())
        return node

    def unary(self) -> Node:
        tok = self.peek()
        if tok and tok[0] == "op" and tok[1] in "+-":
            self.take()
            inner = self.unary()
            return Neg(inner) if tok[1] == "-" else inner
        return self.power()

    def power(self) -> Node:
        base = self.atom()
        tok = self.peek()
        if tok and tok == ("op", "^"):
            self.take()
            return BinOp("^", base, self.unary())  # right-associative: 2^3^2 = 2^9
        return base

    def atom(self) -> Node:
        kind, tok = self.take()
        if kind == "num":
            return Num(float(tok))
        if kind == "name":
            if self.peek() == ("op", "("):
                if tok not in FUNCTIONS:
                    raise FormulaError(f"unknown function {tok!r}; use {', '.join(FUNCTIONS)}")
                self.take("(")
                args = [self.expr()]
                while self.peek() == ("op", ","):
                    self.take(",")
                    args.append(self.expr())
                self.take(")")
                arity = FUNCTIONS[tok][0]
                if arity > 0 and len(args) != arity:
                    raise FormulaError(f"{tok}() takes {arity} argument(s), got {len(args)}")
                return Call(tok, args)
            return Var(tok)
        if tok == "(":
            node = self.expr()
            self.take(")")
            return node
        raise FormulaError(f"unexpected {tok!r}")


def parse_formula(text: str) -> Node:
    if not isinstance(text, str) or not text.strip():
        raise FormulaError("the formula is empty")
    return _Parser(text).parse()


def variables(node: Node) -> set[str]:
    if isinstance(node, Var):
        return {node.name}
    if isinstance(node, Call):
        return set().union(*(variables(a) for a in node.args))
    if isinstance(node, BinOp):
        return variables(node.left) | variables(node.right)
    if isinstance(node, Neg):
        return variables(node.operand)
    return set()


def evaluate(node: Node, env: dict[str, float]) -> float:
    """The formula's value; ``FormulaError`` for division by zero, domain errors and overflow."""
    try:
        if isinstance(node, Num):
            return node.value
        if isinstance(node, Var):
            if node.name not in env:
                raise FormulaError(f"{node.name!r} has no value")
            return float(env[node.name])
        if isinstance(node, Neg):
            return -evaluate(node.operand, env)
        if isinstance(node, Call):
            return float(FUNCTIONS[node.fn][1](*[evaluate(a, env) for a in node.args]))
        a, b = evaluate(node.left, env), evaluate(node.right, env)
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        if node.op == "*":
            return a * b
        if node.op == "/":
            if b == 0:
                raise FormulaError("division by zero")
            return a / b
        value = a ** b
        if isinstance(value, complex):
            raise FormulaError(f"{a:g} ^ {b:g} is not a real number")
        return float(value)
    except (OverflowError, ZeroDivisionError) as exc:
        raise FormulaError(str(exc) or type(exc).__name__) from None
    except ValueError as exc:
        if isinstance(exc, FormulaError):
            raise
        raise FormulaError(f"math domain error ({exc})") from None


class Multi(SampleGrader):
    type = "multi"
    required = ("graders", "calculate_output")

    def __init__(self, config: dict[str, Any], where: str, options) -> None:
        super().__init__(config, where, options)
        graders = config["graders"]
        if isinstance(graders, dict) and "type" in graders and isinstance(graders.get("type"), str):
            graders = {graders.get("name", "grader"): graders}
        if not isinstance(graders, dict) or not graders:
            raise GraderConfigError(f"{where}.graders must map names to graders, e.g. "
                                    "{\"f1\": {\"type\": \"rftgym\", \"name\": \"file_set_f1\"}}")
        self.children: dict[str, SampleGrader] = {}
        for key, sub in graders.items():
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) or key in FUNCTIONS:
                raise GraderConfigError(f"{where}.graders: {key!r} cannot be a formula variable; use a name of "
                                        "letters, digits and _ that is not a function name")
            self.children[key] = parse_grader(sub, f"{where}.graders.{key}", options)
        self.replays_exactly = all(c.replays_exactly for c in self.children.values())
        try:
            self.formula = parse_formula(config["calculate_output"])
        except FormulaError as exc:
            raise GraderConfigError(f"{where}.calculate_output: {exc}") from None
        unknown = sorted(v for v in variables(self.formula) if v.split(".")[0] not in self.children)
        if unknown:
            raise GraderConfigError(f"{where}.calculate_output uses {', '.join(unknown)}, which are not graders; "
                                    f"the graders are {', '.join(self.children)}")

    def score(self, sample: dict[str, Any], item: dict[str, Any], ctx: GradeContext) -> Grade:
        env: dict[str, float] = {}
        components: dict[str, float] = {}
        errors = []
        infra = False
        for key, child in self.children.items():
            grade = child.run(sample, item, ctx)
            env[key] = grade.score
            components[key] = grade.score
            for comp, value in grade.components.items():
                if comp != child.name and isinstance(value, (int, float)):
                    env[f"{key}.{comp}"] = value
                    components[f"{key}.{comp}"] = value
            if grade.error:
                errors.append(f"{key}: {grade.error}")
            infra = infra or grade.infra
        if infra:  # one part is not a score, so neither is the whole
            return Grade(0.0, components, "; ".join(errors) or "a sub-grader failed (infra)", infra=True)
        try:
            value = evaluate(self.formula, env)
        except FormulaError as exc:
            return Grade(0.0, components, f"calculate_output: {exc}" + (f"; {'; '.join(errors)}" if errors else ""))
        return Grade(value, components, "; ".join(errors) or None)
