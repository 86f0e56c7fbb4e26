"""Renderers turning a parsed document into HTML, plain text or a TOC."""
