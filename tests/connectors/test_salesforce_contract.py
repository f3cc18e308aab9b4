"""Salesforce connector against the Salesforce emulator: the shared contract plus its own rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from connectors.clock import utcnow
from connectors.http import AuthError, IncompletePaginationError, QuotaExhaustedError
from connectors.salesforce import Collections, SalesforceClient, SalesforceSettings, soql_quote
from connectors.settings import load_settings
from sandbox.core import FaultConfig
from sandbox.runner import Sandbox
from tests.connectors.contract import ConnectorContract, FakeSleep

EXT = "Storebridge_Id__c"
BULK = 450  # accounts created for the paging tests: three pages of 200


def settings(sandbox: Sandbox, **overrides: Any) -> SalesforceSettings:
    env = {
        k.removeprefix("STOREBRIDGE_SALESFORCE_").lower(): v
        for k, v in sandbox.env().items()
        if k.startswith("STOREBRIDGE_SALESFORCE_")
    }
    return load_settings(SalesforceSettings, **{**env, **overrides})


@pytest.fixture(scope="module", autouse=True)
def many_accounts(sandbox: Sandbox) -> None:
    """Enough accounts that reading them takes several pages."""
    client = SalesforceClient(settings(sandbox), sleep=FakeSleep())
    rows = [{EXT: f"contract:{i}", "Name": f"Contract Account {i}"} for i in range(BULK)]
    assert all(r.success for r in Collections(client).upsert("Account", EXT, rows))


class TestSalesforceContract(ConnectorContract):
    system = "salesforce"
    supports_token_expiry = True

    def client(self, sandbox: Sandbox, sleep: FakeSleep, **overrides: Any) -> SalesforceClient:
        return SalesforceClient(settings(sandbox, **overrides), sleep=sleep)

    def read_all(self, client: SalesforceClient) -> list[str]:
        return [r["Id"] for r in client.query("SELECT Id FROM Account", batch_size=200)]

    def expected_ids(self, sandbox: Sandbox) -> list[str]:
        return [r["Id"] for r in sandbox.emulator("salesforce").records()["Account"]]

    def changed_window(self) -> tuple[dt.datetime, dt.datetime]:
        # The org stamps records with the business clock (the seed's CRM records a year before
        # the anchor, this session's writes "now"): the window is on that clock too.
        now = utcnow()
        return now - dt.timedelta(days=1), now + dt.timedelta(days=1)

    def read_changed(
        self, client: SalesforceClient, since: dt.datetime, until: dt.datetime
    ) -> list[str]:
        iso = "%Y-%m-%dT%H:%M:%SZ"
        soql = (
            f"SELECT Id FROM Account WHERE SystemModstamp >= {since.strftime(iso)} "
            f"AND SystemModstamp <= {until.strftime(iso)}"
        )
        return [r["Id"] for r in client.query(soql, batch_size=200)]

    def expected_changed(
        self, sandbox: Sandbox, since: dt.datetime, until: dt.datetime
    ) -> list[str]:
        def stamp(r: dict[str, Any]) -> dt.datetime:
            return dt.datetime.strptime(r["SystemModstamp"], "%Y-%m-%dT%H:%M:%S.%f%z")

        accounts = sandbox.emulator("salesforce").records()["Account"]
        return [r["Id"] for r in accounts if since <= stamp(r) <= until]

    def bad_request(self, client: SalesforceClient) -> None:
        client.restful(
            f"sobjects/Account/{EXT}/contract-bad", method="PATCH", json={"Colour__c": "red"}
        )

    def write_twice(self, client: SalesforceClient, sandbox: Sandbox) -> tuple[int, int]:
        row = [{EXT: "contract:twice", "Name": "Twice Ltd"}]
        emulator = sandbox.emulator("salesforce")
        first_result = Collections(client).upsert("Account", EXT, row)[0]
        first = len(emulator.records()["Account"])
        second_result = Collections(client).upsert("Account", EXT, row)[0]
        assert (first_result.created, second_result.created) == (True, False)
        assert first_result.id == second_result.id
        return first, len(emulator.records()["Account"])

    def wrong_credentials(self) -> dict[str, Any]:
        return {"consumer_key": "not-the-consumer-key"}

    def rate_limit_wait(self, faults: FaultConfig) -> float | None:
        return None  # 403 REQUEST_LIMIT_EXCEEDED carries no Retry-After

    def renewals(self, client: SalesforceClient) -> int:
        return client.renewals


@pytest.fixture
def client(sandbox: Sandbox) -> SalesforceClient:
    return SalesforceClient(settings(sandbox), sleep=FakeSleep())


def test_jwt_audience_must_be_the_login_host(sandbox: Sandbox) -> None:
    bad = SalesforceClient(
        settings(sandbox, audience=sandbox.urls["salesforce"]), sleep=FakeSleep()
    )
    with pytest.raises(AuthError, match="audience is invalid"):
        bad.login()


def test_queries_and_upserts_go_through_the_resilient_client(client: SalesforceClient) -> None:
    rows = client.query("SELECT Id, Name FROM Pricebook2 WHERE IsStandard = true")
    assert [r["Name"] for r in rows] == ["Standard Price Book"]
    assert client.http.usage.requests >= 2  # token + query: simple-salesforce used our session


def test_soql_quote_escapes_quotes_and_backslashes(client: SalesforceClient) -> None:
    name = "O'Brien \\ Sons"
    Collections(client).upsert("Account", EXT, [{EXT: "contract:quote", "Name": name}])
    rows = client.query(f"SELECT Name FROM Account WHERE Name = {soql_quote(name)}")
    assert [r["Name"] for r in rows] == [name]


def test_collections_report_each_record_in_order(client: SalesforceClient) -> None:
    results = Collections(client).upsert(
        "Account",
        EXT,
        [
            {EXT: "contract:ok", "Name": "Fine"},
            {EXT: "contract:bad", "Name": ""},  # Name is required
            {EXT: "contract:ok2", "Name": "Also fine"},
        ],
    )
    assert [r.success for r in results] == [True, False, True]
    assert results[1].has_code("REQUIRED_FIELD_MISSING")
    assert "Name" in results[1].error_text


def test_more_than_200_records_are_chunked(client: SalesforceClient, sandbox: Sandbox) -> None:
    emulator = sandbox.emulator("salesforce")
    before = emulator.count("PATCH /services/data/v{version}/composite/sobjects")
    rows = [{EXT: f"contract:chunk:{i}", "Name": f"Chunk {i}"} for i in range(401)]
    assert len(Collections(client).upsert("Account", EXT, rows)) == 401
    assert emulator.count("PATCH /services/data/v{version}/composite/sobjects") - before == 3


def test_daily_quota_floor_stops_the_run(sandbox: Sandbox) -> None:
    emulator = sandbox.emulator("salesforce")
    client = SalesforceClient(settings(sandbox, quota_stop_share=0.5), sleep=FakeSleep())
    limit = emulator.daily_limit
    try:
        emulator.daily_limit = emulator.api_requests_today() + 2  # almost all used
        client.query("SELECT Id FROM Pricebook2")  # the answer shows the quota nearly spent
        with pytest.raises(QuotaExhaustedError):
            client.query("SELECT Id FROM Pricebook2")
    finally:
        emulator.daily_limit = limit


def test_short_paging_raises(client: SalesforceClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from simple_salesforce.api import Salesforce

    real = Salesforce.query_more

    def lose_a_row(self: Salesforce, *args: Any, **kwargs: Any) -> Any:
        page = real(self, *args, **kwargs)
        return {**page, "records": page["records"][1:]}

    monkeypatch.setattr(Salesforce, "query_more", lose_a_row)
    with pytest.raises(IncompletePaginationError, match="totalSize"):
        client.query("SELECT Id FROM Account", batch_size=200)
