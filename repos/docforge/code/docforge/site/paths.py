"""Mapping of source documents to output files and URLs."""

import posixpath

SOURCE_EXTENSIONS = (".md", ".markdown", ".txt")
INDEX_STEMS = ("index", "readme")
INDEX_FILE = "index.html"


def normalize_source_path(path):
    """Normalise a content-relative path to POSIX form without ``.`` segments."""
    parts = []
    for piece in str(path).replace("\\", "/").split("/"):
        if piece in ("", "."):
            continue
        if piece == "..":
            if not parts:
                raise ValueError(f"path escapes the content root: {path}")
            parts.pop()
            continue
        parts.append(piece)
    if not parts:
        raise ValueError(f"empty path: {path!r}")
    return "/".join(parts)


def strip_extension(filename):
    lowered = filename.lower()
    for extension in SOURCE_EXTENSIONS:
        if lowered.endswith(extension):
            return filename[:-len(extension)]
    return filename


def is_source_file(path):
    return path.lower().endswith(SOURCE_EXTENSIONS)


def output_path(source_path, pretty_urls=True, slug=None):
    """``blog/Hello.md`` -> ``blog/Hello/index.html`` (or ``blog/Hello.html``).

    ``index`` and ``readme`` documents become the directory's ``index.html``;
    an explicit *slug* replaces the file stem.
    """
    source = normalize_source_path(source_path)
    directory, _, filename = source.rpartition("/")
    stem = strip_extension(filename)
    if slug:
        relative = f"{slug}/{INDEX_FILE}" if pretty_urls else f"{slug}.html"
    elif stem.lower() in INDEX_STEMS:
        relative = INDEX_FILE
    elif pretty_urls:
        relative = f"{stem}/{INDEX_FILE}"
    else:
        relative = f"{stem}.html"
    return f"{directory}/{relative}" if directory else relative


def url_for(out_path, base_url="/"):
    """Public URL of an output file; ``index.html`` is dropped."""
    if out_path == INDEX_FILE:
        path = ""
    elif out_path.endswith("/" + INDEX_FILE):
        path = out_path[:-len(INDEX_FILE)]
    else:
        path = out_path
    return base_url.rstrip("/") + "/" + path


def relative_url(from_output, to_output):
    """Relative link from one output file to another."""
    from_dir = posixpath.dirname(from_output) or "."
    relative = posixpath.relpath(to_output, from_dir)
    if relative == INDEX_FILE:
        return "./"
    if relative.endswith("/" + INDEX_FILE):
        return relative[:-len(INDEX_FILE)]
    return relative


def output_depth(out_path):
    """Number of directories between the site root and *out_path*."""
    return out_path.count("/")


def root_prefix(out_path):
    """Relative prefix leading from *out_path* back to the site root."""
    depth = output_depth(out_path)
    return "../" * depth if depth else "./"
