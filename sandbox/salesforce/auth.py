"""OAuth 2.0 JWT bearer token flow of the emulated org (``POST /services/oauth2/token``) and the
sessions it issues (REST API v42.0–v62.0).

The connected app is registered with a consumer key, a pre-authorised username and the
certificate of the key the integration signs its assertions with (RS256). Checks, in order:
grant type (``unsupported_grant_type``), a decodable assertion, ``iss`` = consumer key
(``invalid_client_id`` / ``client identifier invalid``), the RS256 signature
(``invalid assertion``),
``aud`` = the login URL (``audience is invalid``; the My Domain/instance URL is wrong here, the
classic mistake), ``exp`` present (``invalid assertion``) and in the future (``expired
authorization code``: the description orgs answer for a stale ``exp``, as reported in
simple-salesforce#371 and #491), ``sub`` = the registered user (``user hasn't approved this
consumer``). No refresh token, no ``expires_in``: a session lives until it idles out or is expired.

Tests can also make the next sessions short-lived (`expire_after_use`): each of the next N sessions
issued serves `uses` requests and then expires (``uses=0``: refused at its first use, as an org
does for a user its login IP ranges or session security level lock out).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt.types import Options

from sandbox.salesforce.errors import OAuthError
from sandbox.salesforce.ids import ORG_PREFIX, POD, USER_PREFIX, to18

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ORG_ID15 = f"{ORG_PREFIX}{POD}00000SbOrg"
USER_ID15 = f"{USER_PREFIX}{POD}00000SbUsr"
NO_CHECK: Options = {
    "verify_signature": True,
    "verify_aud": False,
    "verify_exp": False,
    "verify_iat": False,
    "verify_nbf": False,
    "verify_iss": False,
    "verify_sub": False,
    "verify_jti": False,
    "require": [],
}


def _invalid(description: str) -> OAuthError:
    return OAuthError("invalid_grant", description)


class Auth:
    """The connected app registration and the issued sessions."""

    def __init__(self) -> None:
        """Register the sandbox's connected app (certificate added by `load_certificate`)."""
        self.consumer_key = "3MVG9storebridge.sandbox.connected.app.consumer.key"
        self.consumer_secret = "storebridge-sandbox-consumer-secret"
        self.username = "integration@storebridge.sandbox"
        self.audience = "https://login.salesforce.com"
        # Sessions time out after this much idle time (org setting; 2 hours is the default).
        self.session_timeout_s = 2 * 3600.0
        self.public_key: RSAPublicKey | None = None
        self.sessions: dict[str, float] = {}  # access token -> last use (epoch seconds)
        self.short_lived: dict[str, int] = {}  # access token -> requests it may still serve
        self.short_sessions = 0  # the next this many sessions issued are short-lived ...
        self.short_uses = 1  # ... and serve this many requests each

    def load_certificate(self, certificate: Path) -> None:
        """Register the certificate uploaded to the connected app."""
        cert = x509.load_pem_x509_certificate(certificate.read_bytes())
        key = cert.public_key()
        if not isinstance(key, RSAPublicKey):
            raise TypeError("the connected app certificate must hold an RSA key")
        self.public_key = key

    def exchange(self, form: dict[str, str], instance_url: str) -> dict[str, Any]:
        """Answer a token request (form fields), or raise OAuthError.

        Args:
            form: the decoded ``application/x-www-form-urlencoded`` body.
            instance_url: the URL the session is valid on.
        """
        if form.get("grant_type") != JWT_GRANT:
            raise OAuthError("unsupported_grant_type", "grant type not supported")
        assertion = form.get("assertion", "")
        claims = self._claims(assertion)
        self._verify_signature(assertion)
        aud = claims.get("aud")
        if not (aud == self.audience or (isinstance(aud, list) and self.audience in aud)):
            raise _invalid("audience is invalid")
        self._check_exp(claims.get("exp"))
        if claims.get("sub") != self.username:
            raise _invalid("user hasn't approved this consumer")
        return self.issue(instance_url)

    def _claims(self, assertion: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise _invalid("invalid assertion") from None
        if claims.get("iss") != self.consumer_key:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        return claims

    def _verify_signature(self, assertion: str) -> None:
        if self.public_key is None:
            raise _invalid("invalid assertion")
        try:
            jwt.decode(assertion, self.public_key, algorithms=["RS256"], options=NO_CHECK)
        except jwt.PyJWTError:
            raise _invalid("invalid assertion") from None

    @staticmethod
    def _check_exp(exp: Any) -> None:
        # simple-salesforce sends exp as a numeric string; orgs accept both forms.
        try:
            expires = float(exp)
        except (TypeError, ValueError):
            raise _invalid("invalid assertion") from None
        if expires <= time.time():
            raise _invalid("expired authorization code")

    def issue(self, instance_url: str) -> dict[str, Any]:
        """Mint a session directly and return the token response body."""
        token = f"{ORG_ID15}!AQ{secrets.token_urlsafe(72)}"
        self.sessions[token] = time.time()
        if self.short_sessions > 0:
            self.short_sessions -= 1
            self.short_lived[token] = self.short_uses
        identity = f"{instance_url}/id/{to18(ORG_ID15)}/{to18(USER_ID15)}"
        issued_at = str(int(time.time() * 1000))
        digest = hmac.new(
            self.consumer_secret.encode(), (identity + issued_at).encode(), hashlib.sha256
        ).digest()
        return {
            "access_token": token,
            "scope": "api",
            "instance_url": instance_url,
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
            "signature": base64.b64encode(digest).decode(),
        }

    def check(self, authorization: str | None) -> bool:
        """Whether an ``Authorization`` header (``Bearer`` or ``OAuth``) holds a live session."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() not in ("bearer", "oauth"):
            return False
        token = token.strip()
        last = self.sessions.get(token)
        now = time.time()
        if last is None or now - last > self.session_timeout_s or not self._use(token):
            self.sessions.pop(token, None)
            self.short_lived.pop(token, None)
            return False
        self.sessions[token] = now
        return True

    def _use(self, token: str) -> bool:
        """Spend one request of a short-lived session; False once it has none left."""
        left = self.short_lived.get(token)
        if left is None:
            return True
        if left <= 0:
            return False
        self.short_lived[token] = left - 1
        return True

    def expire_all(self) -> None:
        """Invalidate every session."""
        self.sessions.clear()
        self.short_lived.clear()

    def expire_after_use(self, sessions: int, uses: int = 1) -> None:
        """Make each of the next `sessions` sessions issued expire after `uses` requests.

        Args:
            sessions: how many of the sessions issued from now on are short-lived (0 disarms).
            uses: requests each of them serves before it expires (0: refused at once).
        """
        if sessions < 0 or uses < 0:
            raise ValueError("sessions and uses must be >= 0")
        self.short_sessions, self.short_uses = sessions, uses


def make_assertion(
    private_key_pem: bytes, *, iss: str, sub: str, aud: str, lifetime_s: float = 180.0
) -> str:
    """An RS256 JWT bearer assertion as a client builds it (tests and sandbox tooling).

    Args:
        private_key_pem: the connected app's private key (PEM).
        iss: the consumer key.
        sub: the username.
        aud: the login URL.
        lifetime_s: seconds until ``exp`` (negative for an expired assertion).
    """
    claims = {"iss": iss, "sub": sub, "aud": aud, "exp": int(time.time() + lifetime_s)}
    return jwt.encode(claims, private_key_pem, algorithm="RS256")
