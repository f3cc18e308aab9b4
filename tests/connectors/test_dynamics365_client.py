"""Dynamics 365 connector units against `httpx.MockTransport`: msal tokens from a mock Entra
authority (cached, renewed once on a 401), OData paging, error rows, literal quoting, `In`
chunking, change tracking."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from connectors.dynamics365 import Dynamics365Client, Dynamics365Settings, odata
from connectors.dynamics365.auth import forget_apps
from connectors.http import ApiUsage, AuthError, RecordError
from connectors.settings import load_settings
from tests.connectors.contract import FakeSleep

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
SECRET = "not-a-real-secret-value"
ORG = "https://org.test"
AUTH = "https://login.test"
API = f"{ORG}/api/data/v9.2/"
G1 = "00000000-0000-0000-0000-000000000001"


class FakeDataverse:
    """Entra discovery and token endpoints plus Web API routes (`routes[path] -> handler`)."""

    def __init__(self) -> None:
        self.tokens_issued = 0
        self.valid: set[str] = set()
        self.requests: list[httpx.Request] = []
        self.routes: dict[str, Callable[[httpx.Request], httpx.Response]] = {}
        self.token_error: dict[str, Any] | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        url = request.url
        assert url.host != "login.microsoftonline.com", "a sandbox authority stays local"
        if url.host == "login.test":
            return self.entra(request)
        if request.headers.get("Authorization", "").removeprefix("Bearer ") not in self.valid:
            return httpx.Response(
                401,
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
                json={"error": {"code": "", "message": "The token is expired."}},
            )
        path = url.raw_path.decode().split("?", 1)[0].removeprefix("/api/data/v9.2/")
        return self.routes[unquote(path)](request)

    def entra(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/.well-known/openid-configuration"):
            return httpx.Response(
                200,
                json={
                    "issuer": f"{AUTH}/{TENANT}/v2.0",
                    "authorization_endpoint": f"{AUTH}/{TENANT}/oauth2/v2.0/authorize",
                    "token_endpoint": f"{AUTH}/{TENANT}/oauth2/v2.0/token",
                },
            )
        assert path == f"/{TENANT}/oauth2/v2.0/token"
        form = dict(httpx.QueryParams(request.content.decode()))
        assert form["scope"] == f"{ORG}/.default"
        if self.token_error is not None or form.get("client_secret") != SECRET:
            error = self.token_error or {
                "error": "invalid_client",
                "error_description": "AADSTS7000215: Invalid client secret provided.",
            }
            return httpx.Response(401, json=error)
        self.tokens_issued += 1
        token = f"token-{self.tokens_issued}"
        self.valid.add(token)
        return httpx.Response(
            200, json={"token_type": "Bearer", "expires_in": 3599, "access_token": token}
        )

    def api_calls(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.host == "org.test"]


@pytest.fixture(autouse=True)
def _fresh_apps() -> Iterator[None]:
    forget_apps()
    yield
    forget_apps()


def settings(**overrides: Any) -> Dynamics365Settings:
    base = {
        "org_url": ORG,
        "authority_host": AUTH,
        "tenant_id": TENANT,
        "client_id": CLIENT,
        "client_secret": SECRET,
    }
    return load_settings(Dynamics365Settings, **{**base, **overrides})


def make(fake: FakeDataverse, **overrides: Any) -> Dynamics365Client:
    return Dynamics365Client(
        settings(**overrides),
        transport=httpx.MockTransport(fake),
        sleep=FakeSleep(),
        usage=ApiUsage("dynamics365"),
    )


def rows_route(rows: list[dict[str, Any]]) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(200, json={"value": rows})


# --- settings ----------------------------------------------------------------------------------
def test_settings_derive_the_web_api_scope_and_authority() -> None:
    s = settings(org_url=f"{ORG}/")
    assert s.base_url == API.rstrip("/")
    assert s.scope == f"{ORG}/.default"
    assert s.authority == f"{AUTH}/{TENANT}"
    with pytest.raises(Exception, match="exactly one"):
        settings(client_secret=None)


# --- tokens ------------------------------------------------------------------------------------
def test_one_token_serves_many_requests_and_clients() -> None:
    fake = FakeDataverse()
    fake.routes["accounts"] = rows_route([{"accountid": G1}])
    first, second = make(fake), make(fake)
    for client in (first, second, first):
        assert list(client.query("accounts", select=["accountid"])) == [{"accountid": G1}]
    assert fake.tokens_issued == 1  # msal's cache, shared by both clients of the credential
    assert all(r.headers["Authorization"] == "Bearer token-1" for r in fake.api_calls())


def test_a_refused_token_is_dropped_and_renewed_once() -> None:
    fake = FakeDataverse()
    fake.routes["accounts"] = rows_route([{"accountid": G1}])
    client = make(fake)
    list(client.query("accounts", select=["accountid"]))
    fake.valid.clear()  # the platform ends every token early
    assert len(list(client.query("accounts", select=["accountid"]))) == 1
    assert fake.tokens_issued == 2
    assert client.renewals == 1
    assert fake.api_calls()[-1].headers["Authorization"] == "Bearer token-2"


def test_a_renewed_token_refused_again_is_an_auth_error_naming_tenant_and_client() -> None:
    fake = FakeDataverse()
    fake.routes["accounts"] = rows_route([])
    client = make(fake)
    fake.valid = set()
    original = fake.entra

    def entra_forgetting(request: httpx.Request) -> httpx.Response:
        response = original(request)
        fake.valid.clear()  # tokens are issued but the Web API refuses them all
        return response

    fake.entra = entra_forgetting  # type: ignore[method-assign]
    with pytest.raises(AuthError) as err:
        list(client.query("accounts", select=["accountid"]))
    assert TENANT in str(err.value)
    assert CLIENT in str(err.value)
    assert SECRET not in str(err.value)
    assert fake.tokens_issued == 2  # the first token and exactly one renewal
    assert len(fake.api_calls()) == 2


def test_a_wrong_secret_is_an_auth_error_without_the_secret() -> None:
    fake = FakeDataverse()
    client = make(fake, client_secret="wrong-secret-value")
    with pytest.raises(AuthError) as err:
        client.get("accounts", G1)
    text = str(err.value)
    assert "invalid_client" in text
    assert TENANT in text
    assert "wrong-secret-value" not in text
    assert fake.api_calls() == []


# --- paging ------------------------------------------------------------------------------------
def test_paging_follows_next_links_verbatim_and_a_short_page_is_not_the_end() -> None:
    fake = FakeDataverse()
    link = f"{API}contacts?$select=fullname&$skiptoken=%3Ccookie%20pagenumber=%222%22%20/%3E"

    def contacts(request: httpx.Request) -> httpx.Response:
        assert request.headers["Prefer"] == "odata.maxpagesize=2"
        if b"skiptoken" in request.url.raw_path:
            assert request.url.raw_path.decode().endswith(link.split("contacts", 1)[1])
            return httpx.Response(200, json={"value": [{"contactid": "c3", "n": 12.10}]})
        return httpx.Response(
            200,
            json={"value": [{"contactid": "c1"}], "@odata.nextLink": link},  # short, not the end
        )

    fake.routes["contacts"] = contacts
    rows = list(make(fake).query("contacts", select=["fullname"], page_size=2))
    assert [r["contactid"] for r in rows] == ["c1", "c3"]
    assert rows[1]["n"] == Decimal("12.10")
    first = fake.api_calls()[0]
    assert first.url.raw_path.decode() == "/api/data/v9.2/contacts?$select=fullname"
    assert first.headers["If-None-Match"] == "null"


def test_page_by_page_with_the_next_link_as_cursor() -> None:
    fake = FakeDataverse()
    link = f"{API}accounts?$select=name&$skiptoken=2"
    fake.routes["accounts"] = lambda r: httpx.Response(
        200,
        json={"value": [{"accountid": "b"}]}
        if b"skiptoken" in r.url.raw_path
        else {"value": [{"accountid": "a"}], "@odata.nextLink": link},
    )
    client = make(fake)
    rows, cursor = client.page("accounts", select=["name"])
    assert (rows, cursor) == ([{"accountid": "a"}], link)
    rows, cursor = client.page("accounts", select=["name"], cursor=cursor)
    assert (rows, cursor) == ([{"accountid": "b"}], None)


# --- errors ------------------------------------------------------------------------------------
def error(status: int, code: str, message: str, **headers: str) -> httpx.Response:
    return httpx.Response(
        status, headers=headers, json={"error": {"code": code, "message": message}}
    )


def test_429_waits_retry_after_and_ratelimit_headers_are_informational() -> None:
    fake = FakeDataverse()
    answers = [
        error(
            429,
            "0x80072322",
            "Number of requests exceeded the limit of 6000 over time window of 300 seconds.",
            **{"Retry-After": "17", "x-ms-ratelimit-burst-remaining-xrm-requests": "0"},
        ),
        httpx.Response(
            200,
            headers={"x-ms-ratelimit-burst-remaining-xrm-requests": "0"},
            json={"value": [{"accountid": G1}]},
        ),
    ]
    fake.routes["accounts"] = lambda r: answers.pop(0)
    sleep = FakeSleep()
    client = Dynamics365Client(
        settings(), transport=httpx.MockTransport(fake), sleep=sleep, usage=ApiUsage("d")
    )
    assert len(list(client.query("accounts", select=["accountid"]))) == 1
    assert sleep.waits == [17.0]
    assert client.http.usage.rate_limited == 1


@pytest.mark.parametrize(
    ("status", "code", "message", "field"),
    [
        (404, "", f"account With Id = {G1} Does Not Exist", None),
        (412, "", "A record with matching key values already exists.", None),
        (
            400,
            "0x80044331",
            "A validation error occurred.  The length of the 'name' attribute of the 'account' "
            "entity exceeded the maximum allowed length of '160'.",
            "name",
        ),
        (413, "", "Request Entity Too Large", None),
    ],
)
def test_record_errors(status: int, code: str, message: str, field: str | None) -> None:
    fake = FakeDataverse()
    fake.routes["accounts(storebridge_id='s-1')"] = lambda r: error(status, code, message)
    with pytest.raises(RecordError) as err:
        make(fake).update("accounts", {"storebridge_id": "s-1"}, {"name": "x"})
    assert err.value.status == status
    assert (err.value.code or "") == code
    if field:
        assert field in str(err.value)
    assert fake.api_calls()[-1].headers["If-Match"] == "*"


def test_403_is_an_auth_error_and_get_of_a_missing_row_is_none() -> None:
    fake = FakeDataverse()
    fake.routes[f"accounts({G1})"] = lambda r: error(404, "", "Does Not Exist")
    fake.routes["contacts"] = lambda r: error(
        403, "0x80040220", "Principal user is missing prvReadContact"
    )
    client = make(fake)
    assert client.get("accounts", G1) is None
    with pytest.raises(AuthError):
        list(client.query("contacts", select=["contactid"]))


# --- quoting -----------------------------------------------------------------------------------
def test_literals_are_quoted_as_odata_wants() -> None:
    assert odata.odata_literal("O'Brien") == "'O''Brien'"
    assert odata.odata_literal(uuid.UUID(G1)) == G1
    assert odata.odata_literal(odata.Guid(G1.upper())) == G1
    assert odata.odata_literal(G1) == f"'{G1}'"  # a plain string stays a string
    assert odata.odata_literal(Decimal("12.50")) == "12.50"
    assert odata.odata_literal(True) == "true"
    assert odata.odata_literal(None) == "null"
    east = dt.timezone(dt.timedelta(hours=-5))
    assert odata.odata_literal(dt.datetime(2026, 11, 1, 1, 30, tzinfo=east)) == (
        "2026-11-01T06:30:00Z"
    )
    with pytest.raises(ValueError, match="naive"):
        odata.odata_literal(dt.datetime(2026, 11, 1))
    with pytest.raises(TypeError):
        odata.odata_literal(1.5)
    assert odata.modified_between(dt.datetime(2026, 11, 1, tzinfo=dt.UTC)) == (
        "modifiedon ge 2026-11-01T00:00:00Z"
    )


def test_keys_by_guid_and_alternate_key() -> None:
    assert odata.entity_path("accounts", G1.upper()) == f"accounts({G1})"
    assert odata.entity_path("contacts", {"storebridge_id": "O'Hara 1"}) == (
        "contacts(storebridge_id='O''Hara%201')"
    )
    assert odata.bind("salesorders", {"storebridge_id": "s-9", "n": 2}) == (
        "/salesorders(storebridge_id='s-9',n=2)"
    )
    with pytest.raises(RecordError) as err:
        odata.entity_path("contacts", {"storebridge_id": "a/b@example.com"})
    assert "storebridge_id" in str(err.value)
    assert "example.com" not in str(err.value)
    with pytest.raises(RecordError):
        odata.entity_path("contacts", "not-a-guid")


def test_in_filters_are_chunked_under_the_limits() -> None:
    values = [f"SKU-{n:04d}" for n in range(500)] + ["SKU-0001"]
    chunks = list(odata.in_filters("productnumber", values, max_values=200, max_chars=3000))
    assert all(odata.encoded_len(c) <= 3000 for c in chunks)
    seen = [v for c in chunks for v in c.split("PropertyValues=[")[1].rstrip("])").split(",")]
    assert sorted(seen) == sorted({f"'{v}'" for v in values})
    assert len(chunks) > 500 // 200
    assert chunks[0].startswith(
        "Microsoft.Dynamics.CRM.In(PropertyName='productnumber',PropertyValues=['SKU-0000',"
    )


def test_query_in_reads_every_chunk() -> None:
    fake = FakeDataverse()
    fake.routes["products"] = lambda r: httpx.Response(
        200, json={"value": [{"q": unquote(r.url.raw_path.decode()).count("'SKU-")}]}
    )
    rows = list(
        make(fake).query_in(
            "products", "productnumber", [f"SKU-{n}" for n in range(450)], select=["productid"]
        )
    )
    assert [r["q"] for r in rows] == [200, 200, 50]


# --- change tracking ---------------------------------------------------------------------------
def test_changes_full_then_delta_then_expired_token_reads_in_full() -> None:
    fake = FakeDataverse()
    delta1 = f"{API}accounts?$select=name&$deltatoken=1%2108"
    delta2 = f"{API}accounts?$select=name&$deltatoken=2%2108"

    def accounts(request: httpx.Request) -> httpx.Response:
        assert "odata.track-changes" in request.headers["Prefer"]
        raw = request.url.raw_path.decode()
        if "deltatoken=1" in raw:
            return httpx.Response(
                200,
                json={
                    "value": [
                        {"accountid": "b", "name": "changed"},
                        {
                            "@odata.context": f"{API}$metadata#accounts/$deletedEntity",
                            "id": "A",
                            "reason": "deleted",
                        },
                    ],
                    "@odata.deltaLink": delta2,
                },
            )
        if "deltatoken=2" in raw:
            return error(400, "0x80044352", "Version stamp associated with the client has expired.")
        return httpx.Response(
            200,
            json={"value": [{"accountid": "a"}, {"accountid": "b"}], "@odata.deltaLink": delta1},
        )

    fake.routes["accounts"] = accounts
    client = make(fake)
    first = client.changes("accounts", select=["name"])
    # stored relative to the Web API root: valid when the environment's URL changes
    rel1, rel2 = delta1.removeprefix(API), delta2.removeprefix(API)
    assert rel1.startswith("accounts?")
    assert (first.full, first.delta_link, len(first.records)) == (True, rel1, 2)
    second = client.changes("accounts", select=["name"], delta_link=first.delta_link)
    assert second.full is False
    assert second.records == [{"accountid": "b", "name": "changed"}]
    assert second.deleted_ids == ["a"]
    assert second.delta_link == rel2
    third = client.changes("accounts", select=["name"], delta_link=delta2)  # absolute works too
    assert (third.full, third.delta_link, third.deleted_ids) == (True, rel1, [])


def test_changes_without_tracking_give_no_delta_link() -> None:
    fake = FakeDataverse()
    fake.routes["invoices"] = rows_route([{"invoiceid": "i"}])
    page = make(fake).changes("invoices", select=["name"])
    assert page.full
    assert not page.tracked
    assert json.loads("[]") == page.deleted_ids
