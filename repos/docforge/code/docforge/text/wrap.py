"""Word wrapping, indentation and truncation helpers."""


def wrap(text, width=72, initial_indent="", subsequent_indent=None, break_long_words=True):
    """Wrap *text* into a list of lines no longer than *width*.

    Whitespace is collapsed.  Words longer than the available room are
    split when *break_long_words* is true, otherwise they overflow.
    """
    if width < 1:
        raise ValueError("width must be at least 1")
    if subsequent_indent is None:
        subsequent_indent = initial_indent
    lines = []
    current = []

    def prefix():
        return initial_indent if not lines else subsequent_indent

    def flush():
        lines.append(prefix() + " ".join(current))
        current.clear()

    for word in text.split():
        while True:
            room = width - len(prefix())
            if room < 1:
                raise ValueError("indent leaves no room for text")
            used = len(" ".join(current))
            needed = len(word) + (1 if current else 0)
            if used + needed <= room:
                current.append(word)
                break
            if current:
                flush()
                continue
            if break_long_words:
                current.append(word[:room])
                flush()
                word = word[room:]
                continue
            current.append(word)
            flush()
            break
    if current:
        flush()
    return lines


def fill(text, width=72, **options):
    """Like :func:`wrap` but returns a single newline-joined string."""
    return "\n".join(wrap(text, width, **options))


def dedent(text):
    """Remove the common leading spaces of all non-blank lines."""
    lines = text.split("\n")
    margins = [len(line) - len(line.lstrip(" ")) for line in lines if line.strip()]
    if not margins:
        return "\n".join("" for _ in lines)
    margin = min(margins)
    return "\n".join(line[margin:] if line.strip() else "" for line in lines)


def indent(text, prefix, skip_blank=True):
    """Prefix every line of *text*; blank lines stay empty unless told otherwise."""
    out = []
    for line in text.split("\n"):
        if skip_blank and not line.strip():
            out.append(line)
        else:
            out.append(prefix + line)
    return "\n".join(out)


def truncate_words(text, count, ellipsis="..."):
    """Keep the first *count* words, appending *ellipsis* if anything was cut."""
    if count < 0:
        raise ValueError("count must not be negative")
    words = text.split()
    if len(words) <= count:
        return " ".join(words)
    return " ".join(words[:count]) + ellipsis


def truncate_chars(text, limit, ellipsis="..."):
    """Shorten *text* to at most *limit* characters, preferring word boundaries."""
    if len(text) <= limit:
        return text
    room = limit - len(ellipsis)
    if room <= 0:
        return ellipsis[:limit]
    cut = text[:room]
    space = cut.rfind(" ")
    if space > 0:
        cut = cut[:space]
    return cut.rstrip() + ellipsis
