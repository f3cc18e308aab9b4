"""The emulated Entra authority against the real, unmodified `msal`, and the Web API's 401s."""

from __future__ import annotations

import time
import types
from collections.abc import Iterator
from pathlib import Path

import msal
import pytest
import requests

from sandbox.dynamics365 import CLIENT_ID, CLIENT_SECRET, TENANT_ID
from sandbox.tls import ensure_keypair
from tests.sandbox.d365_helpers import Running, running_fixture

TOKEN = "POST /{tenant}/oauth2/v2.0/token"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    yield from running_fixture(tmp_path_factory)


@pytest.fixture(autouse=True)
def _fresh(running: Running) -> Iterator[None]:
    running.emu.reset_counts()
    yield
    running.emu.set_token_lifetime(3599)
    running.emu.authority.token_clock = time.time


def session(running: Running) -> requests.Session:
    s = requests.Session()
    s.verify = str(running.tls.ca_cert)
    s.trust_env = False
    return s


def app(running: Running, credential: object, **kw: object) -> msal.ConfidentialClientApplication:
    kw.setdefault("instance_discovery", False)
    return msal.ConfidentialClientApplication(
        CLIENT_ID,
        authority=f"{running.url}/{TENANT_ID}",
        client_credential=credential,
        http_client=session(running),
        **kw,
    )


def scope(running: Running) -> list[str]:
    return [f"{running.url}/.default"]


def who_am_i(running: Running, token: str) -> int:
    with running.client(token) as c:
        return c.get("WhoAmI").status_code


def test_msal_secret_token_is_cached_then_renewed_after_expiry(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    cca = app(running, CLIENT_SECRET)
    first = cca.acquire_token_for_client(scopes=scope(running))
    assert first.get("token_type") == "Bearer", first
    assert first["expires_in"] == 3599
    assert running.emu.count(TOKEN) == 1
    assert who_am_i(running, first["access_token"]) == 200

    second = cca.acquire_token_for_client(scopes=scope(running))
    assert second["access_token"] == first["access_token"]
    assert second["token_source"] == "cache"
    assert running.emu.count(TOKEN) == 1  # served from msal's cache, no request

    # an hour later (msal's clock and the emulator's): the token expired on both sides
    later = time.time() + 3600
    monkeypatch.setattr(msal.application, "time", types.SimpleNamespace(time=lambda: later))
    running.emu.authority.token_clock = lambda: later
    assert who_am_i(running, first["access_token"]) == 401
    third = cca.acquire_token_for_client(scopes=scope(running))
    assert third["token_source"] == "identity_provider"
    assert third["access_token"] != first["access_token"]
    assert running.emu.count(TOKEN) == 2
    assert who_am_i(running, third["access_token"]) == 200


def test_short_token_lifetime_through_the_admin_api(running: Running) -> None:
    with running.client(auth=False) as c:
        r = c.put(f"{running.url}/__admin/dynamics365/tokens", json={"expires_in": 120})
    assert r.status_code == 200
    cca = app(running, CLIENT_SECRET)
    a = cca.acquire_token_for_client(scopes=scope(running))
    b = cca.acquire_token_for_client(scopes=scope(running))
    # msal treats a token with < 5 minutes left as expired: every call asks again
    assert a["expires_in"] == 120
    assert a["access_token"] != b["access_token"]
    assert running.emu.count(TOKEN) == 2


def test_msal_certificate_assertion_sha1_thumbprint(running: Running) -> None:
    emu = running.emu
    assert emu.private_key_file is not None
    credential = {
        "private_key": emu.private_key_file.read_text(),
        "thumbprint": emu.authority.thumbprint(),
    }
    result = app(running, credential).acquire_token_for_client(scopes=scope(running))
    assert "access_token" in result, result
    assert who_am_i(running, result["access_token"]) == 200


def test_msal_certificate_assertion_sha256_with_public_certificate(running: Running) -> None:
    emu = running.emu
    assert emu.private_key_file is not None
    assert emu.certificate_file is not None
    credential = {
        "private_key": emu.private_key_file.read_text(),
        "public_certificate": emu.certificate_file.read_text(),
    }
    result = app(running, credential).acquire_token_for_client(scopes=scope(running))
    assert "access_token" in result, result  # PS256 with x5t#S256


def test_assertion_signed_by_another_key_is_refused(running: Running, tmp_path: Path) -> None:
    other = ensure_keypair(tmp_path / "other", "not-registered")
    credential = {
        "private_key": other.private_key.read_text(),
        "public_certificate": other.certificate.read_text(),
    }
    result = app(running, credential).acquire_token_for_client(scopes=scope(running))
    assert result["error"] == "invalid_client"
    assert "AADSTS700027" in result["error_description"]


def test_instance_discovery_through_the_emulated_document(running: Running) -> None:
    cca = app(running, CLIENT_SECRET, instance_discovery=f"{running.url}/common/discovery/instance")
    result = cca.acquire_token_for_client(scopes=scope(running))
    assert "access_token" in result, result
    assert running.emu.count("GET /common/discovery/instance") == 1


@pytest.mark.parametrize(
    ("client_id", "secret", "scopes", "error", "code"),
    [
        (
            CLIENT_ID,
            CLIENT_SECRET,
            ["https://contoso.crm.dynamics.com/.default"],
            "invalid_resource",
            "AADSTS500011",
        ),
        (
            "0000aaaa-0000-0000-0000-000000000000",
            CLIENT_SECRET,
            None,
            "unauthorized_client",
            "AADSTS700016",
        ),
        (CLIENT_ID, "wrong-secret", None, "invalid_client", "AADSTS7000215"),
    ],
)
def test_token_errors(
    running: Running,
    client_id: str,
    secret: str,
    scopes: list[str] | None,
    error: str,
    code: str,
) -> None:
    cca = msal.ConfidentialClientApplication(
        client_id,
        authority=f"{running.url}/{TENANT_ID}",
        client_credential=secret,
        http_client=session(running),
        instance_discovery=False,
    )
    result = cca.acquire_token_for_client(scopes=scopes or scope(running))
    assert result["error"] == error
    assert result["error_description"].startswith(code)
    assert "access_token" not in result


def test_unknown_tenant_fails_discovery(running: Running) -> None:
    with pytest.raises(ValueError, match="tenant"):
        msal.ConfidentialClientApplication(
            CLIENT_ID,
            authority=f"{running.url}/00000000-0000-0000-0000-000000000000",
            client_credential=CLIENT_SECRET,
            http_client=session(running),
            instance_discovery=False,
        )


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc"])
def test_web_api_401_with_challenge(running: Running, header: str | None) -> None:
    with running.client(auth=False) as c:
        r = c.get("accounts", headers={"Authorization": header} if header else {})
    assert r.status_code == 401
    challenge = r.headers["WWW-Authenticate"]
    assert challenge.startswith(f"Bearer authorization_uri={running.url}/{TENANT_ID}/oauth2/")
    assert f"resource_id={running.url}/" in challenge


def test_expire_tokens_hook_ends_issued_tokens(running: Running) -> None:
    token = running.emu.issue_token()
    assert who_am_i(running, token) == 200
    with running.client(auth=False) as c:
        assert c.post(f"{running.url}/__admin/tokens/expire").status_code == 200
    assert who_am_i(running, token) == 401


def test_runner_starts_it_and_env_points_msal_at_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sandbox.runner as runner
    from sandbox.seed import SeedConfig
    from tests.conftest import ANCHOR

    monkeypatch.setitem(runner.EMULATORS, "dynamics365", "sandbox.dynamics365:Dynamics365Emulator")
    monkeypatch.setitem(runner.DEFAULT_PORTS, "dynamics365", 8444)
    with runner.Sandbox(tmp_path, systems=["dynamics365"], seed=SeedConfig(anchor=ANCHOR)) as sb:
        env = sb.env()
        s = requests.Session()
        s.verify = env["STOREBRIDGE_DYNAMICS365_CA_BUNDLE"]
        s.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment wins over verify
        cca = msal.ConfidentialClientApplication(
            env["STOREBRIDGE_DYNAMICS365_CLIENT_ID"],
            authority=f"{env['STOREBRIDGE_DYNAMICS365_AUTHORITY_HOST']}/"
            f"{env['STOREBRIDGE_DYNAMICS365_TENANT_ID']}",
            client_credential=env["STOREBRIDGE_DYNAMICS365_CLIENT_SECRET"],
            http_client=s,
            instance_discovery=False,
        )
        org = env["STOREBRIDGE_DYNAMICS365_ORG_URL"]
        token = cca.acquire_token_for_client(scopes=[f"{org}/.default"])["access_token"]
        r = s.get(
            f"{org}/api/data/v9.2/products?$select=productnumber&$top=1",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code == 200
        assert len(r.json()["value"]) == 1
