"""Plain-text renderer: readable text output for e-mails, feeds and search."""

from ..markup.parser import parse
from ..markup.visitor import Visitor
from ..text.wrap import fill

HEADING_UNDERLINES = {1: "=", 2: "-"}


class PlainTextRenderer(Visitor):
    def __init__(self, width=None, bullet="-", show_urls=True, underline_headings=True):
        self.width = width
        self.bullet = bullet
        self.show_urls = show_urls
        self.underline_headings = underline_headings

    def render(self, document):
        blocks = [self.visit(child) for child in document.children]
        footnotes = getattr(document, "footnotes", None) or []
        if footnotes:
            notes = []
            for definition in footnotes:
                body = self._blocks(definition.children, "\n")
                notes.append(f"[{definition.number}] {body}")
            blocks.append("\n".join(notes))
        text = "\n\n".join(block for block in blocks if block)
        return text + "\n" if text else ""

    def _blocks(self, nodes, separator="\n\n"):
        return separator.join(filter(None, (self.visit(node) for node in nodes)))

    def _inline(self, nodes):
        return "".join(self.visit(node) for node in nodes)

    # -- blocks ------------------------------------------------------------------

    def visit_Paragraph(self, node):
        text = self._inline(node.children)
        if self.width:
            return "\n".join(fill(line, self.width) for line in text.split("\n"))
        return text

    def visit_Heading(self, node):
        title = self._inline(node.children)
        underline = HEADING_UNDERLINES.get(node.level)
        if underline and self.underline_headings:
            return f"{title}\n{underline * len(title)}"
        return title

    def visit_ThematicBreak(self, node):
        return "* * *"

    def visit_BlockQuote(self, node):
        inner = self._blocks(node.children)
        return "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))

    def visit_CodeBlock(self, node):
        lines = node.code.rstrip("\n").split("\n")
        return "\n".join(f"    {line}" if line else "" for line in lines)

    def visit_List(self, node):
        out = []
        number = node.start or 1
        for item in node.children:
            marker = f"{number}." if node.ordered else self.bullet
            number += 1
            if item.checked is not None:
                marker += " [x]" if item.checked else " [ ]"
            body = self._blocks(item.children, "\n" if node.tight else "\n\n")
            first, *rest = body.split("\n") if body else [""]
            pad = " " * (len(marker) + 1)
            out.append(f"{marker} {first}".rstrip())
            out.extend(pad + line if line else "" for line in rest)
        return "\n".join(out)

    def visit_Table(self, node):
        rows = [[self._inline(cell.children) for cell in row.children] for row in node.children]
        if not rows:
            return ""
        widths = [max(len(row[col]) for row in rows) for col in range(len(node.aligns))]
        lines = []
        for index, row in enumerate(node.children):
            cells = [self._align(text, width, align)
                     for text, width, align in zip(rows[index], widths, node.aligns)]
            lines.append(" | ".join(cells).rstrip())
            if row.header:
                lines.append("-+-".join("-" * width for width in widths))
        return "\n".join(lines)

    @staticmethod
    def _align(text, width, align):
        if align == "right":
            return text.rjust(width)
        if align == "center":
            return text.center(width)
        return text.ljust(width)

    # -- inlines -----------------------------------------------------------------

    def visit_Text(self, node):
        return node.value

    def generic_visit(self, node):
        return self._inline(node.children)

    def visit_CodeSpan(self, node):
        return node.value

    def visit_LineBreak(self, node):
        return "\n"

    def visit_Link(self, node):
        text = self._inline(node.children)
        href = node.href
        shown = href[len("mailto:"):] if href.startswith("mailto:") else href
        if not self.show_urls or not href or href.startswith("#") or text == shown:
            return text
        return f"{text} ({href})"

    def visit_Image(self, node):
        return f"[{node.alt}]" if node.alt else "[image]"

    def visit_FootnoteRef(self, node):
        return f"[{node.number}]"


def render_text(document, **options):
    """Render a document (or markup source string) to plain text."""
    if isinstance(document, str):
        document = parse(document)
    return PlainTextRenderer(**options).render(document)
