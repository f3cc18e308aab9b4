"""Dates on the Salesforce org emulator (REST API v42.0–v62.0): SOQL date literals on date and
datetime fields, evaluated in UTC on the business clock; record stamps and the daily request
count on that clock; the front end's 414 for over-long URLs.

Every expectation is computed from `connectors.clock.utcnow()` (which tests/conftest.py pins to
the seed's anchor day), never from today's date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import quote

import httpx
import pytest

from connectors.clock import utcnow
from sandbox.runner import Sandbox
from sandbox.salesforce import SalesforceEmulator
from sandbox.salesforce.date_literals import day_range
from tests.sandbox.sf_helpers import emulator, rows

DAY = dt.timedelta(days=1)


def today() -> dt.date:
    return utcnow().date()


def _sunday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


def _month_start(day: dt.date, shift: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 + shift
    return dt.date(index // 12, index % 12 + 1, 1)


# Independent definitions of the ranges (half-open [start, end)), written from the docs.
EXPECTED: dict[str, Callable[[dt.date], tuple[dt.date, dt.date]]] = {
    "TODAY": lambda t: (t, t + DAY),
    "YESTERDAY": lambda t: (t - DAY, t),
    "TOMORROW": lambda t: (t + DAY, t + 2 * DAY),
    "LAST_N_DAYS:3": lambda t: (t - 3 * DAY, t + DAY),  # includes today
    "NEXT_N_DAYS:3": lambda t: (t + DAY, t + 4 * DAY),  # starts tomorrow
    "N_DAYS_AGO:5": lambda t: (t - 5 * DAY, t - 4 * DAY),
    "THIS_WEEK": lambda t: (_sunday(t), _sunday(t) + 7 * DAY),
    "LAST_WEEK": lambda t: (_sunday(t) - 7 * DAY, _sunday(t)),
    "THIS_MONTH": lambda t: (_month_start(t), _month_start(t, 1)),
    "LAST_MONTH": lambda t: (_month_start(t, -1), _month_start(t)),
}
OFFSETS = range(-45, 46)  # one order per day around today


@pytest.fixture(scope="module")
def dated(api: httpx.Client) -> dict[str, dt.date]:
    """Orders with EffectiveDate and payments with Processed_At__c on every day around today."""
    book = rows(api, "SELECT Id FROM Pricebook2 WHERE IsStandard = true")[0]["Id"]
    account = api.post("/sobjects/Account", json={"Name": "Dated"}).json()["id"]
    out: dict[str, dt.date] = {}
    orders = [
        {
            "attributes": {"type": "Order"},
            "AccountId": account,
            "Pricebook2Id": book,
            "Status": "Draft",
            "EffectiveDate": (today() + n * DAY).isoformat(),
            "Storebridge_Id__c": f"DATED-{n}",
        }
        for n in OFFSETS
    ]
    response = api.post("/composite/sobjects", json={"allOrNone": True, "records": orders})
    assert all(r["success"] for r in response.json()), response.text
    for n, result in zip(OFFSETS, response.json(), strict=True):
        out[result["id"]] = today() + n * DAY
        # 23:59:59 of the day before and 00:00:00 of the day: the boundaries of each range
        for moment in ("T00:00:00Z", "T23:59:59Z"):
            api.post(
                "/sobjects/Storebridge_Payment__c",
                json={
                    "Order__c": result["id"],
                    "Kind__c": "Sale",
                    "Processed_At__c": (today() + n * DAY).isoformat() + moment,
                },
            )
    return out


def _ids(api: httpx.Client, soql: str) -> set[str]:
    return {r["Id"] for r in rows(api, soql)}


@pytest.mark.parametrize("literal", sorted(EXPECTED))
def test_date_literal_on_a_date_field(
    api: httpx.Client, dated: dict[str, dt.date], literal: str
) -> None:
    start, end = EXPECTED[literal](today())
    base = "SELECT Id FROM Order WHERE Storebridge_Id__c LIKE 'DATED-%' AND EffectiveDate"
    checks = {
        "=": lambda d: start <= d < end,
        "!=": lambda d: not start <= d < end,
        "<": lambda d: d < start,
        "<=": lambda d: d < end,
        ">": lambda d: d >= end,
        ">=": lambda d: d >= start,
    }
    for op, test in checks.items():
        expected = {rid for rid, day in dated.items() if test(day)}
        assert _ids(api, f"{base} {op} {literal}") == expected, op
    assert any(start <= d < end for d in dated.values())  # the range is not empty


@pytest.mark.parametrize("literal", ["TODAY", "YESTERDAY", "LAST_N_DAYS:3", "THIS_WEEK"])
def test_date_literal_on_a_datetime_field(
    api: httpx.Client, dated: dict[str, dt.date], literal: str
) -> None:
    start, end = EXPECTED[literal](today())
    found = rows(
        api,
        "SELECT Processed_At__c FROM Storebridge_Payment__c WHERE "
        f"Processed_At__c = {literal} AND Order__r.Storebridge_Id__c LIKE 'DATED-%'",
    )
    days = sorted({dt.date.fromisoformat(r["Processed_At__c"][:10]) for r in found})
    assert days == [start + n * DAY for n in range((end - start).days)]
    assert len(found) == 2 * len(days)  # both 00:00:00 and 23:59:59 of each day


def test_in_with_date_literals_and_created_date(
    api: httpx.Client, dated: dict[str, dt.date]
) -> None:
    soql = (
        "SELECT Id FROM Order WHERE Storebridge_Id__c LIKE 'DATED-%' AND EffectiveDate IN "
        f"(YESTERDAY, TOMORROW, {(today() + 10 * DAY).isoformat()})"
    )
    expected = {rid for rid, d in dated.items() if (d - today()).days in (-1, 1, 10)}
    assert _ids(api, soql) == expected
    # records written now carry today's (business) date; the seed is a year old
    created = "SELECT COUNT() FROM Order WHERE Storebridge_Id__c LIKE 'DATED-%' AND CreatedDate"
    assert api.get("/query", params={"q": f"{created} = TODAY"}).json()["totalSize"] == len(dated)
    old = api.get(
        "/query", params={"q": "SELECT COUNT() FROM Product2 WHERE CreatedDate < LAST_N_DAYS:300"}
    ).json()
    assert old["totalSize"] > 0


def test_day_range_matches_the_documented_examples() -> None:
    monday = dt.date(2026, 11, 23)
    assert day_range("LAST_N_DAYS", 1, monday) == (dt.date(2026, 11, 22), dt.date(2026, 11, 24))
    assert day_range("THIS_WEEK", None, monday) == (dt.date(2026, 11, 22), dt.date(2026, 11, 29))
    assert day_range("LAST_MONTH", None, dt.date(2026, 1, 15)) == (
        dt.date(2025, 12, 1),
        dt.date(2026, 1, 1),
    )


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT Id FROM Order WHERE Status = TODAY", "INVALID_QUERY_FILTER_OPERATOR"),
        ("SELECT Id FROM Account WHERE IsDeleted = YESTERDAY", "INVALID_QUERY_FILTER_OPERATOR"),
        ("SELECT Id FROM Account WHERE CreatedDate = LAST_N_FOOS:3", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS", "MALFORMED_QUERY"),
    ],
)
def test_date_literal_errors(api: httpx.Client, soql: str, code: str) -> None:
    response = api.get("/query", params={"q": soql})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == code


def test_stamps_and_usage_day_follow_the_business_clock(sb: Sandbox, api: httpx.Client) -> None:
    emu = emulator(sb)
    created = api.post("/sobjects/Account", json={"Name": "Clocked"}).json()["id"]
    row = api.get(f"/sobjects/Account/{created}").json()
    moment = dt.datetime.fromisoformat(row["CreatedDate"])
    assert abs(moment - utcnow()) < dt.timedelta(minutes=5)
    assert emu.dump()["usage"]["day"] == today().isoformat()


# --- 414 ---------------------------------------------------------------------------------------
def _query_url(api: httpx.Client, length: int) -> str:
    """An absolute /query URL whose path + query string is exactly `length` bytes."""
    path = "/services/data/v59.0/query"
    head = "SELECT Id FROM Account WHERE Name IN ('"
    filler = length - len(path) - len("?q=") - len(quote(head)) - len(quote("')"))
    query = quote(head + "x" * filler + "')")
    assert len(path) + 1 + len("q=" + query) == length
    return f"{api.base_url.scheme}://{api.base_url.netloc.decode()}{path}?q={query}"


def test_url_longer_than_16384_bytes_is_414(sb: Sandbox, api: httpx.Client) -> None:
    emu: SalesforceEmulator = emulator(sb)
    key = "GET /services/data/v{version}/query"
    assert api.get(_query_url(api, 16384)).status_code == 200  # the limit itself is fine
    before, used = emu.count(key), emu.api_requests_today()
    refused = api.get(_query_url(api, 16385))
    assert refused.status_code == 414
    assert refused.headers["content-type"].startswith("text/html")
    assert "414 Request-URI Too Large" in refused.text
    assert (emu.count(key), emu.api_requests_today()) == (before + 1, used + 1)


def test_over_long_urls_outside_the_data_api(sb: Sandbox, api: httpx.Client) -> None:
    base = f"{api.base_url.scheme}://{api.base_url.netloc.decode()}"
    long = "x" * 16400
    unrouted = api.get(f"/nothing/here?pad={long}")  # no route matches: still the front end's
    token = api.post(f"{base}/services/oauth2/token?pad={long}", data={"grant_type": "x"})
    assert (unrouted.status_code, token.status_code) == (414, 414)
    assert "414 Request-URI Too Large" in token.text
