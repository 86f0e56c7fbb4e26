"""Recursive descent parser for the workflow definition language.

Grammar::

    workflow  := "workflow" IDENT "{" item* "}"
    item      := "schedule" STRING
               | "param" IDENT "=" value
               | "task" IDENT ["after" IDENT ("," IDENT)*] [block]
    block     := "{" (option | "arg" IDENT "=" value)* "}"
    option    := IDENT "=" value
    value     := STRING | NUMBER | "true" | "false"
"""

from taskflow.errors import DSLSyntaxError, SpecValidationError
from taskflow.dsl import lexer
from taskflow.dsl.spec import TASK_OPTIONS, TaskSpec, WorkflowSpec

KEYWORDS = ("workflow", "schedule", "param", "task", "after", "arg")


class Parser:
    def __init__(self, tokens):
        self.tokens = tokens
        self.index = 0

    @property
    def current(self):
        return self.tokens[self.index]

    def _error(self, message, token=None):
        token = token or self.current
        return DSLSyntaxError(message, token.line, token.column)

    def _expect(self, kind, value=None):
        token = self.current
        if token.kind != kind or (value is not None and token.value != value):
            wanted = value or kind
            found = token.value if token.value is not None else token.kind
            raise self._error(f"expected {wanted!r}, found {found!r}")
        self.index += 1
        return token

    def _accept(self, kind, value=None):
        token = self.current
        if token.kind == kind and (value is None or token.value == value):
            self.index += 1
            return token
        return None

    def _name(self, what):
        token = self.current
        if token.kind != lexer.IDENT or token.value in KEYWORDS:
            raise self._error(f"expected {what} name")
        self.index += 1
        return token.value

    def _value(self):
        token = self.current
        if token.kind in (lexer.STRING, lexer.NUMBER):
            self.index += 1
            return token.value
        if token.kind == lexer.IDENT and token.value in ("true", "false"):
            self.index += 1
            return token.value == "true"
        raise self._error("expected a value")

    def parse(self):
        self._expect(lexer.IDENT, "workflow")
        spec = WorkflowSpec(self._name("workflow"))
        self._expect(lexer.LBRACE)
        while not self._accept(lexer.RBRACE):
            self._item(spec)
        self._expect(lexer.EOF)
        return spec

    def _item(self, spec):
        token = self.current
        if self._accept(lexer.IDENT, "schedule"):
            if spec.schedule is not None:
                raise self._error("schedule given twice", token)
            spec.schedule = self._expect(lexer.STRING).value
        elif self._accept(lexer.IDENT, "param"):
            name = self._name("parameter")
            self._expect(lexer.EQUALS)
            spec.params[name] = self._value()
        elif self._accept(lexer.IDENT, "task"):
            spec.tasks.append(self._task())
        else:
            raise self._error("expected 'schedule', 'param', 'task' or '}'")

    def _task(self):
        name = self._name("task")
        after = []
        if self._accept(lexer.IDENT, "after"):
            after.append(self._name("dependency"))
            while self._accept(lexer.COMMA):
                after.append(self._name("dependency"))
        options, args = {}, {}
        if self._accept(lexer.LBRACE):
            while not self._accept(lexer.RBRACE):
                if self.current.kind == lexer.EOF:
                    raise self._error("unterminated task block")
                if self._accept(lexer.IDENT, "arg"):
                    key = self._name("argument")
                    self._expect(lexer.EQUALS)
                    args[key] = self._value()
                    continue
                key_token = self._expect(lexer.IDENT)
                if key_token.value not in TASK_OPTIONS:
                    raise self._error(f"unknown task option {key_token.value!r}", key_token)
                if key_token.value in options:
                    raise self._error(f"option {key_token.value!r} given twice", key_token)
                self._expect(lexer.EQUALS)
                options[key_token.value] = self._value()
        try:
            return TaskSpec(name, after=after, args=args, **options)
        except SpecValidationError as exc:
            raise DSLSyntaxError(f"task {name!r}: {exc}") from None


def parse_workflow(text, validate=True):
    spec = Parser(lexer.tokenize(text)).parse()
    if validate:
        spec.validate()
    return spec
