"""AST node classes produced by the markup parser."""


class Node:
    """Base class: a node has a list of children and a tuple of named fields."""

    fields = ()

    def __init__(self, children=None):
        self.children = list(children) if children else []

    def append(self, node):
        self.children.append(node)
        return node

    def extend(self, nodes):
        self.children.extend(nodes)

    def walk(self):
        """Yield this node and all descendants in document (pre-)order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def find_all(self, cls):
        return [node for node in self.walk() if isinstance(node, cls)]

    def own_text(self):
        return ""

    def text_content(self):
        """Concatenated visible text of the node and its descendants."""
        return "".join(node.own_text() for node in self.walk())

    def attrs(self):
        return {name: getattr(self, name) for name in self.fields}

    def __eq__(self, other):
        if type(self) is not type(other):
            return NotImplemented
        return self.attrs() == other.attrs() and self.children == other.children

    __hash__ = None

    def __repr__(self):
        parts = [f"{key}={value!r}" for key, value in self.attrs().items()]
        if self.children:
            parts.append(f"children={self.children!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


# -- block nodes -------------------------------------------------------------


class Document(Node):
    def __init__(self, children=None):
        super().__init__(children)
        self.footnotes = []
        self.references = None


class Heading(Node):
    fields = ("level", "anchor")

    def __init__(self, level, children=None, anchor=None):
        if not 1 <= level <= 6:
            raise ValueError(f"heading level must be between 1 and 6, got {level}")
        super().__init__(children)
        self.level = level
        self.anchor = anchor


class Paragraph(Node):
    pass


class BlockQuote(Node):
    pass


class ThematicBreak(Node):
    pass


class CodeBlock(Node):
    fields = ("info", "code")

    def __init__(self, code, info=""):
        super().__init__()
        self.code = code
        self.info = info

    @property
    def language(self):
        return self.info.split()[0] if self.info.strip() else ""

    def own_text(self):
        return self.code


class List(Node):
    fields = ("ordered", "start", "tight")

    def __init__(self, ordered=False, start=None, tight=True, children=None):
        super().__init__(children)
        self.ordered = ordered
        self.start = start
        self.tight = tight


class ListItem(Node):
    fields = ("checked",)

    def __init__(self, children=None, checked=None):
        super().__init__(children)
        self.checked = checked


class Table(Node):
    fields = ("aligns",)

    def __init__(self, aligns, children=None):
        super().__init__(children)
        self.aligns = list(aligns)

    @property
    def header(self):
        if self.children and self.children[0].header:
            return self.children[0]
        return None

    @property
    def body(self):
        return [row for row in self.children if not row.header]


class TableRow(Node):
    fields = ("header",)

    def __init__(self, children=None, header=False):
        super().__init__(children)
        self.header = header


class TableCell(Node):
    fields = ("align", "header")

    def __init__(self, children=None, align=None, header=False):
        super().__init__(children)
        self.align = align
        self.header = header


class FootnoteDef(Node):
    fields = ("label", "number")

    def __init__(self, label, children=None, number=None):
        super().__init__(children)
        self.label = label
        self.number = number


# -- inline nodes --------------------------------------------------------------


class Text(Node):
    fields = ("value",)

    def __init__(self, value):
        super().__init__()
        self.value = value

    def own_text(self):
        return self.value


class Emphasis(Node):
    pass


class Strong(Node):
    pass


class Strikethrough(Node):
    pass


class CodeSpan(Node):
    fields = ("value",)

    def __init__(self, value):
        super().__init__()
        self.value = value

    def own_text(self):
        return self.value


class Link(Node):
    fields = ("href", "title")

    def __init__(self, href, title=None, children=None):
        super().__init__(children)
        self.href = href
        self.title = title


class Image(Node):
    fields = ("src", "alt", "title")

    def __init__(self, src, alt="", title=None):
        super().__init__()
        self.src = src
        self.alt = alt
        self.title = title

    def own_text(self):
        return self.alt


class LineBreak(Node):
    def own_text(self):
        return "\n"


class FootnoteRef(Node):
    fields = ("label", "number")

    def __init__(self, label, number):
        super().__init__()
        self.label = label
        self.number = number


BLOCK_TYPES = (Document, Heading, Paragraph, BlockQuote, ThematicBreak, CodeBlock,
               List, ListItem, Table, TableRow, TableCell, FootnoteDef)
INLINE_TYPES = (Text, Emphasis, Strong, Strikethrough, CodeSpan, Link, Image,
                LineBreak, FootnoteRef)


def is_block(node):
    return isinstance(node, BLOCK_TYPES)
