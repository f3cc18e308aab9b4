"""How the gateway authenticates webhook deliveries: one `Verifier` per system.

A system's `WebhookSpec.verifier` names a factory ``(settings, hooks) -> Verifier``, called once
when the gateway builds the system's route (so a missing secret is found once, and the key is
encoded once). A `Verifier` has two checks, each raising `WebhookAuthError` (→ 401, nothing
stored): `check_path` before the body is read (a URL token, a known account in the path) and
`check_delivery` on the raw body and headers, before any parsing (signatures, timestamps,
custom headers).

The building blocks are pure functions: `verify_url_token` (systems that sign nothing),
`verify_standard_webhooks` (https://www.standardwebhooks.com: headers `webhook-id`,
`webhook-timestamp`, `webhook-signature`), `verify_header` (a shared secret in a custom header).
Every comparison of a secret is constant-time (`hmac.compare_digest`), and no error message
repeats a secret, a signature or a header value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
STANDARD_HEADERS = (ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER)
DEFAULT_TOLERANCE_S = 300.0  # the Standard Webhooks reference libraries' window, both directions
MAX_SIGNATURES = 20  # a header listing more is not a key rotation, it is an attempt to guess
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_MESSAGE_ID = re.compile(r"[\x21-\x7e]{1,255}")  # printable ASCII, no spaces


class WebhookAuthError(Exception):
    """A delivery that is not authentic (answered 401); the message names what failed, never
    a secret or the value that was sent."""


@dataclass(frozen=True)
class Delivery:
    """One delivery as the verifier sees it.

    Attributes:
        system: the sending system's slug.
        path_params: the route's parameters (`{secret}`, `{store_hash}`, ...).
        headers: the request headers, names in lower case.
        body: the raw body, exactly as received (signatures cover these bytes).
        received_at: Unix seconds when the gateway received it (the gateway's clock: the wall
            clock in production, a fixed one in tests).
    """

    system: str
    path_params: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    received_at: float


def _accept(_: Any) -> None:
    return None


@dataclass(frozen=True)
class Verifier:
    """The checks the gateway runs for one system's deliveries (each raises
    `WebhookAuthError`)."""

    check_path: Callable[[Mapping[str, str]], None] = _accept
    check_delivery: Callable[[Delivery], None] = _accept


# --- building blocks ------------------------------------------------------------------------


def verify_url_token(token: str | None, secret: str | None) -> None:
    """The URL token equals the configured secret (no secret configured: nothing passes).

    Raises:
        WebhookAuthError: no secret is configured, or the token differs.
    """
    if secret is None or token is None:
        raise WebhookAuthError("unknown webhook URL token")
    if not hmac.compare_digest(str(token).encode(), secret.encode()):
        raise WebhookAuthError("unknown webhook URL token")


def verify_header(headers: Mapping[str, str], name: str, value: str) -> None:
    """The custom header `name` carries `value` (a shared secret set on the hook).

    Raises:
        WebhookAuthError: the header is missing or carries another value (not shown).
    """
    sent = headers.get(name.lower())
    if sent is None:
        raise WebhookAuthError(f"custom header {name} is missing")
    if not hmac.compare_digest(sent.encode(), value.encode()):
        raise WebhookAuthError(f"custom header {name} does not carry the configured value")


def standard_signature(key: bytes, message_id: str, timestamp: str | int, body: bytes) -> str:
    """The Standard Webhooks v1 signature of a delivery: ``v1,<base64 HMAC-SHA256>`` over
    ``"{message_id}.{timestamp}." + body`` (what a sender puts in `webhook-signature`)."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify_standard_webhooks(
    headers: Mapping[str, str],
    body: bytes,
    key: bytes,
    now: float,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> str:
    """Check a Standard Webhooks signature against the raw body; the message id when valid.

    The `webhook-signature` header may list several space-separated signatures (a sender
    rotating its key): any valid ``v1`` one passes; other versions are ignored. The timestamp
    must be within `tolerance_s` seconds of `now`, before or after (a replayed old delivery, or
    one stamped ahead to outlive the window, is refused).

    Raises:
        WebhookAuthError: a header is missing or malformed, the timestamp is outside the
            window, or no signature matches.
    """
    message_id, timestamp, listed = (headers.get(name, "") for name in STANDARD_HEADERS)
    for name, value in zip(STANDARD_HEADERS, (message_id, timestamp, listed), strict=True):
        if not value:
            raise WebhookAuthError(f"unsigned delivery: header {name} is missing")
    if not _MESSAGE_ID.fullmatch(message_id):
        raise WebhookAuthError(f"header {ID_HEADER} is not 1 to 255 printable ASCII characters")
    if not _TIMESTAMP.fullmatch(timestamp.strip()):
        raise WebhookAuthError(f"header {TIMESTAMP_HEADER} is not Unix seconds")
    timestamp = timestamp.strip()
    if abs(now - int(timestamp)) > tolerance_s:
        raise WebhookAuthError(
            f"header {TIMESTAMP_HEADER} is outside the replay window of {tolerance_s:g} s"
        )
    candidates = listed.split()
    if len(candidates) > MAX_SIGNATURES:
        raise WebhookAuthError(f"header {SIGNATURE_HEADER} lists more than {MAX_SIGNATURES}")
    expected = standard_signature(key, message_id, timestamp, body).encode()
    valid = False
    for candidate in candidates:  # no early exit: the time taken says nothing about which
        valid |= hmac.compare_digest(candidate.encode(), expected)
    if not valid:
        raise WebhookAuthError("no signature in webhook-signature matches the body")
    return message_id


# --- factories named by WebhookSpec.verifier -------------------------------------------------


def url_token(settings: Any, hooks: Any) -> Verifier:
    """The verifier of a system that signs nothing: the URL's `{secret}` is the credential
    (the gateway setting `hooks.secret_setting`)."""
    secret = settings.secret(hooks.secret_setting)

    def check_path(params: Mapping[str, str]) -> None:
        verify_url_token(params.get("secret"), secret)

    return Verifier(check_path=check_path)
