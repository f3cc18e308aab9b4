"""Sage 300 Web API client units against `httpx.MockTransport`: settings, headers, $skip/$top
paging (counts, next links, server page caps), error rows, POSTs never resent, literals."""

from __future__ import annotations

import base64
import datetime as dt
import json
import pickle
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from connectors.http import (
    ApiUsage,
    AuthError,
    ConfigError,
    IncompletePaginationError,
    RateLimitedError,
    RecordError,
    TransientError,
)
from connectors.sage300 import odata, resources
from connectors.sage300.client import Sage300Client
from connectors.sage300.errors import Sage300Error, Sage300WriteUnknown
from connectors.sage300.settings import Sage300Settings, odbc_attributes
from connectors.settings import load_settings
from tests.connectors.contract import FakeSleep

ROOT = "/Sage300WebApi/v1.0/-/SAMINC/"
ODBC = "DRIVER={SQLite3};Database=/tmp/none.sqlite;PWD=hunter2secret"
Handler = Callable[[httpx.Request], httpx.Response]


def settings(**overrides: Any) -> Sage300Settings:
    base = {
        "url": "https://sage.test/Sage300WebApi/v1.0",
        "company": "saminc",
        "user": "ADMIN",
        "password": "ADMIN",
        "odbc": ODBC,
        "max_attempts": 3,
    }
    return load_settings(Sage300Settings, **{**base, **overrides})


class Fake:
    """Routes by resource path (after the company root); records every request."""

    def __init__(self, routes: dict[str, Handler]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.raw_path.decode().split("?", 1)[0]
        assert path.startswith(ROOT), path
        return self.routes[path.removeprefix(ROOT)](request)


def make(fake: Fake, sleep: FakeSleep | None = None, **overrides: Any) -> Sage300Client:
    return Sage300Client(
        settings(**overrides),
        transport=httpx.MockTransport(fake),
        sleep=sleep or FakeSleep(),
        usage=ApiUsage("sage300"),
    )


def sage_error(status: int, code: str, message: str = "no", **headers: str) -> httpx.Response:
    body = {"error": {"code": code, "message": {"lang": "en-US", "value": message}}}
    return httpx.Response(status, json=body, headers=headers)


def feed(rows: list[dict[str, Any]], *, count: bool = True, cap: int | None = None) -> Handler:
    """A list resource paging by $skip/$top (optionally capped at `cap` rows per page)."""

    def handler(request: httpx.Request) -> httpx.Response:
        q = request.url.params
        skip, top = int(q.get("$skip", 0)), int(q.get("$top", 100))
        top = min(top, cap) if cap else top
        body: dict[str, Any] = {"odata.context": "ctx", "value": rows[skip : skip + top]}
        if count and q.get("$count") == "true":
            body["odata.count"] = str(len(rows))
        return httpx.Response(200, json=body)

    return handler


CUSTOMERS = [{"CustomerNumber": f"C{i:03}", "AmountDue": 1.25 * i} for i in range(7)]


# --- settings ----------------------------------------------------------------------------------
def test_settings_derive_the_company_root_and_hide_secrets() -> None:
    s = settings(url="https://sage.test/", company="samInc", location=" MAIN ", tax_charge="")
    assert s.url == "https://sage.test/Sage300WebApi/v1.0"
    assert s.base_url == "https://sage.test/Sage300WebApi/v1.0/-/SAMINC"
    assert s.merchant() == {"location": "MAIN"}
    assert "hunter2" not in repr(s)
    assert "hunter2" not in str(s.model_dump())
    assert odbc_attributes("DRIVER={ODBC Driver 18 for SQL Server};PWD={a;b}}c};UID=x") == {
        "DRIVER": "ODBC Driver 18 for SQL Server",
        "PWD": "a;b}c",
        "UID": "x",
    }
    for bad, says in (
        ({"odbc": "Server=x;PWD=hunter2secret"}, "names no DRIVER"),
        ({"odbc": "hunter2secret"}, "not an ODBC connection string"),
        ({"company": "SAMINC1"}, "1 to 6"),
        ({"timezone": "Mars/Base"}, "unknown time zone"),
        ({"page_size": 5000}, "STOREBRIDGE_SAGE300_PAGE_SIZE"),
    ):
        with pytest.raises(ConfigError, match=says) as err:
            settings(**bad)
        assert "hunter2" not in str(err.value)


# --- requests ----------------------------------------------------------------------------------
def test_every_request_carries_json_content_type_and_basic_auth() -> None:
    fake = Fake(
        {
            "AR/ARCustomers": feed(CUSTOMERS),
            "AR/ARCustomers('C001')": lambda r: httpx.Response(200, json=CUSTOMERS[1]),
            "OE/OEOrders": lambda r: httpx.Response(201, json={"OrderUniquifier": 10021639}),
        }
    )
    client = make(fake)
    client.get("AR/ARCustomers", "C001")
    client.create("OE/OEOrders", {"CustomerNumber": "C001", "Amount": Decimal("12.10")})
    basic = "Basic " + base64.b64encode(b"ADMIN:ADMIN").decode()
    for request in fake.requests:
        assert request.headers["Content-Type"] == "application/json"
        assert request.headers["Authorization"] == basic
    assert fake.requests[-1].content == b'{"CustomerNumber": "C001", "Amount": 12.10}'
    assert client.calls == 2


def test_paging_reads_to_the_declared_count_with_exact_numbers() -> None:
    fake = Fake({"AR/ARCustomers": feed(CUSTOMERS)})
    client = make(fake, page_size=3)
    rows = list(client.query("AR/ARCustomers", filter=odata.eq("Status", "Active")))
    assert [r["CustomerNumber"] for r in rows] == [c["CustomerNumber"] for c in CUSTOMERS]
    assert rows[3]["AmountDue"] == Decimal("3.75")
    urls = [unquote(r) for r in fake.requests]
    assert urls == [
        "AR/ARCustomers?$filter=Status eq 'Active'&$top=3&$skip=0&$count=true",
        "AR/ARCustomers?$filter=Status eq 'Active'&$top=3&$skip=3",
        "AR/ARCustomers?$filter=Status eq 'Active'&$top=3&$skip=6",
    ]  # the count ends it: no empty page asked for


def unquote(request: httpx.Request) -> str:
    from urllib.parse import unquote as uq

    return uq(str(request.url).split(ROOT, 1)[1])


def test_a_short_page_is_not_the_end_and_without_a_count_an_empty_page_is() -> None:
    fake = Fake({"AR/ARCustomers": feed(CUSTOMERS, count=False, cap=2)})  # server PageSize 2
    client = make(fake, page_size=5)
    assert len(list(client.query("AR/ARCustomers"))) == 7
    assert [r.url.params["$skip"] for r in fake.requests] == ["0", "2", "4", "6", "7"]
    fake.requests.clear()
    assert [r["CustomerNumber"] for r in client.query("AR/ARCustomers", top=3)] == [
        "C000",
        "C001",
        "C002",
    ]
    assert [r.url.params["$top"] for r in fake.requests] == ["3", "1"]


@pytest.mark.parametrize("link_key", ["odata.nextLink", "@odata.nextLink"])
def test_next_links_of_either_style_are_followed(link_key: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "page=2" in str(request.url):
            return httpx.Response(200, json={"value": CUSTOMERS[3:]})
        return httpx.Response(
            200,
            json={
                "value": CUSTOMERS[:3],
                link_key: f"https://sage.test{ROOT}AR/ARCustomers?page=2",
            },
        )

    fake = Fake({"AR/ARCustomers": handler})
    assert len(list(make(fake).query("AR/ARCustomers"))) == 7
    assert len(fake.requests) == 2


def test_an_empty_page_before_the_count_is_incomplete() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        skip = int(request.url.params["$skip"])
        return httpx.Response(
            200, json={"odata.count": "9", "value": CUSTOMERS[skip : skip + 5] if skip < 5 else []}
        )

    with pytest.raises(IncompletePaginationError, match="empty page after 5 of 9"):
        list(make(Fake({"AR/ARCustomers": handler}), page_size=5).query("AR/ARCustomers"))


def test_count_reads_odata_count() -> None:
    fake = Fake({"AR/ARCustomers": feed(CUSTOMERS)})
    assert make(fake).count("AR/ARCustomers", odata.startswith("CustomerNumber", "C")) == 7
    assert fake.requests[0].url.params["$top"] == "1"


# --- errors ------------------------------------------------------------------------------------
def test_get_of_a_missing_record_is_none_and_a_codeless_404_is_config() -> None:
    fake = Fake(
        {
            "AR/ARCustomers('NOPE')": lambda r: sage_error(404, "RecordNotFound"),
            "AR/ARCustomers('1200')": lambda r: httpx.Response(404, text="<html>IIS</html>"),
        }
    )
    client = make(fake)
    assert client.get("AR/ARCustomers", "NOPE") is None
    with pytest.raises(ConfigError, match="Web API root"):
        client.get("AR/ARCustomers", "1200")


def test_too_many_requests_waits_retry_after_then_succeeds() -> None:
    answers = iter([sage_error(429, "TooManyRequests", **{"Retry-After": "3"})] * 2)
    fake = Fake(
        {"AR/ARCustomers('1')": lambda r: next(answers, None) or httpx.Response(200, json={})}
    )
    sleep = FakeSleep()
    client = make(fake, sleep)
    assert client.get("AR/ARCustomers", "1") == {}
    assert sleep.waits == [3.0, 3.0]
    assert client.http.usage.rate_limited == 2
    assert client.calls == 3


def test_unauthorized_is_an_auth_error_without_the_password() -> None:
    fake = Fake({"AR/ARCustomers": lambda r: sage_error(401, "Unauthorized", "Invalid login")})
    with pytest.raises(AuthError) as err:
        list(make(fake, password="not-the-password").query("AR/ARCustomers"))
    assert isinstance(err.value, Sage300Error)
    assert err.value.code == "Unauthorized"
    assert "not-the-password" not in str(err.value)
    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (400, "RecordInvalid", RecordError),
        (409, "RecordInvalid", RecordError),
        (400, "InvalidPayload", RecordError),
        (409, "RecordDuplicate", RecordError),
        (404, "ResourceNotFound", ConfigError),
        (405, "MethodNotAllowed", ConfigError),
        (500, "DBLinkError", ConfigError),
        (403, "Forbidden", AuthError),
        (500, "InternalServerError", TransientError),
        (503, "TooManyRequests", RateLimitedError),
    ],
)
def test_sage_errors_are_classified_by_code(status: int, code: str, expected: type) -> None:
    error = Sage300Error(status, code, "Customer Number 'X' does not exist.")
    assert isinstance(error, expected)
    assert isinstance(error, Sage300Error)
    again = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert type(again) is type(error)
    assert again.code == code
    assert again.status == status
    assert error.duplicate == (code == "RecordDuplicate")


def test_a_refused_create_is_a_record_error_naming_the_field() -> None:
    message = "Customer Number 'C9' does not exist."
    fake = Fake({"OE/OEOrders": lambda r: sage_error(400, "RecordInvalid", message)})
    with pytest.raises(RecordError) as err:
        make(fake).create("OE/OEOrders", {"CustomerNumber": "C9"})
    assert err.value.code == "RecordInvalid"
    assert err.value.status == 400
    assert "C9" in err.value.message
    dup = Fake({"AR/ARCustomers": lambda r: sage_error(409, "RecordDuplicate", "exists")})
    with pytest.raises(Sage300Error) as found:
        make(dup).create("AR/ARCustomers", {"CustomerNumber": "C1"})
    assert found.value.duplicate


def test_server_errors_are_retried_on_reads() -> None:
    answers = iter([sage_error(500, "InternalServerError")])
    fake = Fake(
        {"AR/ARCustomers('1')": lambda r: next(answers, None) or httpx.Response(200, json={})}
    )
    client = make(fake)
    assert client.get("AR/ARCustomers", "1") == {}
    assert client.http.usage.retries == 1


def timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("slow", request=request)


@pytest.mark.parametrize("answer", [lambda r: sage_error(500, "InternalServerError"), timeout])
def test_a_post_is_never_resent_after_it_may_have_arrived(answer: Handler) -> None:
    fake = Fake({"OE/OEOrders": answer})
    with pytest.raises(Sage300WriteUnknown) as err:
        make(fake).create("OE/OEOrders", {"CustomerNumber": "C1"})
    assert isinstance(err.value, TransientError)
    assert "look it up" in str(err.value)
    assert len(fake.requests) == 1


def test_patch_is_resent_unless_it_carries_detail_lines() -> None:
    answers = iter([sage_error(503, "InternalServerError")])
    fake = Fake(
        {
            "AR/ARCustomers('C1')": lambda r: (
                next(answers, None) or httpx.Response(200, json={"ok": 1})
            ),
            "GL/GLJournalBatches(7)": lambda r: sage_error(500, "InternalServerError"),
        }
    )
    client = make(fake)
    assert client.patch("AR/ARCustomers", "C1", {"PhoneNumber": "1"}) == {"ok": 1}
    with pytest.raises(Sage300WriteUnknown):
        client.patch("GL/GLJournalBatches", 7, {"JournalHeaders": [{"UpdateOperation": "Insert"}]})
    assert len(fake.requests) == 3


def test_orders_have_no_patch_and_templates_are_safe_posts() -> None:
    fake = Fake({"AR/ARCustomers('$template')": lambda r: httpx.Response(200, json={"A": 1})})
    client = make(fake)
    with pytest.raises(ConfigError, match="does not support PATCH"):
        client.patch("OE/OEOrders", 10021638, {"OrderComment": "x"})
    assert client.template("AR/ARCustomers") == {"A": 1}
    assert fake.requests[0].method == "POST"
    assert len(fake.requests) == 1


# --- literals and keys -------------------------------------------------------------------------
def test_literals_and_keys() -> None:
    assert odata.literal("O'Brien") == "'O''Brien'"
    assert odata.literal(Decimal("1.50")) == "1.50m"
    assert odata.literal(Decimal("1E+2")) == "100m"
    assert odata.literal(12) == "12"
    assert odata.literal(True) == "true"
    assert odata.literal(None) == "null"
    assert odata.literal(dt.date(2015, 12, 31)) == "datetime'2015-12-31T00:00:00'"
    moment = dt.datetime(2026, 11, 23, 17, 5, 9, 500, tzinfo=dt.UTC)
    assert odata.literal(moment, ZoneInfo("America/New_York")) == "datetime'2026-11-23T12:05:09'"
    with pytest.raises(ValueError, match="zone"):
        odata.literal(moment)
    with pytest.raises(TypeError, match="inexact"):
        odata.literal(1.5)
    assert odata.key("1200") == "('1200')"
    assert odata.key(10021638) == "(10021638)"
    assert odata.key(Decimal("10021638")) == "(10021638)"
    assert (
        odata.key(BatchRecordType="CA", BatchNumber=65) == "(BatchRecordType='CA',BatchNumber=65)"
    )
    assert odata.entity_path("IC/ICItems", "A1-105/0") == "IC/ICItems('A1-105%2F0')"
    with pytest.raises(ValueError, match="whole"):
        odata.key(Decimal("1.5"))
    assert odata.all_of("a eq 1", None, "b eq 2") == "(a eq 1) and (b eq 2)"


def test_one_of_filters_stay_under_the_query_string_limit() -> None:
    values = [f"customer-{i:04}@example.test" for i in range(200)] + ["customer-0000@example.test"]
    chunks = list(odata.one_of("Email", values, max_chars=600))
    assert len(chunks) > 1
    assert all(odata.encoded_len(c) <= 600 for c in chunks)
    found = [part.split(" eq ")[1] for c in chunks for part in c.split(" or ")]
    assert found == [odata.text(v) for v in dict.fromkeys(values)]


def test_json_numbers_are_exact_and_bodies_are_json_text() -> None:
    response = httpx.Response(200, json={"Price": 0.1, "Qty": 3})
    assert odata.exact_json(response) == {"Price": Decimal("0.1"), "Qty": 3}
    assert resources.COMMON_HEADERS["Content-Type"] == "application/json"
    assert json.loads(b'{"a": 1}') == {"a": 1}
