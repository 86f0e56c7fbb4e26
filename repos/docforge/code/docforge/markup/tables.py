"""Pipe tables: row splitting, delimiter rows and column alignment."""

import re

from .nodes import Table, TableCell, TableRow

DELIMITER_CELL_RE = re.compile(r"^:?-+:?$")


def split_row(line):
    """Split a table row into stripped cell strings; ``\\|`` is a literal pipe."""
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    cells = []
    buf = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] == "|":
            buf.append("|")
            i += 2
            continue
        if ch == "|":
            cells.append("".join(buf).strip())
            buf = []
        else:
            buf.append(ch)
        i += 1
    cells.append("".join(buf).strip())
    return cells


def cell_alignment(cell):
    """Alignment of one delimiter cell: ``left``, ``right``, ``center`` or ``None``."""
    cell = cell.strip()
    left = cell.startswith(":")
    right = cell.endswith(":")
    if left and right:
        return "center"
    if right:
        return "right"
    if left:
        return "left"
    return None


def parse_delimiter_row(line):
    """Return the column alignments of a delimiter row, or ``None``."""
    if "-" not in line or "|" not in line:
        return None
    aligns = []
    for cell in split_row(line):
        if not DELIMITER_CELL_RE.match(cell):
            return None
        aligns.append(cell_alignment(cell))
    return aligns


def looks_like_table(header_line, delimiter_line):
    if "|" not in header_line:
        return False
    aligns = parse_delimiter_row(delimiter_line)
    return aligns is not None and len(aligns) == len(split_row(header_line))


def fit_cells(cells, width):
    """Pad with empty cells or drop extra ones so a row has *width* cells."""
    if len(cells) >= width:
        return cells[:width]
    return cells + [""] * (width - len(cells))


def build_table(header_line, aligns, body_lines):
    """Build a :class:`Table`; cells get a ``raw`` attribute for inline parsing."""
    table = Table(aligns)
    rows = [(split_row(header_line), True)] + [(split_row(line), False) for line in body_lines]
    for cells, header in rows:
        row = TableRow(header=header)
        for text, align in zip(fit_cells(cells, len(aligns)), aligns):
            cell = TableCell(align=align, header=header)
            cell.raw = text
            row.append(cell)
        table.append(row)
    return table
