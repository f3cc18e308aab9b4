"""Writes of the Dynamics 365 emulator: creates, alternate-key upserts, binds, state, prices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from connectors.http.jsonx import dumps
from tests.sandbox.d365_helpers import Running, body, running_fixture

ORDER = "salesorders(storebridge_id='shift4shop:order:1001')"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    yield from running_fixture(tmp_path_factory)


@pytest.fixture
def api(running: Running) -> Iterator[httpx.Client]:
    running.restore()
    with running.client() as c:
        yield c
    running.restore()


def order_row(running: Running) -> dict[str, Any]:
    row = running.emu.row("salesorders", "storebridge_id='shift4shop:order:1001'")
    assert row is not None
    return row


def ids(running: Running) -> dict[str, Any]:
    store = running.emu.store
    product = store.rows("products")[0]
    return {
        "account": store.rows("accounts")[0]["accountid"],
        "level": store.rows("pricelevels")[0]["pricelevelid"],
        "uom": store.rows("uoms")[0]["uomid"],
        "product": product,
    }


def order_body(running: Running) -> dict[str, Any]:
    i = ids(running)
    return {
        "name": "Store order 1001",
        "customerid_account@odata.bind": f"/accounts({i['account']})",
        "pricelevelid@odata.bind": f"/pricelevels({i['level']})",
        "freightamount": 5,
    }


def line_body(running: Running, qty: int = 2, **extra: Any) -> dict[str, Any]:
    i = ids(running)
    return {
        "salesorderid@odata.bind": f"/{ORDER}",
        "productid@odata.bind": f"/products({i['product']['productid']})",
        "uomid@odata.bind": f"/uoms({i['uom']})",
        "quantity": qty,
        **extra,
    }


def test_create_204_with_entity_id_and_201_with_representation(
    api: httpx.Client, running: Running
) -> None:
    r = api.post("accounts", json={"name": "Acme", "storebridge_id": "shift4shop:customer:1"})
    assert r.status_code == 204
    assert r.content == b""
    entity = r.headers["OData-EntityId"]
    assert entity.startswith(f"{running.api}/accounts(")
    r = api.post("accounts", json={"name": "Beta"}, headers={"Prefer": "return=representation"})
    assert r.status_code == 201
    assert body(r)["name"] == "Beta"
    assert body(r)["@odata.etag"].startswith('W/"')
    dup = api.post(
        "accounts", json={"name": "Acme again", "storebridge_id": "shift4shop:customer:1"}
    )
    assert dup.status_code == 412
    assert dup.json()["error"]["code"] == "0x80040237"


def test_alternate_key_upsert_and_conditions(api: httpx.Client, running: Running) -> None:
    key = "contacts(storebridge_id='shift4shop:customer:7')"
    assert api.patch(key, json={"lastname": "Doe"}, headers={"If-Match": "*"}).status_code == 404
    created = api.patch(key, json={"firstname": "Ann", "lastname": "Doe"})
    assert created.status_code == 204
    assert "contacts(" in created.headers["OData-EntityId"]
    again = api.patch(key, json={"lastname": "Roe"}, headers={"Prefer": "return=representation"})
    assert again.status_code == 200
    assert body(again)["fullname"] == "Ann Roe"
    assert len(running.emu.store.find("contacts", "storebridge_id", "shift4shop:customer:7")) == 1
    none_match = api.patch(key, json={"lastname": "X"}, headers={"If-None-Match": "*"})
    assert none_match.status_code == 412
    stale = api.patch(key, json={"lastname": "X"}, headers={"If-Match": 'W/"1"'})
    assert stale.status_code == 412
    assert "RowVersion" in stale.json()["error"]["message"]
    etag = body(api.get(key))["@odata.etag"]
    assert api.patch(key, json={"lastname": "Fine"}, headers={"If-Match": etag}).status_code == 204
    quoted = api.patch(
        "contacts(storebridge_id='shift4shop:customer:O''Brien')", json={"lastname": "O'Brien"}
    )
    assert quoted.status_code == 204
    assert running.emu.row("contacts", "storebridge_id='shift4shop:customer:O''Brien'") is not None


def test_bind_by_alternate_key_and_bad_payloads(api: httpx.Client, running: Running) -> None:
    nine = "storebridge_id='shift4shop:customer:9'"
    dead = "00000000-0000-0000-0000-00000000dead"
    assert (
        api.patch(
            "accounts(storebridge_id='shift4shop:customer:9')", json={"name": "Nine"}
        ).status_code
        == 204
    )
    r = api.patch(
        "contacts(storebridge_id='shift4shop:customer:9')",
        json={
            "lastname": "Nine",
            "parentcustomerid_account@odata.bind": f"/accounts({nine})",
        },
    )
    assert r.status_code == 204
    contact = running.emu.row("contacts", "storebridge_id='shift4shop:customer:9'")
    account = running.emu.row("accounts", "storebridge_id='shift4shop:customer:9'")
    assert contact
    assert account
    assert contact["_parentcustomerid_value"] == account["accountid"]
    assert api.post("contacts", json={"nosuch": 1}).status_code == 400
    assert (
        api.post("contacts", json={"_parentcustomerid_value": account["accountid"]}).status_code
        == 400
    )
    missing = api.post(
        "contacts",
        json={
            "lastname": "X",
            "parentcustomerid_account@odata.bind": f"/accounts({dead})",
        },
    )
    assert missing.status_code == 404
    money = api.patch(ORDER, json={**order_body(running), "freightamount": "5.00"})
    assert money.status_code == 400
    assert money.json()["error"]["code"] == "0x80048d19"


def test_order_lines_prices_totals_and_override(api: httpx.Client, running: Running) -> None:
    assert api.patch(ORDER, json=order_body(running)).status_code == 204
    product = ids(running)["product"]
    list_price = running.emu.store.find(
        "productpricelevels", "_productid_value", product["productid"]
    )[0]["amount"]
    line = api.post(
        "salesorderdetails", json=line_body(running, 2), headers={"Prefer": "return=representation"}
    )
    assert line.status_code == 201, line.text
    assert body(line)["priceperunit"] == list_price
    override = line_body(running, 1, ispriceoverridden=True, priceperunit=Decimal("1.10"))
    over = api.post(
        "salesorderdetails", content=dumps(override), headers={"Content-Type": "application/json"}
    )
    assert over.status_code == 204
    order = body(api.get(ORDER, params={"$select": "totallineitemamount,totalamount,ordernumber"}))
    assert order["totallineitemamount"] == list_price * 2 + Decimal("1.10")
    assert order["totalamount"] == order["totallineitemamount"] + 5
    assert str(order["ordernumber"]).startswith("ORD-")
    no_uom = line_body(running)
    del no_uom["uomid@odata.bind"]
    assert api.post("salesorderdetails", json=no_uom).status_code == 400


def test_state_rules_and_fulfil_action(api: httpx.Client, running: Running) -> None:
    assert api.patch(ORDER, json=order_body(running)).status_code == 204
    assert api.post("salesorderdetails", json=line_body(running)).status_code == 204
    bad_pair = api.patch(ORDER, json={"statecode": 3, "statuscode": 1})
    assert bad_pair.status_code == 400
    assert api.post("salesorders", json={**order_body(running), "statecode": 3}).status_code == 400
    order_id = order_row(running)["salesorderid"]
    r = api.post(
        "FulfillSalesOrder",
        json={
            "OrderClose": {
                "salesorderid@odata.bind": f"/salesorders({order_id})",
                "subject": "shipped",
            },
            "Status": 100001,
        },
    )
    assert r.status_code == 204, r.text
    order = body(api.get(ORDER, params={"$select": "statecode,statuscode,datefulfilled"}))
    assert (order["statecode"], order["statuscode"]) == (3, 100001)
    assert order["datefulfilled"]
    locked = api.post("salesorderdetails", json=line_body(running))
    assert locked.status_code == 400
    assert "closed" in locked.json()["error"]["message"]
    assert api.patch(ORDER, json={"statecode": 0, "statuscode": 1}).status_code == 400
    assert api.patch(ORDER, json={"storebridge_trackingnumber": "1Z"}).status_code == 204


def test_valid_state_pair_by_patch(api: httpx.Client, running: Running) -> None:
    assert api.patch(ORDER, json=order_body(running)).status_code == 204
    assert api.patch(ORDER, json={"statecode": 3, "statuscode": 100002}).status_code == 204
    assert order_row(running)["statuscode"] == 100002


def test_stamps_follow_the_business_clock(api: httpx.Client, running: Running) -> None:
    moment = dt.datetime(2027, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    running.emu.clock = lambda: moment
    try:
        r = api.post(
            "accounts", json={"name": "Clocked"}, headers={"Prefer": "return=representation"}
        )
        row = body(r)
        assert row["createdon"] == row["modifiedon"] == "2027-01-02T03:04:05Z"
        before = row["versionnumber"]
        running.emu.clock = lambda: moment + dt.timedelta(minutes=1)
        api.patch(f"accounts({row['accountid']})", json={"name": "Clocked 2"})
        after = running.emu.store.get("accounts", row["accountid"])
        assert after is not None
        assert after["modifiedon"] == "2027-01-02T03:05:05Z"
        assert after["versionnumber"] > before
    finally:
        from connectors.clock import utcnow

        running.emu.clock = utcnow


def test_helpers_reprice_restock_fulfil_and_demo(running: Running) -> None:
    running.restore()
    emu = running.emu
    sku = running.world.products[0].sku
    emu.set_price(sku, "12.34")
    emu.set_stock(sku, 7, "EAST")
    product = emu.product_by_sku(sku)
    assert product["price"] == Decimal("12.34")
    items = emu.store.find("productpricelevels", "_productid_value", product["productid"])
    assert items[0]["amount"] == Decimal("12.34")
    stock = {
        r["_msdyn_warehouse_value"]: r["msdyn_qtyonhand"]
        for r in emu.store.find(
            "msdyn_productinventories", "_msdyn_product_value", product["productid"]
        )
    }
    east = emu.store.find("msdyn_warehouses", "msdyn_name", "EAST")[0]["msdyn_warehouseid"]
    assert stock[east] == 7
    assert product["quantityonhand"] == sum(stock.values())
    with running.client() as api:
        api.patch(ORDER, json=order_body(running))
    done = emu.demo_activity()
    assert any("fulfilled shift4shop:order:1001" in line for line in done)
    assert order_row(running)["statecode"] == 3
    running.restore()
