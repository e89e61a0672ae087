"""Log lines nobody can forge: control characters escaped in everything the project logs.

Customers write what they like, and their words reach the logs (masked, but otherwise as
written).  A CR or LF in a chat message would start a new, forged log line; ESC would
drive the terminal of whoever tails the log; NUL and bidi overrides hide or reorder text.
:class:`EscapingFormatter` wraps any formatter (the project's own, uvicorn's, Sanic's) and
writes each record as ONE line, every such character spelled out (``\\n``, ``\\x1b``,
``\\u202e``).  A traceback keeps its lines, each indented with ``  | `` so no line of it
can pass for a record of its own.

:func:`install` puts it on every handler of the root logger and of the servers' own
loggers, once per process (gateway, services, action server).
"""
from __future__ import annotations

import logging
import re

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# Loggers with handlers of their own (they do not propagate to the root logger).
SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "sanic.root", "sanic.error", "sanic.access")

# C0 and C1 controls except TAB, DEL, the Unicode line/paragraph separators, and the
# bidirectional embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r"}
TRACEBACK_PREFIX = "  | "


def escape_controls(text: str) -> str:
    """``"a\\r\\nb"`` → ``"a\\\\r\\\\nb"``: every unsafe character as a visible escape."""
    def spell(match: re.Match[str]) -> str:
        char = match.group()
        return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")

    text = _UNSAFE.sub(spell, text)
    # A lone surrogate (from JSON "\ud800") cannot be written to a UTF-8 log file.
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class EscapingFormatter(logging.Formatter):
    """Formats with ``inner`` and then makes the record one safe line (plus a marked traceback)."""

    def __init__(self, inner: logging.Formatter | None = None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter(LOG_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        plain = logging.makeLogRecord(record.__dict__)
        plain.exc_info, plain.exc_text, plain.stack_info = None, None, None
        line = escape_controls(self.inner.format(plain))
        extra = []
        if record.exc_info:
            extra.append(self.inner.formatException(record.exc_info))
        elif record.exc_text:
            extra.append(record.exc_text)
        if record.stack_info:
            extra.append(self.inner.formatStack(record.stack_info))
        for block in extra:
            line += "".join(f"\n{TRACEBACK_PREFIX}{escape_controls(part)}" for part in block.splitlines())
        return line


def _wrap(handler: logging.Handler) -> None:
    if not isinstance(handler.formatter, EscapingFormatter):
        handler.setFormatter(EscapingFormatter(handler.formatter))


def install(level: int = logging.INFO) -> None:
    """Configure the root logger (if nothing did) and escape on every known handler.

    Idempotent: call it where the process sets up logging, and again once a server has
    added its own handlers (uvicorn's are there before the app is imported)."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format=LOG_FORMAT)
    # httpx logs every internal call at INFO with its URL (a 户号 in the path, the
    # customer's words in a query): warnings only.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for handler in root.handlers:
        _wrap(handler)
    for name in SERVER_LOGGERS:
        for handler in logging.getLogger(name).handlers:
            _wrap(handler)
