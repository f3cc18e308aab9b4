"""The Entra ID (Azure AD) authority of the emulated tenant and the bearer tokens it issues.

What the real `msal` (1.39) requests, read in its source (`msal/authority.py`,
`msal/application.py`, `msal/oauth2cli/oauth2.py`):

* with ``instance_discovery=<url>``: ``GET <url>?authorization_endpoint=...&api-version=1.0``
  (`/common/discovery/instance` or `/{tenant}/discovery/instance` here) answering
  ``tenant_discovery_endpoint``; with ``instance_discovery=False`` it skips that;
* ``GET /{tenant}/v2.0/.well-known/openid-configuration`` (``token_endpoint``,
  ``authorization_endpoint``, ``issuer``);
* ``POST /{tenant}/oauth2/v2.0/token`` (form) ``grant_type=client_credentials``, ``client_id``,
  ``scope``, ``client_info=1`` and either ``client_secret`` or ``client_assertion_type=
  urn:ietf:params:oauth:client-assertion-type:jwt-bearer`` + ``client_assertion``: a JWT signed
  with the certificate's key, RS256 with ``x5t`` (SHA-1 thumbprint) or PS256 with ``x5t#S256``,
  ``aud`` = the token endpoint, ``iss`` = ``sub`` = the client id, ``exp``.

Errors are Entra's JSON (``error``, ``error_description`` starting with ``AADSTSnnnnn:``,
``error_codes``, ``timestamp``, ``trace_id``, ``correlation_id``): AADSTS90002 unknown tenant,
AADSTS70003 grant type, AADSTS700016 unknown client, AADSTS7000215 bad secret, AADSTS700027 bad
assertion signature or certificate, AADSTS700024 assertion outside its validity, AADSTS50013
wrong audience, AADSTS500011 a scope that is not ``{org}/.default``.

Tokens are opaque random strings (assumption: the Web API only needs to recognise them; real
ones are JWTs the client should not parse). They live ``expires_in`` seconds (default 3599, as
Entra answers) on real time (`token_clock`, injectable), and `expire_all` ends them all.
"""

from __future__ import annotations

import base64
import secrets
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from connectors.clock import utcnow

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
DEFAULT_EXPIRES_IN = 3599


class EntraError(Exception):
    """An error response of the authority (HTTP status + Entra's JSON body)."""

    def __init__(self, status: int, error: str, code: int, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.code, self.description = status, error, code, description

    def body(self) -> dict[str, Any]:
        """Entra's error JSON."""
        return {
            "error": self.error,
            "error_description": f"AADSTS{self.code}: {self.description}",
            "error_codes": [self.code],
            "timestamp": utcnow().strftime("%Y-%m-%d %H:%M:%SZ"),
            "trace_id": str(uuid.uuid4()),
            "correlation_id": str(uuid.uuid4()),
        }


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class Authority:
    """The tenant, its one app registration (secret + certificate) and the issued tokens."""

    def __init__(self, tenant_id: str, client_id: str, client_secret: str) -> None:
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.expires_in = DEFAULT_EXPIRES_IN
        self.token_clock: Callable[[], float] = time.time
        self.tokens: dict[str, float] = {}  # access token -> expiry (token_clock seconds)
        self.issued = 0
        self._certificate: x509.Certificate | None = None

    # --- registration ---------------------------------------------------------------------------
    def register_certificate(self, path: Path) -> None:
        """Upload the app's certificate (the assertion flow verifies signatures with it)."""
        self._certificate = x509.load_pem_x509_certificate(path.read_bytes())

    def thumbprint(self) -> str:
        """The certificate's SHA-1 thumbprint in hex (what the portal shows, msal's input)."""
        if self._certificate is None:
            return ""
        return self._certificate.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303

    # --- documents ------------------------------------------------------------------------------
    def openid_configuration(self, host: str, tenant: str) -> dict[str, Any]:
        """The tenant's OpenID configuration (v2.0 endpoints)."""
        self.check_tenant(tenant)
        base = f"{host}/{self.tenant_id}"
        return {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{host}/oidc/userinfo",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "tid", "ver"],
            "tenant_region_scope": "NA",
            "cloud_instance_name": "microsoftonline.com",
        }

    def instance_discovery(self, host: str, authorization_endpoint: str) -> dict[str, Any]:
        """The instance discovery answer for an authority of this host (else invalid_instance).

        msal sends the authority's *hostname* (its `canonicalize` drops the port), so the
        endpoint is matched by scheme and hostname; the answer points at the real host:port.
        """
        ours, theirs = urlsplit(host), urlsplit(authorization_endpoint)
        tenant = theirs.path.strip("/").split("/", 1)[0]
        if (theirs.scheme, theirs.hostname) != (ours.scheme, ours.hostname) or not tenant:
            return {
                "error": "invalid_instance",
                "error_description": "AADSTS50049: Unknown or invalid instance.",
                "error_codes": [50049],
            }
        netloc = ours.netloc
        return {
            "tenant_discovery_endpoint": f"{host}/{tenant}/v2.0/.well-known/openid-configuration",
            "api-version": "1.1",
            "metadata": [
                {"preferred_network": netloc, "preferred_cache": netloc, "aliases": [netloc]}
            ],
        }

    def check_tenant(self, tenant: str) -> None:
        """Raise AADSTS90002 unless `tenant` is this tenant's id."""
        if tenant.lower() != self.tenant_id.lower():
            raise EntraError(400, "invalid_tenant", 90002, f"Tenant '{tenant[:40]}' not found.")

    # --- token endpoint -------------------------------------------------------------------------
    def token(
        self, form: dict[str, str], tenant: str, token_endpoint: str, org: str
    ) -> dict[str, Any]:
        """Answer a client-credentials token request, or raise EntraError."""
        self.check_tenant(tenant)
        if form.get("grant_type") != "client_credentials":
            raise EntraError(
                400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type."
            )
        client_id = form.get("client_id", "")
        if client_id.lower() != self.client_id.lower():
            raise EntraError(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id[:40]}' was not found in the directory "
                f"'{self.tenant_id}'.",
            )
        if "client_assertion" in form:
            self._verify_assertion(form, token_endpoint)
        elif not secrets.compare_digest(form.get("client_secret", ""), self.client_secret):
            raise EntraError(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is "
                "the client secret value, not the client secret ID.",
            )
        scope = form.get("scope", "")
        if scope.strip() not in (f"{org}/.default", f"{org}//.default"):
            resource = scope.removesuffix("/.default")[:80]
            raise EntraError(
                400,
                "invalid_resource",
                500011,
                f"The resource principal named {resource} was not found in the tenant named "
                f"{self.tenant_id}.",
            )
        return self.issue()

    def _verify_assertion(self, form: dict[str, str], token_endpoint: str) -> None:
        if form.get("client_assertion_type") != ASSERTION_TYPE or self._certificate is None:
            raise EntraError(
                401, "invalid_client", 700027, "Client assertion failed signature validation."
            )
        assertion = form["client_assertion"]
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError:
            raise EntraError(
                401, "invalid_client", 700027, "Client assertion is not a JWT."
            ) from None
        cert = self._certificate
        expected = {
            "RS256": ("x5t", _b64(cert.fingerprint(hashes.SHA1()))),  # noqa: S303
            "PS256": ("x5t#S256", _b64(cert.fingerprint(hashes.SHA256()))),
        }.get(str(header.get("alg")))
        # msal keeps the base64url padding ("="), RFC 7515 drops it: accept both
        given = str(header.get(expected[0], "")).rstrip("=") if expected else ""
        if expected is None or given != expected[1]:
            raise EntraError(
                401,
                "invalid_client",
                700027,
                "Client assertion contains an invalid signature. [Reason - The key was not found.]",
            )
        try:
            claims = jwt.decode(
                assertion,
                cert.public_key(),  # type: ignore[arg-type]
                algorithms=[str(header["alg"])],
                options={"verify_exp": False, "verify_nbf": False, "verify_aud": False},
            )
        except jwt.PyJWTError:
            raise EntraError(
                401, "invalid_client", 700027, "Client assertion failed signature validation."
            ) from None
        now = time.time()
        if float(claims.get("exp", 0)) <= now or float(claims.get("nbf", 0)) > now + 300:
            raise EntraError(
                401,
                "invalid_client",
                700024,
                "Client assertion is not within its valid time range.",
            )
        if claims.get("aud") != token_endpoint:
            raise EntraError(
                401,
                "invalid_client",
                50013,
                "Assertion failed signature validation. [Reason - "
                "The provided audience does not match.]",
            )
        if claims.get("iss") != self.client_id or claims.get("sub") != self.client_id:
            raise EntraError(
                401,
                "invalid_client",
                700021,
                "Client assertion application identifier doesn't match 'client_id' parameter.",
            )

    def issue(self) -> dict[str, Any]:
        """Mint a token (also used by tests that skip the token endpoint)."""
        token = f"sbx.{secrets.token_urlsafe(48)}"
        self.tokens[token] = self.token_clock() + self.expires_in
        self.issued += 1
        return {
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "ext_expires_in": self.expires_in,
            "access_token": token,
        }

    # --- Web API side ---------------------------------------------------------------------------
    def check(self, authorization: str | None) -> str | None:
        """None when the header holds a live bearer token, else why not (for the 401)."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return "missing"
        expiry = self.tokens.get(token.strip())
        if expiry is None:
            return "invalid"
        if expiry <= self.token_clock():
            self.tokens.pop(token.strip(), None)
            return "expired"
        return None

    def expire_all(self) -> None:
        """End every issued token (clients get 401 and must renew)."""
        self.tokens.clear()
