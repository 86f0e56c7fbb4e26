"""Tokenizer for the workflow definition language."""

from taskflow.errors import DSLSyntaxError

IDENT = "IDENT"
STRING = "STRING"
NUMBER = "NUMBER"
LBRACE = "LBRACE"
RBRACE = "RBRACE"
EQUALS = "EQUALS"
COMMA = "COMMA"
EOF = "EOF"

PUNCTUATION = {"{": LBRACE, "}": RBRACE, "=": EQUALS, ",": COMMA}
ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


class Token:
    __slots__ = ("kind", "value", "line", "column")

    def __init__(self, kind, value, line, column):
        self.kind = kind
        self.value = value
        self.line = line
        self.column = column

    def __repr__(self):
        return f"Token({self.kind}, {self.value!r}, {self.line}:{self.column})"


def _is_ident_start(char):
    return char.isalpha() or char == "_"


def _is_ident_char(char):
    return char != "" and (char.isalnum() or char in "_.-")


class Lexer:
    def __init__(self, text):
        self.text = text
        self.pos = 0
        self.line = 1
        self.column = 1

    def _peek(self, offset=0):
        index = self.pos + offset
        return self.text[index] if index < len(self.text) else ""

    def _advance(self):
        char = self.text[self.pos]
        self.pos += 1
        if char == "\n":
            self.line += 1
            self.column = 1
        else:
            self.column += 1
        return char

    def _string(self, line, column):
        self._advance()  # opening quote
        chars = []
        while True:
            char = self._peek()
            if char == "" or char == "\n":
                raise DSLSyntaxError("unterminated string", line, column)
            self._advance()
            if char == '"':
                return Token(STRING, "".join(chars), line, column)
            if char == "\\":
                escaped = self._peek()
                if escaped not in ESCAPES:
                    raise DSLSyntaxError(f"invalid escape \\{escaped}", self.line, self.column)
                self._advance()
                chars.append(ESCAPES[escaped])
            else:
                chars.append(char)

    def _number(self, line, column):
        start = self.pos
        if self._peek() == "-":
            self._advance()
        while self._peek().isdigit():
            self._advance()
        if self._peek() == "." and self._peek(1).isdigit():
            self._advance()
            while self._peek().isdigit():
                self._advance()
        text = self.text[start:self.pos]
        if text == "-":
            raise DSLSyntaxError("expected digits after '-'", line, column)
        value = float(text) if "." in text else int(text)
        return Token(NUMBER, value, line, column)

    def tokens(self):
        result = []
        while self.pos < len(self.text):
            char = self._peek()
            line, column = self.line, self.column
            if char in " \t\r\n":
                self._advance()
            elif char == "#":
                while self._peek() not in ("", "\n"):
                    self._advance()
            elif char == '"':
                result.append(self._string(line, column))
            elif char.isdigit() or char == "-":
                result.append(self._number(line, column))
            elif _is_ident_start(char):
                start = self.pos
                while _is_ident_char(self._peek()):
                    self._advance()
                result.append(Token(IDENT, self.text[start:self.pos], line, column))
            elif char in PUNCTUATION:
                self._advance()
                result.append(Token(PUNCTUATION[char], char, line, column))
            else:
                raise DSLSyntaxError(f"unexpected character {char!r}", line, column)
        result.append(Token(EOF, None, self.line, self.column))
        return result


def tokenize(text):
    return Lexer(text).tokens()
