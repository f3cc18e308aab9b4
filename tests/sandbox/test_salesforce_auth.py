"""JWT bearer login and sessions of the Salesforce org emulator (REST API v42.0–v62.0), over
real HTTPS: a good assertion gets a session on the emulator's own host; a foreign signature, the
instance URL as audience, an unknown consumer key or user, a stale or missing ``exp`` and other
grant types are refused with the OAuth error bodies orgs answer; unknown and expired sessions get
401 ``INVALID_SESSION_ID``; sessions armed over ``/__admin/tokens/expire-after-use`` serve their
few requests and then expire (or are refused at once).
"""

from __future__ import annotations

from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.runner import Sandbox
from sandbox.salesforce import SalesforceEmulator
from sandbox.salesforce.auth import JWT_GRANT, make_assertion
from sandbox.salesforce.testing import data_client, request_token, ssl_context


@pytest.fixture(scope="module")
def emu(sb: Sandbox) -> SalesforceEmulator:
    emulator = sb.emulator("salesforce")
    assert isinstance(emulator, SalesforceEmulator)
    return emulator


def _grant_error(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["error"], body["error_description"]


def test_jwt_login_returns_a_session_on_this_host(sb: Sandbox) -> None:
    response = request_token(sb)
    assert response.status_code == 200
    body = response.json()
    assert body["access_token"].startswith("00D")
    assert "!" in body["access_token"]
    assert body["instance_url"] == sb.urls["salesforce"]
    assert body["token_type"] == "Bearer"
    assert {"scope", "id", "issued_at", "signature"} <= set(body)
    assert "refresh_token" not in body


def test_jwt_signed_by_another_key_is_an_invalid_assertion(
    sb: Sandbox, emu: SalesforceEmulator
) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    forged = make_assertion(other, iss=emu.consumer_key, sub=emu.username, aud=emu.audience)
    assert _grant_error(request_token(sb, forged)) == (400, "invalid_grant", "invalid assertion")


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"aud": "instance"}, ("invalid_grant", "audience is invalid")),
        ({"iss": "someone-else"}, ("invalid_client_id", "client identifier invalid")),
        ({"sub": "intruder@example.com"}, ("invalid_grant", "user hasn't approved this consumer")),
        ({"lifetime_s": -60}, ("invalid_grant", "expired authorization code")),
    ],
)
def test_jwt_claim_errors(sb: Sandbox, claims: dict[str, Any], expected: tuple[str, str]) -> None:
    if claims.get("aud") == "instance":
        claims = {"aud": sb.urls["salesforce"]}  # the My Domain/instance URL: the classic mistake
    assert _grant_error(request_token(sb, **claims)) == (400, *expected)


def test_jwt_without_exp_and_other_grants_are_refused(sb: Sandbox, emu: SalesforceEmulator) -> None:
    key = emu.private_key_file
    assert key is not None
    no_exp = jwt.encode(
        {"iss": emu.consumer_key, "sub": emu.username, "aud": emu.audience},
        key.read_bytes(),
        algorithm="RS256",
    )
    assert _grant_error(request_token(sb, no_exp)) == (400, "invalid_grant", "invalid assertion")
    with httpx.Client(verify=ssl_context(sb)) as client:
        response = client.post(
            f"{sb.urls['salesforce']}/services/oauth2/token",
            data={"grant_type": "password", "username": "x", "password": "y"},
        )
    assert _grant_error(response)[:2] == (400, "unsupported_grant_type")
    assert JWT_GRANT.endswith("jwt-bearer")


def test_unknown_and_expired_sessions_get_401(sb: Sandbox, emu: SalesforceEmulator) -> None:
    expected = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    with data_client(sb, "00Dxx0000000001!bogus") as client:
        response = client.get("/limits")
        assert (response.status_code, response.json()) == (401, expected)
    token = emu.issue_token()
    with data_client(sb, None) as client:
        assert client.get("/limits", headers={"Authorization": f"OAuth {token}"}).status_code == 200
        emu.expire_tokens()
        response = client.get("/limits", headers={"Authorization": f"Bearer {token}"})
        assert (response.status_code, response.json()) == (401, expected)


def test_sessions_armed_to_expire_after_use_over_the_admin_api(
    sb: Sandbox, emu: SalesforceEmulator
) -> None:
    try:
        admin = f"{sb.urls['salesforce']}/__admin/tokens/expire-after-use"
        with httpx.Client(verify=ssl_context(sb)) as client:
            armed = client.post(admin, json={"sessions": 2, "uses": 1})
            assert armed.json() == {"status": "armed", "sessions": 2, "uses": 1}
            assert client.post(admin, json={"sessions": -1}).status_code == 422
        short = [request_token(sb).json()["access_token"] for _ in range(2)]
        normal = request_token(sb).json()["access_token"]  # the third is a normal session again
        for token in short:
            with data_client(sb, token) as api:
                assert api.get("/limits").status_code == 200  # its one request
                response = api.get("/limits")
                assert response.status_code == 401
                assert response.json()[0]["errorCode"] == "INVALID_SESSION_ID"
        with data_client(sb, normal) as api:
            assert [api.get("/limits").status_code for _ in range(3)] == [200, 200, 200]

    finally:
        emu.expire_sessions_after_use(0)


def test_sessions_refused_at_first_use_and_disarming(sb: Sandbox, emu: SalesforceEmulator) -> None:
    try:
        emu.expire_sessions_after_use(1, uses=0)
        with data_client(sb, request_token(sb).json()["access_token"]) as api:
            assert api.get("/limits").status_code == 401
        emu.expire_sessions_after_use(5, uses=0)
        emu.expire_sessions_after_use(0)  # disarmed: the next session is a normal one
        with data_client(sb, request_token(sb).json()["access_token"]) as api:
            assert [api.get("/limits").status_code for _ in range(2)] == [200, 200]
        with pytest.raises(ValueError, match=">= 0"):
            emu.expire_sessions_after_use(1, uses=-1)
    finally:
        emu.expire_sessions_after_use(0)
