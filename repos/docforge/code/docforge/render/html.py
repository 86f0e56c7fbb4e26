"""HTML renderer for markup documents."""

from ..markup.nodes import Paragraph
from ..markup.parser import parse
from ..markup.visitor import Visitor
from ..text.escape import escape_html
from .attrs import format_attrs
from .codeblocks import parse_info_string, render_code_lines
from .urls import normalize_url, sanitize_url


class HtmlRenderer(Visitor):
    def __init__(self, xhtml=False, safe_links=True, heading_anchors=False,
                 line_numbers=False, footnote_backref="\u21a9"):
        self.xhtml = xhtml
        self.safe_links = safe_links
        self.heading_anchors = heading_anchors
        self.line_numbers = line_numbers
        self.footnote_backref = footnote_backref

    def render(self, document):
        parts = []
        body = self._blocks(document.children)
        if body:
            parts.append(body)
        footnotes = getattr(document, "footnotes", None)
        if footnotes:
            parts.append(self._footnotes(footnotes))
        return "\n".join(parts) + "\n" if parts else ""

    # -- helpers -----------------------------------------------------------------

    def _blocks(self, nodes):
        return "\n".join(self.visit(node) for node in nodes)

    def _inline(self, nodes):
        return "".join(self.visit(node) for node in nodes)

    def _void(self, name, attrs=None):
        return f"<{name}{format_attrs(attrs or {})}{' /' if self.xhtml else ''}>"

    def _url(self, url):
        return sanitize_url(url) if self.safe_links else normalize_url(url)

    # -- blocks ------------------------------------------------------------------

    def visit_Document(self, node):
        return self._blocks(node.children)

    def visit_Paragraph(self, node):
        return f"<p>{self._inline(node.children)}</p>"

    def visit_Heading(self, node):
        content = self._inline(node.children)
        if self.heading_anchors and node.anchor:
            href = escape_html("#" + node.anchor)
            content += f' <a class="anchor" href="{href}">#</a>'
        return f"<h{node.level}{format_attrs({'id': node.anchor})}>{content}</h{node.level}>"

    def visit_ThematicBreak(self, node):
        return self._void("hr")

    def visit_BlockQuote(self, node):
        inner = self._blocks(node.children)
        if not inner:
            return "<blockquote>\n</blockquote>"
        return f"<blockquote>\n{inner}\n</blockquote>"

    def visit_CodeBlock(self, node):
        info = parse_info_string(node.info)
        attrs = {
            "class": f"language-{info.language}" if info.language else None,
            "data-title": info.title,
        }
        code = render_code_lines(node.code, info.highlight, self.line_numbers)
        return f"<pre><code{format_attrs(attrs)}>{code}</code></pre>"

    def visit_List(self, node):
        name = "ol" if node.ordered else "ul"
        start = node.start if node.ordered and node.start != 1 else None
        items = "\n".join(self._list_item(item, node.tight) for item in node.children)
        return f"<{name}{format_attrs({'start': start})}>\n{items}\n</{name}>"

    def _list_item(self, item, tight):
        prefix = ""
        if item.checked is not None:
            prefix = self._void("input", {"type": "checkbox", "disabled": True,
                                          "checked": item.checked}) + " "
        if not item.children:
            return f"<li>{prefix.rstrip()}</li>"
        if tight:
            pieces = []
            for child in item.children:
                if isinstance(child, Paragraph):
                    pieces.append(self._inline(child.children))
                else:
                    pieces.append("\n" + self.visit(child) + "\n")
            return f"<li>{prefix}{''.join(pieces)}</li>"
        return f"<li>{prefix}\n{self._blocks(item.children)}\n</li>"

    def visit_Table(self, node):
        head = [row for row in node.children if row.header]
        body = [row for row in node.children if not row.header]
        out = ["<table>"]
        if head:
            out += ["<thead>"] + [self._row(row) for row in head] + ["</thead>"]
        if body:
            out += ["<tbody>"] + [self._row(row) for row in body] + ["</tbody>"]
        out.append("</table>")
        return "\n".join(out)

    def _row(self, row):
        cells = []
        for cell in row.children:
            name = "th" if cell.header else "td"
            style = f"text-align: {cell.align}" if cell.align else None
            cells.append(f"<{name}{format_attrs({'style': style})}>"
                         f"{self._inline(cell.children)}</{name}>")
        return f"<tr>{''.join(cells)}</tr>"

    # -- inlines -----------------------------------------------------------------

    def visit_Text(self, node):
        return escape_html(node.value)

    def visit_Emphasis(self, node):
        return f"<em>{self._inline(node.children)}</em>"

    def visit_Strong(self, node):
        return f"<strong>{self._inline(node.children)}</strong>"

    def visit_Strikethrough(self, node):
        return f"<del>{self._inline(node.children)}</del>"

    def visit_CodeSpan(self, node):
        return f"<code>{escape_html(node.value)}</code>"

    def visit_LineBreak(self, node):
        return self._void("br") + "\n"

    def visit_Link(self, node):
        attrs = {"href": self._url(node.href), "title": node.title}
        return f"<a{format_attrs(attrs)}>{self._inline(node.children)}</a>"

    def visit_Image(self, node):
        return self._void("img", {"src": self._url(node.src), "alt": node.alt,
                                  "title": node.title})

    def visit_FootnoteRef(self, node):
        n = node.number
        return f'<sup class="footnote-ref"><a href="#fn-{n}" id="fnref-{n}">{n}</a></sup>'

    # -- footnotes -----------------------------------------------------------------

    def _footnotes(self, definitions):
        items = []
        for definition in definitions:
            n = definition.number
            backref = (f' <a href="#fnref-{n}" class="footnote-backref">'
                       f'{self.footnote_backref}</a>')
            content = self._blocks(definition.children)
            if content.endswith("</p>"):
                content = content[:-len("</p>")] + backref + "</p>"
            else:
                content += backref
            items.append(f'<li id="fn-{n}">\n{content}\n</li>')
        return ('<section class="footnotes">\n<ol>\n' + "\n".join(items)
                + "\n</ol>\n</section>")


def render_html(document, **options):
    """Render a document (or markup source string) to HTML."""
    if isinstance(document, str):
        document = parse(document)
    return HtmlRenderer(**options).render(document)
