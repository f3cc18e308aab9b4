"""Helpers for tests that talk to the running Salesforce emulator (REST API v42.0–v62.0):
obtain a session the way the connector does (a signed JWT posted to the token endpoint) and open
an HTTPS client that trusts the sandbox CA.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING, Any

import httpx

from sandbox.salesforce.auth import JWT_GRANT, make_assertion

if TYPE_CHECKING:
    from sandbox.runner import Sandbox

SLUG = "salesforce"
DEFAULT_VERSION = "59.0"  # simple-salesforce 1.12's default


def ssl_context(sb: Sandbox) -> ssl.SSLContext:
    """A TLS context that trusts the sandbox CA."""
    return ssl.create_default_context(cafile=sb.env()["STOREBRIDGE_SALESFORCE_CA_BUNDLE"])


def request_token(sb: Sandbox, assertion: str | None = None, **claims: Any) -> httpx.Response:
    """POST a JWT bearer assertion to the emulator's token endpoint.

    Args:
        sb: the running sandbox.
        assertion: a ready-made assertion; by default one is signed with the sandbox key.
        claims: overrides of ``iss``/``sub``/``aud``/``lifetime_s`` for the default assertion.
    """
    env = sb.env()
    if assertion is None:
        key_file = env["STOREBRIDGE_SALESFORCE_PRIVATE_KEY_FILE"]
        with open(key_file, "rb") as fh:
            pem = fh.read()
        defaults: dict[str, Any] = {
            "iss": env["STOREBRIDGE_SALESFORCE_CONSUMER_KEY"],
            "sub": env["STOREBRIDGE_SALESFORCE_USERNAME"],
            "aud": env["STOREBRIDGE_SALESFORCE_AUDIENCE"],
        }
        assertion = make_assertion(pem, **{**defaults, **claims})
    with httpx.Client(verify=ssl_context(sb)) as client:
        return client.post(
            f"{sb.urls[SLUG]}/services/oauth2/token",
            data={"grant_type": JWT_GRANT, "assertion": assertion},
        )


def login(sb: Sandbox) -> str:
    """A session id obtained through the JWT bearer flow."""
    response = request_token(sb)
    response.raise_for_status()
    return str(response.json()["access_token"])


def data_client(sb: Sandbox, token: str | None, version: str = DEFAULT_VERSION) -> httpx.Client:
    """An HTTPS client whose base URL is ``/services/data/v{version}`` (caller closes it).

    Args:
        sb: the running sandbox.
        token: the session id to send as ``Authorization: Bearer``; None sends none.
        version: the API version in the base URL.
    """
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(
        base_url=f"{sb.urls[SLUG]}/services/data/v{version}",
        headers=headers,
        verify=ssl_context(sb),
    )
