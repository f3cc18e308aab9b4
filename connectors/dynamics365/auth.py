"""Entra ID tokens for the Web API: one msal app per credential, and an `httpx.Auth` that renews.

`EntraApp` wraps ONE msal `ConfidentialClientApplication` per (authority, client, credential):
apps live in a module-level registry (`entra_app`), so every client of the same credential in the
process shares its in-memory token cache and a token is requested from Entra only when the cache
has none (msal >= 1.23 serves `acquire_token_for_client` from its cache; `force_refresh` is
refused, so the app must outlive the clients). Entra calls go through a `requests` session whose
transport is the calling client's `ResilientClient` (`make_requests_session`): the CA bundle,
retries, 429 waits and API-call counters apply to them too. The credential is a client secret or
a certificate (``{"private_key", "thumbprint"}``, the client-assertion flow).

`BearerAuth` puts the cached token on every Web API request. A 401 means the token was refused
(expired early, revoked): it is dropped from msal's cache and renewed **once**; a second 401
raises `AuthError` naming the tenant and client (never the secret or the token).

Instance discovery: msal knows the hosts of the public and national clouds and validates them
itself. For any other authority host (a sandbox, a proxy) instance discovery is turned off
(``instance_discovery=False``): msal would otherwise ask ``login.microsoftonline.com`` about it
(its alias look-up ignores a custom discovery URL), and the tenant's OpenID configuration at
``{authority}/v2.0/.well-known/openid-configuration`` is read directly.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlparse

import httpx
import msal
from msal.authority import WELL_KNOWN_AUTHORITY_HOSTS

from connectors.dynamics365.resources import SYSTEM
from connectors.dynamics365.settings import Dynamics365Settings
from connectors.http import (
    AuthError,
    ConfigError,
    ResilientClient,
    ResilientRequestsAdapter,
    error_code,
    error_message,
    make_requests_session,
    redact_text,
)
from connectors.http.classify import response_body

_APPS: dict[tuple[str, str, str], EntraApp] = {}
_APPS_LOCK = threading.Lock()


def credential_fingerprint(settings: Dynamics365Settings) -> str:
    """A SHA-256 of the credential: tells credentials apart without keeping them in a key."""
    credential = settings.credential()
    text = credential if isinstance(credential, str) else "\n".join(sorted(credential.values()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def who(settings: Dynamics365Settings) -> str:
    """``tenant <t>, client <c>``: how errors name the credential (ids, never secrets)."""
    return f"tenant {settings.tenant_id}, client {settings.client_id}"


class EntraApp:
    """One msal confidential client and its in-memory token cache (thread-safe).

    Args:
        settings: the connection (authority, client id, credential, scope).
    """

    def __init__(self, settings: Dynamics365Settings) -> None:
        self.settings = settings
        self.issued = 0  # tokens obtained from Entra (not from the cache)
        self._lock = threading.Lock()
        self._app: Any = None
        self._session: Any = None
        self._adapter: ResilientRequestsAdapter | None = None

    def _build(self, http: ResilientClient) -> Any:
        s = self.settings
        self._session = make_requests_session(http)
        self._adapter = cast(ResilientRequestsAdapter, self._session.get_adapter("https://"))
        host = urlparse(s.authority_host).netloc
        discovery = None if host in WELL_KNOWN_AUTHORITY_HOSTS else False
        try:
            return msal.ConfidentialClientApplication(
                s.client_id,
                client_credential=s.credential(),
                authority=s.authority,
                http_client=self._session,
                instance_discovery=discovery,
                token_cache=msal.TokenCache(),
            )
        except ValueError as exc:  # discovery failed, or a malformed key/authority
            raise ConfigError(
                f"msal refused the authority or credential of {who(s)}: "
                f"{redact_text(str(exc))[:300]} (check STOREBRIDGE_DYNAMICS365_AUTHORITY_HOST, "
                "_TENANT_ID and the certificate settings)",
                connection=SYSTEM,
            ) from None

    def token(self, http: ResilientClient) -> str:
        """A valid access token: msal's cached one, else a new one from Entra through `http`.

        Raises:
            AuthError: Entra refused the credential (its error code and description are in the
                message, with the tenant and client; never the secret).
            ConfigError: the authority cannot be discovered.
        """
        with self._lock:
            if self._app is None:
                self._app = self._build(http)
            assert self._adapter is not None
            self._adapter.client = http  # this caller's TLS, retries and counters
            result = self._app.acquire_token_for_client(scopes=[self.settings.scope])
        if not isinstance(result, dict) or "access_token" not in result:
            body = result if isinstance(result, dict) else {}
            code = str(body.get("error") or "no_token")
            description = redact_text(str(body.get("error_description") or ""))[:400]
            raise AuthError(
                f"Entra ID issued no token for {who(self.settings)} and scope "
                f"{self.settings.scope}: {code}: {description} (check the client secret or "
                "certificate, STOREBRIDGE_DYNAMICS365_ORG_URL and the app registration)",
                connection=SYSTEM,
                code=code,
            )
        if result.get("token_source") == "identity_provider":
            self.issued += 1
        return str(result["access_token"])

    def drop(self, token: str) -> None:
        """Remove `token` from the cache (the Web API refused it), so the next call renews."""
        with self._lock:
            if self._app is None:
                return
            cache = self._app.token_cache
            kind = msal.TokenCache.CredentialType.ACCESS_TOKEN
            for entry in list(cache.search(kind, query={"secret": token})):
                cache.remove_at(entry)


def entra_app(settings: Dynamics365Settings) -> EntraApp:
    """The process's one `EntraApp` for this authority, client and credential."""
    key = (settings.authority.lower(), settings.client_id.lower(), credential_fingerprint(settings))
    with _APPS_LOCK:
        app = _APPS.get(key)
        if app is None:
            app = _APPS[key] = EntraApp(settings)
        return app


def forget_apps() -> None:
    """Drop every registered app and its token cache (tests; a rotated credential)."""
    with _APPS_LOCK:
        _APPS.clear()


@dataclass
class RenewalCount:
    """Tokens renewed because the Web API refused one (per client)."""

    renewals: int = 0


class BearerAuth(httpx.Auth):
    """Adds ``Authorization: Bearer <token>``; on a 401 drops the token and renews once.

    Args:
        app: the credential's `EntraApp`.
        entra: the client Entra calls go through.
        logger: where the renewal is logged (no token in it).
    """

    requires_response_body = True

    def __init__(self, app: EntraApp, entra: ResilientClient, logger: logging.Logger) -> None:
        self.app = app
        self.entra = entra
        self.log = logger
        self.count = RenewalCount()
        self._lock = threading.Lock()

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Send with the cached token; renew once after a 401; a second 401 is an `AuthError`."""
        token = self.app.token(self.entra)
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        self.app.drop(token)
        with self._lock:
            self.count.renewals += 1
        self.log.warning(
            "%s %s -> 401 (%s): token refused, renewing it once",
            request.method,
            request.url.path,
            error_code(response_body(response)) or "no code",
        )
        request.headers["Authorization"] = f"Bearer {self.app.token(self.entra)}"
        response = yield request
        if response.status_code == 401:
            body = response_body(response)
            raise AuthError(
                f"the Web API refused a renewed token of {who(self.app.settings)}: "
                f"{redact_text(error_message(body, response.text))[:300]} (is the app an "
                "Application User of the environment with a security role? is "
                "STOREBRIDGE_DYNAMICS365_ORG_URL the environment the token is for?)",
                connection=SYSTEM,
                method=request.method,
                url=request.url.path,
                status=401,
                code=error_code(body),
            )
