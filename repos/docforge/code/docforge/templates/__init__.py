"""A small Jinja-flavoured template engine used for page layouts."""
