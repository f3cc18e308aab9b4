"""URL tokens are credentials: `SecretMask` keeps them out of every log line.

`mask_secrets_in_logs` installs it on uvicorn's and the gateway's loggers and handlers (what
`deployments.gateway.server()` does after uvicorn configured its logging).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from deployments.settings import GatewaySettings
from flows import registry

MASK = "***"
MASKED_LOGGERS = (
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "storebridge.gateway",
    "storebridge.gateway.dispatch",
)


class SecretMask(logging.Filter):
    """Replaces secret URL tokens in log records with `***`: every secret value (also
    percent-encoded) and the token segment of every `{secret}` webhook path (a wrong token may be
    an old or mistyped real one). Messages, arguments and tracebacks alike."""

    def __init__(self, secrets: Iterable[str], paths: Iterable[str]) -> None:
        super().__init__()
        values = {s for s in secrets if s} | {quote(s, safe="") for s in secrets if s}
        self.secrets = sorted(values, key=len, reverse=True)
        prefixes = [re.escape(p.split("{secret}", 1)[0]) for p in paths if "{secret}" in p]
        self.paths = re.compile(f"({'|'.join(prefixes)})[^/?#\\s\"']+") if prefixes else None

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return self.paths.sub(rf"\g<1>{MASK}", text) if self.paths else text

    def _arg(self, value: Any) -> Any:
        if value is None or isinstance(value, (int, float)):
            return value
        text = str(value)
        masked = self.mask(text)
        return masked if isinstance(value, str) or masked != text else value

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_secrets_masked", False):  # a logger's filter, then a handler's
            return True
        record._secrets_masked = True
        if isinstance(record.msg, str):
            record.msg = self.mask(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self._arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: self._arg(v) for k, v in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


def mask_secrets_in_logs(settings: GatewaySettings) -> SecretMask:
    """Install a `SecretMask` on uvicorn's and the gateway's loggers and their handlers (and
    the root handlers); idempotent. Call it after uvicorn configured its logging."""
    paths = [s.webhooks.path for s in registry.specs() if s.webhooks is not None]
    mask = SecretMask(settings.secret_values(), paths)
    loggers = [logging.getLogger(name) for name in MASKED_LOGGERS]
    targets: list[logging.Filterer] = [*loggers, *logging.getLogger().handlers]
    targets += [h for logger in loggers for h in logger.handlers]
    for target in targets:
        for old in [f for f in target.filters if isinstance(f, SecretMask)]:
            target.removeFilter(old)
        target.addFilter(mask)
    return mask
