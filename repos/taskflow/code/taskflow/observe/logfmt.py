"""logfmt (``key=value``) formatting and parsing of log records."""

from taskflow.core.clock import to_datetime

LEVELS = ("debug", "info", "warning", "error")
_NEEDS_QUOTES = set(' ="\\\t\n')


def quote(value):
    """Render one value, quoting when it contains spaces, quotes or ``=``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = f"{value:.6g}"
    else:
        text = str(value)
    if text == "" or any(char in _NEEDS_QUOTES for char in text):
        escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    return text


def format_timestamp(timestamp):
    moment = to_datetime(timestamp)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def format_record(level, message, fields=None, timestamp=None):
    level = level.lower()
    if level not in LEVELS:
        raise ValueError(f"unknown log level: {level!r}")
    parts = []
    if timestamp is not None:
        parts.append(f"ts={format_timestamp(timestamp)}")
    parts.append(f"level={level}")
    parts.append(f"msg={quote(message)}")
    for key in sorted(fields or {}):
        parts.append(f"{key}={quote(fields[key])}")
    return " ".join(parts)


def parse_line(line):
    """Inverse of :func:`format_record`; all values come back as strings."""
    result = {}
    index = 0
    length = len(line)
    while index < length:
        while index < length and line[index] == " ":
            index += 1
        if index >= length:
            break
        start = index
        while index < length and line[index] not in "= ":
            index += 1
        key = line[start:index]
        if index >= length or line[index] != "=":
            result[key] = True
            continue
        index += 1
        if index < length and line[index] == '"':
            index += 1
            chars = []
            while index < length and line[index] != '"':
                if line[index] == "\\" and index + 1 < length:
                    index += 1
                    chars.append("\n" if line[index] == "n" else line[index])
                else:
                    chars.append(line[index])
                index += 1
            index += 1
            result[key] = "".join(chars)
        else:
            start = index
            while index < length and line[index] != " ":
                index += 1
            result[key] = line[start:index]
    return result


class LogCollector:
    """Event bus subscriber that renders runner events as logfmt lines."""

    def __init__(self, clock, min_level="info"):
        self.clock = clock
        self.min_level = min_level
        self.lines = []

    def log(self, level, message, **fields):
        if LEVELS.index(level) < LEVELS.index(self.min_level):
            return
        self.lines.append(format_record(level, message, fields, self.clock.now()))

    def __call__(self, event, **payload):
        level = "error" if event == "task_failed" else "warning" if event == "task_retrying" else "info"
        fields = {key: value for key, value in payload.items() if key != "error"}
        if "error" in payload:
            fields["error"] = repr(payload["error"])
        self.log(level, event, **fields)
