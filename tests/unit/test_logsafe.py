"""Log lines cannot be forged: control characters in what is logged come out escaped, one
record = one line, through the project's formatter and uvicorn's alike."""
from __future__ import annotations

import io
import logging
import sys

import pytest
from uvicorn.logging import AccessFormatter

from services.logsafe import TRACEBACK_PREFIX, EscapingFormatter, escape_controls, install

FORGERY = "我要查电费\r\n2026-12-03 08:00:00 INFO powerdesk.turns inbound web/x: admin logged in\x00\x1b[31m\u202e"


def record(msg: str, *args, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("powerdesk.turns", logging.INFO, __file__, 1, msg, args, exc_info)


def test_escape_controls_spells_out_every_unsafe_character():
    assert escape_controls("a\r\nb\x00c\x1bd\u2028e\u202ef\x85") == "a\\r\\nb\\x00c\\x1bd\\u2028e\\u202ef\\x85"
    assert escape_controls("电费\t100元 😀") == "电费\t100元 😀"  # text, tabs and emoji untouched
    assert escape_controls("\ud800") == "\\ud800"  # a lone surrogate can still be written


def test_a_customer_message_stays_on_one_line():
    line = EscapingFormatter().format(record("inbound %s: %s", "web/x", FORGERY))
    assert "\n" not in line and "\r" not in line and "\x00" not in line and "\x1b" not in line
    assert "\\r\\n2026-12-03" in line and "\\u202e" in line


def test_a_traceback_keeps_its_lines_but_each_is_marked():
    try:
        raise ValueError("bad text:\nFORGED LINE")
    except ValueError:
        line = EscapingFormatter().format(record("failed", exc_info=sys.exc_info()))
    first, *rest = line.split("\n")
    assert first.endswith("failed") and rest
    assert all(part.startswith(TRACEBACK_PREFIX) for part in rest)
    assert not any(part.startswith("FORGED") for part in line.split("\n"))


def test_uvicorn_access_lines_are_escaped_too():
    inner = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False)
    rec = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                            ("127.0.0.1:1", "GET", "/api/v1/kg/topics/x\r\nFAKE 200", "1.1", 404), None)
    line = EscapingFormatter(inner).format(rec)
    assert "\n" not in line and "x\\r\\nFAKE" in line


@pytest.fixture
def captured_root():
    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


def test_install_wraps_the_handlers_once(captured_root):
    install()
    install()
    handler = logging.getLogger().handlers[-1]
    assert isinstance(handler.formatter, EscapingFormatter)
    assert not isinstance(handler.formatter.inner, EscapingFormatter)
    logging.getLogger("powerdesk.test").warning("text: %s", FORGERY)
    assert captured_root.getvalue().count("\n") == 1


def test_install_keeps_httpx_quiet_below_warnings():
    install()
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
