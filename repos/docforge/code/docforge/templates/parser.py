"""Template parser: turns lexer tokens into a tree of template nodes."""

import re

from ..errors import TemplateSyntaxError
from .expressions import parse_expression
from .nodes import ForNode, IfNode, IncludeNode, OutputNode, SetNode, TextNode

FOR_RE = re.compile(r"^([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s+in\s+(.+)$", re.DOTALL)
SET_RE = re.compile(r"^([A-Za-z_]\w*)\s*=\s*(.+)$", re.DOTALL)
END_TAGS = {"endif", "endfor", "elif", "else"}


class TemplateParser:
    def __init__(self, tokens, name=None):
        self.tokens = tokens
        self.name = name
        self.pos = 0

    def parse(self):
        nodes, _ = self._parse_body(())
        return nodes

    def _error(self, message, lineno):
        raise TemplateSyntaxError(message, lineno=lineno, name=self.name)

    def _expression(self, source, lineno):
        try:
            expr = parse_expression(source, lineno)
        except TemplateSyntaxError as exc:
            self._error(exc.message, lineno)
        return expr

    def _parse_body(self, end_tags):
        """Parse nodes until one of *end_tags*; returns ``(nodes, (keyword, rest, token))``."""
        nodes = []
        while self.pos < len(self.tokens):
            token = self.tokens[self.pos]
            self.pos += 1
            if token.kind == "text":
                nodes.append(TextNode(token.value))
                continue
            if token.kind == "var":
                node = OutputNode(self._expression(token.value, token.lineno))
                node.lineno = token.lineno
                nodes.append(node)
                continue
            keyword, _, rest = token.value.partition(" ")
            rest = rest.strip()
            if keyword in end_tags:
                return nodes, (keyword, rest, token)
            handler = getattr(self, f"_parse_{keyword}", None)
            if handler is None:
                if keyword in END_TAGS:
                    self._error(f"unexpected '{keyword}'", token.lineno)
                self._error(f"unknown tag '{keyword}'", token.lineno)
            node = handler(rest, token)
            node.lineno = token.lineno
            nodes.append(node)
        if end_tags:
            expected = " or ".join(f"'{tag}'" for tag in end_tags)
            last = None
            if self.tokens:
                final = self.tokens[-1]
                last = final.lineno + final.value.count("\n")
            self._error(f"unexpected end of template, expected {expected}", last)
        return nodes, None

    def _parse_if(self, rest, token):
        if not rest:
            self._error("if tag requires a condition", token.lineno)
        branches = []
        condition = self._expression(rest, token.lineno)
        else_body = []
        while True:
            body, (keyword, tail, end_token) = self._parse_body(("elif", "else", "endif"))
            branches.append((condition, body))
            if keyword == "elif":
                condition = self._expression(tail, end_token.lineno)
                continue
            if keyword == "else":
                else_body, _ = self._parse_body(("endif",))
            break
        return IfNode(branches, else_body)

    def _parse_for(self, rest, token):
        match = FOR_RE.match(rest)
        if not match:
            self._error("invalid for loop, expected 'for name in expression'", token.lineno)
        targets = [name.strip() for name in match.group(1).split(",")]
        iterable = self._expression(match.group(2), token.lineno)
        body, (keyword, _, _) = self._parse_body(("else", "endfor"))
        else_body = []
        if keyword == "else":
            else_body, _ = self._parse_body(("endfor",))
        return ForNode(targets, iterable, body, else_body)

    def _parse_set(self, rest, token):
        match = SET_RE.match(rest)
        if not match:
            self._error("invalid set tag, expected 'set name = expression'", token.lineno)
        return SetNode(match.group(1), self._expression(match.group(2), token.lineno))

    def _parse_include(self, rest, token):
        if not rest:
            self._error("include tag requires a template name", token.lineno)
        return IncludeNode(self._expression(rest, token.lineno))
