"""Helpers shared by the Salesforce emulator tests: SOQL shortcuts, the simple-salesforce session
setup of sandbox mode, and a ticking clock for stamp assertions."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import jwt
import requests
from simple_salesforce import Salesforce

from connectors.clock import utcnow
from sandbox.runner import Sandbox
from sandbox.salesforce import SalesforceEmulator
from sandbox.salesforce.values import stamp


def rows(api: httpx.Client, soql: str) -> list[dict[str, Any]]:
    response = api.get("/query", params={"q": soql})
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = response.json()["records"]
    return records


def rows_all(api: httpx.Client, soql: str) -> list[dict[str, Any]]:
    response = api.get("/queryAll", params={"q": soql})
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = response.json()["records"]
    return records


def entry(api: httpx.Client, sku: str, book_id: str) -> dict[str, Any]:
    soql = (
        "SELECT Id, UnitPrice, Product2Id FROM PricebookEntry "
        f"WHERE Product2.ProductCode = '{sku}' AND Pricebook2Id = '{book_id}'"
    )
    return rows(api, soql)[0]


def emulator(sb: Sandbox) -> SalesforceEmulator:
    emu = sb.emulator("salesforce")
    assert isinstance(emu, SalesforceEmulator)
    return emu


def jwt_login(sb: Sandbox) -> str:
    """What the connector does in sandbox mode: sign a JWT, POST it, keep the access token."""
    env = sb.env()
    claims = {
        "iss": env["STOREBRIDGE_SALESFORCE_CONSUMER_KEY"],
        "sub": env["STOREBRIDGE_SALESFORCE_USERNAME"],
        "aud": env["STOREBRIDGE_SALESFORCE_AUDIENCE"],
        "exp": int(time.time()) + 180,
    }
    key = Path(env["STOREBRIDGE_SALESFORCE_PRIVATE_KEY_FILE"]).read_bytes()
    response = requests.post(
        f"{env['STOREBRIDGE_SALESFORCE_BASE_URL']}/services/oauth2/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": jwt.encode(claims, key, algorithm="RS256"),
        },
        verify=env["STOREBRIDGE_SALESFORCE_CA_BUNDLE"],
        timeout=10,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


@contextmanager
def client(sb: Sandbox, token: str) -> Iterator[Salesforce]:
    """simple-salesforce on a session that trusts the sandbox CA (closed afterwards, so the
    server is not left waiting on keep-alive connections at shutdown)."""
    session = requests.Session()
    session.verify = sb.env()["STOREBRIDGE_SALESFORCE_CA_BUNDLE"]
    # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override session.verify (psf/requests
    # #3829); without trust_env=False the sandbox CA is ignored wherever those are set.
    session.trust_env = False
    with session:
        yield Salesforce(instance_url=sb.urls["salesforce"], session_id=token, session=session)


@contextmanager
def ticking(emu: SalesforceEmulator, step_s: float = 1.0) -> Iterator[None]:
    """Make every stamp the org takes one `step_s` later than the previous one (from the
    business clock's now), so "it moved" is checkable without sleeping."""
    start = utcnow()
    counter = itertools.count(1)
    saved = emu.store.clock
    emu.store.clock = lambda: stamp(start + dt.timedelta(seconds=step_s * next(counter)))
    try:
        yield
    finally:
        emu.store.clock = saved
