"""Block-level parser: headings, paragraphs, code, quotes, lists, tables."""

from .anchors import extract_explicit_id
from .footnotes import collect_definition, parse_footnote_start
from .lexer import (ATX_RE, QUOTE_RE, SETEXT_RE, LineKind, match_fence,
                    tokenize_lines)
from .lists import can_interrupt_paragraph, collect_list, parse_marker, split_task
from .nodes import (BlockQuote, CodeBlock, FootnoteDef, Heading, List, ListItem,
                    Paragraph, ThematicBreak)
from .references import parse_reference
from .tables import build_table, looks_like_table, parse_delimiter_row

# Line kinds that end a paragraph without a blank line.
_INTERRUPTS = (LineKind.ATX_HEADING, LineKind.FENCE, LineKind.THEMATIC_BREAK, LineKind.QUOTE)


class BlockParser:
    """Turns lines into block nodes.

    Nodes whose content is inline markup (headings, paragraphs and table
    cells) receive a ``raw`` attribute that the inline pass replaces with
    children later on, once all reference definitions are known.
    """

    def __init__(self, references, footnotes=None, tables=True):
        self.references = references
        self.footnotes = footnotes
        self.tables = tables

    def parse_lines(self, raw_lines, first_lineno=1):
        return self._parse(tokenize_lines(raw_lines, first_lineno))

    def _parse(self, lines):
        blocks = []
        i = 0
        while i < len(lines):
            line = lines[i]
            kind = line.kind
            if kind is LineKind.BLANK:
                i += 1
            elif kind is LineKind.INDENTED:
                i = self._indented_code(lines, i, blocks)
            elif kind is LineKind.ATX_HEADING:
                blocks.append(self._atx_heading(line))
                i += 1
            elif kind is LineKind.FENCE:
                i = self._fenced_code(lines, i, blocks)
            elif kind is LineKind.THEMATIC_BREAK:
                blocks.append(ThematicBreak())
                i += 1
            elif kind is LineKind.QUOTE:
                i = self._blockquote(lines, i, blocks)
            elif kind in (LineKind.BULLET, LineKind.ORDERED):
                i = self._list(lines, i, blocks)
            else:
                i = self._text_block(lines, i, blocks)
        return blocks

    # -- leaf blocks -----------------------------------------------------------

    def _atx_heading(self, line):
        match = ATX_RE.match(line.text)
        level = len(match.group(1))
        content, anchor = extract_explicit_id((match.group(2) or "").strip())
        heading = Heading(level, anchor=anchor)
        heading.raw = content
        return heading

    def _indented_code(self, lines, i, blocks):
        code_lines = []
        end = i
        while i < len(lines):
            line = lines[i]
            if line.kind is LineKind.INDENTED:
                code_lines.append(line.text[4:])
                end = len(code_lines)
            elif line.is_blank:
                code_lines.append(line.text[4:])
            else:
                break
            i += 1
        code_lines = code_lines[:end]
        blocks.append(CodeBlock("\n".join(code_lines) + "\n"))
        return i

    def _fenced_code(self, lines, i, blocks):
        indent, fence, info = match_fence(lines[i].text)
        i += 1
        body = []
        while i < len(lines):
            text = lines[i].text
            closing = match_fence(text)
            if (closing and closing[1][0] == fence[0] and len(closing[1]) >= len(fence)
                    and not closing[2]):
                i += 1
                break
            strip = min(indent, len(text) - len(text.lstrip(" ")))
            body.append(text[strip:])
            i += 1
        code = "\n".join(body) + "\n" if body else ""
        blocks.append(CodeBlock(code, info))
        return i

    # -- container blocks ----------------------------------------------------

    def _blockquote(self, lines, i, blocks):
        inner = []
        while i < len(lines):
            line = lines[i]
            match = QUOTE_RE.match(line.text) if line.kind is LineKind.QUOTE else None
            if match:
                inner.append(match.group(1))
            elif line.kind is LineKind.TEXT and inner and inner[-1].strip():
                inner.append(line.text)
            else:
                break
            i += 1
        blocks.append(BlockQuote(self.parse_lines(inner, lines[i - 1].lineno)))
        return i

    def _list(self, lines, i, blocks):
        marker, items, end, tight = collect_list(lines, i)
        node = List(ordered=marker.ordered, start=marker.start if marker.ordered else None,
                    tight=tight)
        for item_lines in items:
            checked = None
            if item_lines:
                checked, first = split_task(item_lines[0])
                item_lines = [first] + item_lines[1:]
            node.append(ListItem(self.parse_lines(item_lines), checked=checked))
        blocks.append(node)
        return end

    # -- paragraphs and things that look like them ---------------------------

    def _text_block(self, lines, i, blocks):
        line = lines[i]
        if self.footnotes is not None and parse_footnote_start(line.text):
            label, body, end = collect_definition(lines, i)
            definition = FootnoteDef(label, self.parse_lines(body))
            self.footnotes.define(label, definition)
            return end
        reference = parse_reference(line.text)
        if reference is not None:
            label, ref = reference
            self.references.add(label, ref.url, ref.title)
            return i + 1
        if self.tables and i + 1 < len(lines) and looks_like_table(line.text, lines[i + 1].text):
            return self._table(lines, i, blocks)
        return self._paragraph(lines, i, blocks)

    def _table(self, lines, i, blocks):
        header = lines[i].text
        aligns = parse_delimiter_row(lines[i + 1].text)
        i += 2
        body = []
        while i < len(lines) and lines[i].kind is LineKind.TEXT and "|" in lines[i].text:
            body.append(lines[i].text)
            i += 1
        blocks.append(build_table(header, aligns, body))
        return i

    def _paragraph(self, lines, i, blocks):
        collected = [lines[i].text.lstrip()]
        i += 1
        while i < len(lines):
            line = lines[i]
            setext = SETEXT_RE.match(line.text)
            if setext:
                level = 1 if setext.group(1)[0] == "=" else 2
                content, anchor = extract_explicit_id("\n".join(c.rstrip() for c in collected))
                heading = Heading(level, anchor=anchor)
                heading.raw = content
                blocks.append(heading)
                return i + 1
            if line.is_blank or line.kind in _INTERRUPTS:
                break
            if line.kind in (LineKind.BULLET, LineKind.ORDERED):
                marker = parse_marker(line.text)
                if can_interrupt_paragraph(marker):
                    break
            collected.append(line.text.lstrip())
            i += 1
        paragraph = Paragraph()
        paragraph.raw = "\n".join(collected).rstrip()
        blocks.append(paragraph)
        return i
