"""Top-level markup parser tying the block and inline passes together."""

from dataclasses import dataclass

from .anchors import assign_heading_ids
from .blocks import BlockParser
from .footnotes import FootnoteRegistry
from .inline import InlineParser
from .lexer import split_lines
from .nodes import Document
from .references import ReferenceMap
from .typography import apply_typography


@dataclass
class ParseOptions:
    tables: bool = True
    footnotes: bool = True
    strikethrough: bool = True
    heading_ids: bool = True
    typography: bool = False


class MarkupParser:
    def __init__(self, options=None):
        self.options = options or ParseOptions()

    def parse(self, source):
        options = self.options
        references = ReferenceMap()
        footnotes = FootnoteRegistry() if options.footnotes else None
        block_parser = BlockParser(references, footnotes, tables=options.tables)
        document = Document(block_parser.parse_lines(split_lines(source)))
        inline = InlineParser(references, footnotes, strikethrough=options.strikethrough)
        self._resolve_inlines(document, inline)
        if footnotes is not None:
            resolved = set()
            while True:
                pending = [d for d in footnotes.referenced() if id(d) not in resolved]
                if not pending:
                    break
                for definition in pending:
                    resolved.add(id(definition))
                    self._resolve_inlines(definition, inline)
            document.footnotes = footnotes.referenced()
        document.references = references
        if options.heading_ids:
            assign_heading_ids(document)
        if options.typography:
            apply_typography(document)
        return document

    @staticmethod
    def _resolve_inlines(root, inline):
        for node in list(root.walk()):
            raw = getattr(node, "raw", None)
            if raw is not None:
                node.children = inline.parse(raw)
                del node.raw


def parse(source, **options):
    """Parse *source* into a :class:`~docforge.markup.nodes.Document`."""
    return MarkupParser(ParseOptions(**options)).parse(source)
