"""Inline parser: emphasis, code spans, links, images, autolinks, footnote refs."""

import re

from .footnotes import FOOTNOTE_REF_RE
from .nodes import (CodeSpan, Emphasis, FootnoteRef, Image, LineBreak, Link,
                    Strikethrough, Strong, Text)

ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")

AUTOLINK_RE = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*)>")
EMAIL_AUTOLINK_RE = re.compile(
    r"<([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)>"
)


def unescape_backslashes(text):
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


def merge_text(nodes):
    """Merge adjacent :class:`Text` nodes."""
    merged = []
    for node in nodes:
        if isinstance(node, Text) and merged and isinstance(merged[-1], Text):
            merged[-1] = Text(merged[-1].value + node.value)
        else:
            merged.append(node)
    return merged


def _run_length(text, i, char):
    j = i
    while j < len(text) and text[j] == char:
        j += 1
    return j - i


class InlineParser:
    def __init__(self, references=None, footnotes=None, strikethrough=True):
        self.references = references
        self.footnotes = footnotes
        self.strikethrough = strikethrough

    def parse(self, text):
        return self._parse(text, in_link=False)

    # -- main loop -----------------------------------------------------------

    def _parse(self, text, in_link):
        nodes = []
        buf = []

        def flush():
            if buf:
                nodes.append(Text("".join(buf)))
                buf.clear()

        i = 0
        n = len(text)
        while i < n:
            ch = text[i]
            if ch == "\\":
                if i + 1 < n and text[i + 1] == "\n":
                    flush()
                    nodes.append(LineBreak())
                    i = self._skip_spaces(text, i + 2)
                    continue
                if i + 1 < n and text[i + 1] in ASCII_PUNCTUATION:
                    buf.append(text[i + 1])
                    i += 2
                    continue
                buf.append(ch)
                i += 1
                continue
            if ch == "\n":
                pending = "".join(buf)
                stripped = pending.rstrip(" ")
                buf[:] = [stripped] if stripped else []
                if len(pending) - len(stripped) >= 2:
                    flush()
                    nodes.append(LineBreak())
                else:
                    buf.append("\n")
                i = self._skip_spaces(text, i + 1)
                continue
            result = None
            if ch == "`":
                result = self._code_span(text, i)
                if result is None:
                    run = _run_length(text, i, "`")
                    buf.append("`" * run)
                    i += run
                    continue
            elif ch == "!" and text.startswith("[", i + 1):
                result = self._link_or_image(text, i + 1, image=True)
            elif ch == "[":
                if self.footnotes is not None and text.startswith("[^", i):
                    result = self._footnote_ref(text, i)
                if result is None and not in_link:
                    result = self._link_or_image(text, i, image=False)
            elif ch == "<":
                result = self._autolink(text, i)
            elif ch in "*_" or (ch == "~" and self.strikethrough):
                result = self._emphasis(text, i, in_link)
                if result is None:
                    run = _run_length(text, i, ch)
                    buf.append(ch * run)
                    i += run
                    continue
            if result is not None:
                node, i = result
                flush()
                nodes.append(node)
                continue
            buf.append(ch)
            i += 1
        flush()
        return merge_text(nodes)

    @staticmethod
    def _skip_spaces(text, i):
        while i < len(text) and text[i] == " ":
            i += 1
        return i

    # -- code spans ------------------------------------------------------------

    def _code_span(self, text, i):
        run = _run_length(text, i, "`")
        opener = "`" * run
        j = i + run
        while True:
            k = text.find(opener, j)
            if k == -1:
                return None
            closing = _run_length(text, k, "`")
            if closing == run:
                content = text[i + run:k].replace("\n", " ")
                if (len(content) >= 2 and content[0] == " " and content[-1] == " "
                        and content.strip(" ")):
                    content = content[1:-1]
                return CodeSpan(content), k + run
            j = k + closing

    # -- emphasis ------------------------------------------------------------------

    def _emphasis(self, text, i, in_link):
        char = text[i]
        run = _run_length(text, i, char)
        if char == "~":
            if run != 2:
                return None
        elif run > 3:
            return None
        start = i + run
        if start >= len(text) or text[start].isspace():
            return None
        if char == "_" and i > 0 and text[i - 1].isalnum():
            return None
        close = self._find_closer(text, start, char, run)
        if close is None:
            return None
        children = self._parse(text[start:close], in_link)
        if char == "~":
            node = Strikethrough(children)
        elif run == 1:
            node = Emphasis(children)
        elif run == 2:
            node = Strong(children)
        else:
            node = Strong([Emphasis(children)])
        return node, close + run

    def _find_closer(self, text, start, char, size):
        j = start
        n = len(text)
        while j < n:
            c = text[j]
            if c == "\\":
                j += 2
                continue
            if c == "`":
                span = self._code_span(text, j)
                j = span[1] if span else j + _run_length(text, j, "`")
                continue
            if c == char:
                run = _run_length(text, j, char)
                after = j + run
                if (run == size and not text[j - 1].isspace()
                        and (char != "_" or after >= n or not text[after].isalnum())):
                    return j
                j = after
                continue
            j += 1
        return None

    # -- links and images ------------------------------------------------------

    def _find_bracket_end(self, text, i):
        depth = 0
        j = i
        while j < len(text):
            c = text[j]
            if c == "\\":
                j += 2
                continue
            if c == "`":
                span = self._code_span(text, j)
                if span:
                    j = span[1]
                    continue
            if c == "[":
                depth += 1
            elif c == "]":
                depth -= 1
                if depth == 0:
                    return j
            j += 1
        return None

    def _link_or_image(self, text, i, image):
        close = self._find_bracket_end(text, i)
        if close is None:
            return None
        label = text[i + 1:close]
        j = close + 1
        if j < len(text) and text[j] == "(":
            parsed = self._inline_destination(text, j)
            if parsed is not None:
                href, title, end = parsed
                return self._make(label, href, title, image), end
        if self.references is None:
            return None
        if j < len(text) and text[j] == "[":
            close2 = text.find("]", j + 1)
            if close2 != -1:
                ref_label = text[j + 1:close2] or label
                ref = self.references.get(ref_label)
                if ref is None:
                    return None
                return self._make(label, ref.url, ref.title, image), close2 + 1
        ref = self.references.get(label)
        if ref is None:
            return None
        return self._make(label, ref.url, ref.title, image), close + 1

    def _inline_destination(self, text, j):
        n = len(text)
        k = self._skip_whitespace(text, j + 1)
        if k < n and text[k] == "<":
            end = text.find(">", k + 1)
            if end == -1 or "\n" in text[k:end]:
                return None
            href = text[k + 1:end]
            k = end + 1
        else:
            start = k
            depth = 0
            while k < n:
                c = text[k]
                if c == "\\" and k + 1 < n and text[k + 1] in ASCII_PUNCTUATION:
                    k += 2
                    continue
                if c.isspace():
                    break
                if c == "(":
                    depth += 1
                elif c == ")":
                    if depth == 0:
                        break
                    depth -= 1
                k += 1
            href = unescape_backslashes(text[start:k])
        k = self._skip_whitespace(text, k)
        title = None
        if k < n and text[k] in "\"'(":
            closer = ")" if text[k] == "(" else text[k]
            end = text.find(closer, k + 1)
            if end == -1:
                return None
            title = text[k + 1:end]
            k = self._skip_whitespace(text, end + 1)
        if k >= n or text[k] != ")":
            return None
        return href, title, k + 1

    @staticmethod
    def _skip_whitespace(text, k):
        while k < len(text) and text[k] in " \t\n":
            k += 1
        return k

    def _make(self, label, href, title, image):
        children = self._parse(label, in_link=True)
        if image:
            alt = "".join(node.text_content() for node in children)
            return Image(href, alt=alt, title=title)
        return Link(href, title=title, children=children)

    # -- autolinks and footnotes -----------------------------------------------

    def _autolink(self, text, i):
        match = AUTOLINK_RE.match(text, i)
        if match:
            url = match.group(1)
            return Link(url, children=[Text(url)]), match.end()
        match = EMAIL_AUTOLINK_RE.match(text, i)
        if match:
            address = match.group(1)
            return Link("mailto:" + address, children=[Text(address)]), match.end()
        return None

    def _footnote_ref(self, text, i):
        match = FOOTNOTE_REF_RE.match(text, i)
        if not match:
            return None
        number = self.footnotes.reference(match.group(1))
        if number is None:
            return None
        return FootnoteRef(match.group(1), number), match.end()
