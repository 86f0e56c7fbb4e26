"""Exception hierarchy shared by every docforge subpackage."""


class DocforgeError(Exception):
    """Base class for all errors raised by docforge."""


class MarkupError(DocforgeError):
    """Raised when markup source cannot be processed."""

    def __init__(self, message, lineno=None):
        self.lineno = lineno
        if lineno is not None:
            message = f"line {lineno}: {message}"
        super().__init__(message)


class TemplateError(DocforgeError):
    """Base class for template problems; carries an optional location."""

    def __init__(self, message, lineno=None, name=None):
        self.message = message
        self.lineno = lineno
        self.name = name
        super().__init__(self._format())

    def _format(self):
        location = []
        if self.name:
            location.append(str(self.name))
        if self.lineno is not None:
            location.append(f"line {self.lineno}")
        if location:
            return f"{', '.join(location)}: {self.message}"
        return self.message


class TemplateSyntaxError(TemplateError):
    """The template source is malformed."""


class UndefinedError(TemplateError):
    """A strict undefined value was used."""


class TemplateNotFound(TemplateError):
    """A loader could not find the requested template."""

    def __init__(self, template_name):
        self.template_name = template_name
        super().__init__(f"template not found: {template_name}")


class FrontMatterError(DocforgeError):
    """The front matter block of a page is malformed."""

    def __init__(self, message, lineno=None):
        self.lineno = lineno
        if lineno is not None:
            message = f"front matter line {lineno}: {message}"
        super().__init__(message)


class ConfigError(DocforgeError):
    """The site configuration failed validation."""

    def __init__(self, issues):
        if isinstance(issues, str):
            issues = [issues]
        self.issues = list(issues)
        super().__init__("invalid configuration: " + "; ".join(self.issues))


class LinkError(DocforgeError):
    """A link could not be resolved."""


class BuildError(DocforgeError):
    """The site could not be built."""


class QueryError(DocforgeError):
    """A search query could not be parsed."""
