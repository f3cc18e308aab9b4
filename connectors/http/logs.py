"""Loggers of the HTTP layer, and redaction of httpx's own request log line.

Every client logs to ``storebridge.http.<connection>``. httpx itself logs
``HTTP Request: GET <full url> ...`` at INFO, query secrets included; the filter installed here
rewrites that URL through `redact_url` before any handler sees it.
"""

from __future__ import annotations

import logging
import threading

import httpx

from connectors.http.redaction import redact_url

LOGGER_NAME = "storebridge.http"


def connection_logger(name: str) -> logging.Logger:
    """The logger of connection `name`: ``storebridge.http.<name>``."""
    return logging.getLogger(f"{LOGGER_NAME}.{name}" if name else LOGGER_NAME)


class RedactUrlFilter(logging.Filter):
    """Replaces `httpx.URL` (and URL-looking string) arguments of a record by their redaction."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record's arguments in place; never drops a record."""
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(_redact_arg(arg) for arg in record.args)
        return True


def _redact_arg(arg: object) -> object:
    if isinstance(arg, httpx.URL):
        return redact_url(str(arg))
    if isinstance(arg, str) and arg.startswith(("http://", "https://")):
        return redact_url(arg)
    return arg


_installed = False
_install_lock = threading.Lock()


def install_httpx_log_redaction() -> None:
    """Attach `RedactUrlFilter` to the ``httpx`` logger once per process (idempotent)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        logging.getLogger("httpx").addFilter(RedactUrlFilter())
        _installed = True
