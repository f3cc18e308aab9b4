"""OData reads of the Dynamics 365 emulator over HTTPS: $select, $filter, paging, $expand."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from sandbox.dynamics365 import PRICE_LEVEL
from tests.sandbox.d365_helpers import Running, body, running_fixture


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    yield from running_fixture(tmp_path_factory)


@pytest.fixture(scope="module")
def api(running: Running) -> Iterator[httpx.Client]:
    with running.client() as c:
        yield c


def values(api: httpx.Client, path: str, **params: str) -> list[dict[str, Any]]:
    r = api.get(path, params=params)
    assert r.status_code == 200, r.text
    rows: list[dict[str, Any]] = body(r)["value"]
    return rows


def test_select_etag_and_lookup_values(api: httpx.Client, running: Running) -> None:
    rows = values(api, "contacts", **{"$select": "fullname,emailaddress1,_parentcustomerid_value"})
    assert len(rows) == len(running.world.crm_contacts)
    row = rows[0]
    assert set(row) == {
        "@odata.etag",
        "fullname",
        "emailaddress1",
        "_parentcustomerid_value",
        "contactid",
    }
    assert str(row["@odata.etag"]).startswith('W/"')
    account = running.emu.store.get("accounts", str(row["_parentcustomerid_value"]))
    assert account is not None


def test_filter_operators(api: httpx.Client, running: Running) -> None:
    sku = running.world.products[0].sku
    assert [
        r["productnumber"]
        for r in values(
            api,
            "products",
            **{"$select": "productnumber", "$filter": f"productnumber eq '{sku.lower()}'"},
        )
    ] == [sku]  # case-insensitive, as the SQL collation
    cheap = values(
        api, "products", **{"$select": "price", "$filter": "price lt 20 and statecode eq 0"}
    )
    expected = sum(1 for p in running.emu.store.rows("products") if p["price"] < Decimal(20))
    assert len(cheap) == expected > 0
    both = values(
        api,
        "products",
        **{
            "$select": "productnumber",
            "$filter": f"(productnumber eq '{sku}' or startswith(productnumber,'SB-TEE-001')) and "
            "not contains(name,'zzz')",
        },
    )
    assert sku in {r["productnumber"] for r in both}
    assert len(both) >= 1


def test_in_null_guid_date_and_quotes(api: httpx.Client, running: Running) -> None:
    skus = [p.sku for p in running.world.products[:3]]
    listed = ",".join(f"'{s}'" for s in skus)
    rows = values(
        api,
        "products",
        **{
            "$select": "productnumber",
            "$filter": "Microsoft.Dynamics.CRM.In(PropertyName='productnumber',"
            f"PropertyValues=[{listed}])",
        },
    )
    assert sorted(r["productnumber"] for r in rows) == sorted(skus)
    assert values(api, "accounts", **{"$filter": "storebridge_id eq null", "$select": "name"})
    contact = running.emu.store.rows("contacts")[0]
    by_guid = values(
        api,
        "contacts",
        **{
            "$select": "contactid",
            "$filter": f"_parentcustomerid_value eq {contact['_parentcustomerid_value']}",
        },
    )
    assert contact["contactid"] in {r["contactid"] for r in by_guid}
    assert (
        values(
            api,
            "contacts",
            **{"$select": "contactid", "$filter": "modifiedon ge 2026-01-01T00:00:00Z"},
        )
        == []
    )
    assert (
        values(api, "accounts", **{"$select": "name", "$filter": "name eq 'O''Brien & Co'"}) == []
    )


def test_bad_column_and_syntax_errors(api: httpx.Client) -> None:
    r = api.get("contacts", params={"$select": "nosuchcolumn"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "0x80060888"
    r = api.get("contacts", params={"$filter": "lastname eq"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "0x8006088a"
    r = api.get("nosuchset")
    assert r.status_code == 404


def test_orderby_top_count(api: httpx.Client, running: Running) -> None:
    r = api.get(
        "products",
        params={
            "$select": "price,productnumber",
            "$orderby": "price desc,productnumber",
            "$top": "5",
            "$count": "true",
        },
    )
    data = body(r)
    prices = [row["price"] for row in data["value"]]
    assert len(prices) == 5
    assert prices == sorted(prices, reverse=True)
    assert data["@odata.count"] == len(running.emu.store.rows("products"))
    assert "@odata.nextLink" not in data


def test_maxpagesize_paging_follows_next_link(api: httpx.Client, running: Running) -> None:
    seen: list[str] = []
    url: str | None = "products?$select=productnumber"
    pages = 0
    while url:
        r = api.get(url, headers={"Prefer": "odata.maxpagesize=60"})
        assert r.headers["Preference-Applied"] == "odata.maxpagesize=60"
        data = body(r)
        assert len(data["value"]) <= 60
        seen += [row["productnumber"] for row in data["value"]]
        url = data.get("@odata.nextLink")
        if url:
            assert "$skiptoken=" in url
        pages += 1
    total = len(running.emu.store.rows("products"))
    assert pages == -(-total // 60)
    assert sorted(seen) == sorted(p["productnumber"] for p in running.emu.store.rows("products"))


def test_expand_single_valued_lookup(api: httpx.Client) -> None:
    rows = values(
        api,
        "contacts",
        **{"$select": "fullname", "$expand": "parentcustomerid_account($select=name)"},
    )
    assert all(set(r["parentcustomerid_account"]) >= {"name", "accountid"} for r in rows)
    items = values(
        api,
        "productpricelevels",
        **{
            "$select": "amount",
            "$expand": "productid($select=productnumber),pricelevelid($select=name)",
        },
    )
    assert {i["pricelevelid"]["name"] for i in items} == {PRICE_LEVEL}
    assert all(isinstance(i["amount"], Decimal) for i in items)


def test_get_by_key_and_annotations(api: httpx.Client, running: Running) -> None:
    contact = running.emu.store.rows("contacts")[0]
    r = api.get(
        f"contacts({contact['contactid']})",
        params={"$select": "fullname,_parentcustomerid_value"},
        headers={"Prefer": 'odata.include-annotations="*"'},
    )
    assert r.status_code == 200
    data = body(r)
    assert r.headers["ETag"] == data["@odata.etag"]
    assert data["_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"] == "account"
    missing = api.get("contacts(00000000-0000-0000-0000-000000000001)")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "0x80040217"
