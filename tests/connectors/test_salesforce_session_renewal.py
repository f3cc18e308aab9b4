"""Salesforce sessions that expire again and again within one call, against the org emulator.

The emulator's `expire_sessions_after_use(N, uses)` makes each of the next N sessions it issues
serve `uses` requests and then answer 401 ``INVALID_SESSION_ID`` (``uses=0``: refused at once).
The client renews the session as often as it expires within one call, up to
`STOREBRIDGE_SALESFORCE_MAX_ATTEMPTS` renewals, and fails fast with an `AuthError` naming the
settings to check when fresh sessions are refused at their first use. A renewal resends the
refused request only, so an operation in flight (a query's paging, a Bulk 2.0 job) carries on.
`BearerSession` itself (the HTTP layer's part) is also checked on a fake transport.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from connectors.http import AuthError, BearerSession
from connectors.salesforce import Collections, SalesforceClient
from connectors.salesforce.bulk import BulkWriter
from connectors.salesforce.writer import Write
from sandbox.runner import Sandbox
from sandbox.salesforce import SalesforceEmulator
from tests.connectors.contract import FakeSleep
from tests.connectors.test_salesforce_contract import settings

EXT = "Storebridge_Id__c"
ACCOUNTS = 650  # four pages of 200
TOKEN = "POST /services/oauth2/token"
JOBS = "POST /services/data/v{version}/jobs/ingest"
SOQL = f"SELECT Id FROM Account WHERE {EXT} LIKE 'renewal:%'"


@pytest.fixture
def emulator(sandbox: Sandbox) -> Iterator[SalesforceEmulator]:
    emu = sandbox.emulator("salesforce")
    assert isinstance(emu, SalesforceEmulator)
    yield emu
    emu.expire_sessions_after_use(0)  # disarm whatever a test left armed


@pytest.fixture(scope="module")
def accounts(sandbox: Sandbox) -> list[str]:
    """Ids of accounts enough for a query of four pages."""
    with SalesforceClient(settings(sandbox), sleep=FakeSleep()) as client:
        rows = [{EXT: f"renewal:{i}", "Name": f"Renewal {i}"} for i in range(ACCOUNTS)]
        assert all(r.success for r in Collections(client).upsert("Account", EXT, rows))
        ids = [r["Id"] for r in client.query(SOQL)]
    assert len(ids) == ACCOUNTS
    return ids


def new_client(sandbox: Sandbox, **overrides: object) -> SalesforceClient:
    return SalesforceClient(settings(sandbox, **overrides), sleep=FakeSleep())


def test_three_expiries_in_one_query_take_three_renewals(
    sandbox: Sandbox, emulator: SalesforceEmulator, accounts: list[str]
) -> None:
    assert math.ceil(ACCOUNTS / 200) == 4
    client = new_client(sandbox)
    emulator.expire_sessions_after_use(3, uses=1)  # the login and the next two die after a page
    logins = emulator.count(TOKEN)

    ids = [r["Id"] for r in client.query(SOQL, batch_size=200)]

    assert sorted(ids) == sorted(accounts)
    assert client.renewals == 3
    assert emulator.count(TOKEN) - logins == 4  # the first login and three renewals


def test_a_session_refused_after_every_renewal_is_an_auth_error(
    sandbox: Sandbox, emulator: SalesforceEmulator
) -> None:
    client = new_client(sandbox)
    client.query("SELECT Id FROM Pricebook2")  # a working session first
    emulator.expire_sessions_after_use(50, uses=0)  # every new session refused at once
    with emulator.lock:
        emulator.expire_tokens()
    logins = emulator.count(TOKEN)

    with pytest.raises(AuthError) as raised:
        client.query("SELECT Id FROM Pricebook2")

    err = raised.value
    assert (err.status, err.code) == (401, "INVALID_SESSION_ID")
    assert "refused at their first use" in err.message
    assert "STOREBRIDGE_SALESFORCE_USERNAME" in err.message
    assert client.renewals == 2  # the expired one, then one more fresh session: bounded
    assert emulator.count(TOKEN) - logins == 2


def test_a_new_client_whose_sessions_are_refused_stops_after_one_renewal(
    sandbox: Sandbox, emulator: SalesforceEmulator
) -> None:
    client = new_client(sandbox)
    emulator.expire_sessions_after_use(50, uses=0)
    with pytest.raises(AuthError, match="STOREBRIDGE_SALESFORCE_USERNAME"):
        client.query("SELECT Id FROM Pricebook2")
    assert client.renewals == 1  # the login's session and one renewal, both refused


def test_renewals_per_call_are_bounded_by_max_attempts(
    sandbox: Sandbox, emulator: SalesforceEmulator, accounts: list[str]
) -> None:
    client = new_client(sandbox, max_attempts=2)
    emulator.expire_sessions_after_use(10, uses=1)  # each session serves one page, then dies

    with pytest.raises(AuthError) as raised:
        client.query(SOQL, batch_size=200)

    assert "STOREBRIDGE_SALESFORCE_MAX_ATTEMPTS" in raised.value.message
    assert "after 2 renewals within one call" in raised.value.message
    assert client.renewals == 2


def test_each_call_has_its_own_budget(sandbox: Sandbox, emulator: SalesforceEmulator) -> None:
    client = new_client(sandbox, max_attempts=1)
    emulator.expire_sessions_after_use(4, uses=1)
    for _ in range(4):  # every call meets one expiry: one renewal each, within a budget of 1
        assert len(client.query("SELECT Id FROM Pricebook2")) == 1
    assert client.renewals == 3  # the login's session served the first call


def test_a_bulk_job_outliving_two_sessions_runs_once(
    sandbox: Sandbox, emulator: SalesforceEmulator, tmp_path: Path
) -> None:
    client = new_client(sandbox)
    emulator.expire_sessions_after_use(2, uses=1)  # the login's session and the next die
    writes = [
        Write(("A", i), "Account", "upsert", {EXT: f"renewal:bulk:{i}", "Name": f"B {i}"}, EXT)
        for i in range(3)
    ]
    writer = BulkWriter(client, poll_s=0, directory=tmp_path)
    writer.add(writes)
    jobs = emulator.count(JOBS)

    results = dict(writer.flush())

    assert all(r.success for r in results.values())
    assert set(results) == {w.key for w in writes}
    assert emulator.count(JOBS) - jobs == 1 == writer.jobs  # renewed mid-job, not restarted
    assert client.renewals == 2


def test_renewals_log_no_token(
    sandbox: Sandbox, emulator: SalesforceEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    client = new_client(sandbox)
    emulator.expire_sessions_after_use(1, uses=1)
    caplog.set_level(logging.DEBUG)
    client.query("SELECT Id FROM Pricebook2")
    first = client.session.token
    client.query("SELECT Id FROM Pricebook2")
    assert client.renewals == 1
    assert "session expired (INVALID_SESSION_ID); renewed" in caplog.text
    for token in (first, client.session.token):
        assert token not in caplog.text
        assert token.split("!", 1)[1] not in caplog.text


# --- BearerSession on a fake transport ----------------------------------------------------------


def _expired(response: httpx.Response) -> bool:
    return response.status_code == 401


def test_threads_meeting_the_same_expired_token_renew_it_once() -> None:
    issued: list[str] = []
    live: set[str] = set()

    def issue() -> str:
        token = f"t{len(issued)}"
        issued.append(token)
        live.add(token)
        return token

    bearer = BearerSession("fake", issue, expired=_expired)

    def transport(request: httpx.Request) -> httpx.Response:
        token = request.headers["Authorization"].removeprefix("Bearer ")
        return httpx.Response(200 if token in live else 401, request=request)

    client = httpx.Client(transport=httpx.MockTransport(transport))

    def send(request: httpx.Request) -> httpx.Response:
        return bearer.send(request, lambda: client.send(request))

    def request() -> httpx.Request:
        return httpx.Request("GET", "https://org.example/x", headers={"Authorization": "Bearer ?"})

    assert send(request()).status_code == 200
    live.clear()  # t0 expires while two requests are in flight
    first = request()
    calls = 0

    def racing_send() -> httpx.Response:
        nonlocal calls
        calls += 1
        response = client.send(first)
        if calls == 1:  # another thread meets the same expiry and renews first
            other = threading.Thread(target=lambda: send(request()))
            other.start()
            other.join()
        return response

    assert bearer.send(first, racing_send).status_code == 200
    assert issued == ["t0", "t1"]  # one renewal for both
    assert first.headers["Authorization"] == "Bearer t1"
    assert bearer.renewals == 1


def test_requests_without_the_scheme_are_left_alone() -> None:
    bearer = BearerSession("fake", lambda: "secret-token", expired=_expired)
    plain = httpx.Request("GET", "https://org.example/x")
    basic = httpx.Request("GET", "https://org.example/x", headers={"Authorization": "Basic abc"})
    for req in (plain, basic):
        response = bearer.send(req, lambda: httpx.Response(401))
        assert response.status_code == 401  # handed back: not this session's refusal
    assert basic.headers["Authorization"] == "Basic abc"
    assert "authorization" not in plain.headers
    assert bearer.renewals == 0
