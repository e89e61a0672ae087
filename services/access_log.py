"""Access logs that carry no personal data.

uvicorn's access log prints each request's path with its query string: a billing path
holds a 户号 and the FAQ search holds the customer's own words (phone numbers
included).  The filter below drops the query string and masks what is left of the
path with the same masker as every other log line (services.masking), in the gateway
and the services process alike.  uvicorn logs a WebSocket handshake on its error logger
(``'%s - "WebSocket %s" …'``), query string and all: the widget's session token travels
there (``/api/v1/ws?token=…``), so those lines are rewritten the same way.
"""
from __future__ import annotations

import logging

from services.masking import mask_text

ACCESS_LOGGER = "uvicorn.access"
SERVER_LOGGER = "uvicorn.error"  # where uvicorn logs WebSocket handshakes
WEBSOCKET_LINE = '%s - "WebSocket %s"'


def masked_path(path: str) -> str:
    """``/billing/accounts/3300000001/bills?month=…`` → ``/billing/accounts/330******1/bills``."""
    return mask_text(path.split("?", 1)[0])


class MaskedAccessLog(logging.Filter):
    """Rewrites the path argument of uvicorn's access-log records (its third argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], masked_path(args[2]), *args[3:])
        return True


class MaskedWebSocketLog(logging.Filter):
    """Rewrites the path of uvicorn's WebSocket handshake lines (their second argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if (isinstance(record.msg, str) and record.msg.startswith(WEBSOCKET_LINE)
                and isinstance(args, tuple) and len(args) >= 2 and isinstance(args[1], str)):
            record.args = (args[0], masked_path(args[1]), *args[2:])
        return True


def install_access_log_masking() -> None:
    """Add the filters once to uvicorn's access and server loggers (idempotent)."""
    for name, kind in ((ACCESS_LOGGER, MaskedAccessLog), (SERVER_LOGGER, MaskedWebSocketLog)):
        logger = logging.getLogger(name)
        if not any(isinstance(f, kind) for f in logger.filters):
            logger.addFilter(kind())
