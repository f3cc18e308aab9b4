"""Shift4Shop (3dcart) REST API v1 emulator: order and ship-to writes over HTTPS.

`PUT /Orders/{id}/Shipments[/{shipmentid}]`, `POST /Orders/{id}/Shipments` and the order status
PUT's effect on ship-tos: Key/Value/Status/Message answers, per-item failures inside a 200,
validation errors naming the field, LastUpdate bumps visible through `lastupdatestart`. Every
test restores the snapshot taken before it.
"""

from __future__ import annotations

import httpx
import pytest

from connectors.clock import utcnow
from sandbox.seed import SeedWorld
from tests.sandbox import test_shift4shop_emulator as base
from tests.sandbox.test_shift4shop_emulator import fetch_all, local

# The shared module-scoped fixtures (this module gets its own sandbox).
api = base.api
emu = base.emu
restore = base.restore
sandbox = base.sandbox
world = base.world

pytestmark = pytest.mark.usefixtures("restore")


def results(r: httpx.Response) -> list[tuple[str, str, str]]:
    return [(e["Key"], e["Value"], e["Status"]) for e in r.json()]


def since_now(fmt: str = "%m/%d/%Y %H:%M:%S") -> str:
    """The business clock's "now" as a store-local filter value (or in `fmt`)."""
    return local(utcnow().replace(microsecond=0), fmt)


# --- shipments -----------------------------------------------------------------------------
def test_put_one_shipment_marks_it_shipped_without_touching_the_order_status(
    api: httpx.Client, world: SeedWorld
) -> None:
    order = next(o for o in world.orders if o.status_id == 2 and o.shipments)
    sid = order.shipments[0].shipment_id
    since, since_now_iso = since_now(), since_now("%Y-%m-%dT%H:%M:%S")
    body = {
        "ShipmentTrackingCode": "1ZSBX0001",
        "ShipmentShippedDate": "11/22/2026",
        "ShipmentOrderStatus": 4,
        "ShipmentMethodName": "UPS Ground",
        "ShipmentBoxes": 2,
        "ShipmentInternalComment": "two boxes",
        "ShipmentCost": 7.5,
        "ShipmentWeight": 3.25,
    }
    r = api.put(f"/Orders/{order.order_id}/Shipments/{sid}", json=body)
    assert r.status_code == 200, r.text
    assert r.json() == [
        {"Key": "ShipmentID", "Value": str(sid), "Status": "200", "Message": "updated successfully"}
    ]
    row = api.get(f"/Orders/{order.order_id}").json()[0]
    shown = row["ShipmentList"][0]
    assert {k: shown[k] for k in body} == body
    assert row["OrderStatusID"] == 2  # not derived from the ship-tos
    assert row["OrderAmount"] == float(order.total)
    assert row["LastUpdate"] >= since_now_iso
    assert shown["ShipmentLastUpdate"] == row["LastUpdate"]
    changed = [o["OrderID"] for o in fetch_all(api, lastupdatestart=since)]
    assert changed == [order.order_id]


def test_batch_shipment_put_reports_each_item(api: httpx.Client, world: SeedWorld) -> None:
    order = next(o for o in world.orders if len(o.shipments) == 2)
    first, second = (s.shipment_id for s in order.shipments)
    body = [
        {"ShipmentID": first, "ShipmentTrackingCode": "T-1"},
        {"ShipmentID": 424242, "ShipmentTrackingCode": "T-2"},
        {"ShipmentID": second, "ShipmentShippedDate": "2026-11-22"},
        {"ShipmentID": second, "ShipmentTrackingCode": "X" * 101},
        {"ShipmentTrackingCode": "no id"},
    ]
    r = api.put(f"/Orders/{order.order_id}/Shipments", json=body)
    assert r.status_code == 200
    assert results(r) == [
        ("ShipmentID", str(first), "200"),
        ("ShipmentID", "424242", "404"),
        ("ShipmentID", str(second), "400"),
        ("ShipmentID", str(second), "400"),
        ("ShipmentID", "", "400"),
    ]
    messages = [e["Message"] for e in r.json()]
    assert "ShipmentShippedDate" in messages[2]
    assert "ShipmentTrackingCode" in messages[3]
    assert "100" in messages[3]
    shown = api.get(f"/Orders/{order.order_id}/Shipments").json()
    assert [s["ShipmentTrackingCode"] for s in shown] == ["T-1", order.shipments[1].tracking]
    r = api.put("/Orders/999999/Shipments", json=body[:1])
    assert r.status_code == 404
    assert r.json()[0]["Key"] == "Error"


def test_single_shipment_errors_are_whole_request_errors(
    api: httpx.Client, world: SeedWorld
) -> None:
    order = next(o for o in world.orders if o.shipments)
    sid = order.shipments[0].shipment_id
    r = api.put(f"/Orders/{order.order_id}/Shipments/{sid}", json={"ShipmentOrderStatus": 99})
    assert r.status_code == 400
    assert r.json()[0]["Key"] == "Error"
    assert "ShipmentOrderStatus" in r.json()[0]["Message"]
    assert (
        api.put(f"/Orders/{order.order_id}/Shipments/7", json={"ShipmentBoxes": 1}).status_code
        == 404
    )
    r = api.put(f"/Orders/{order.order_id}/Shipments/{sid}", json={"Unknown": 1})
    assert r.status_code == 400
    assert "Nothing to update" in r.json()[0]["Message"]


def test_post_shipment_adds_a_ship_to(api: httpx.Client, world: SeedWorld) -> None:
    order = next(o for o in world.orders if not o.shipments)
    since = since_now()
    body = {
        "ShipmentFirstName": "Ada",
        "ShipmentLastName": "Gift",
        "ShipmentAddress": "1 Queen St",
        "ShipmentCity": "Toronto",
        "ShipmentState": "ON",
        "ShipmentZipCode": "M5V 2T6",
        "ShipmentCountry": "ca",
        "ShipmentMethodName": "Expedited (1-2 business days)",
        "ShipmentCost": 9.99,
    }
    r = api.post(f"/Orders/{order.order_id}/Shipments", json=body)
    assert r.status_code == 201, r.text
    ((key, value, status),) = results(r)
    assert (key, status, r.json()[0]["Message"]) == ("ShipmentID", "201", "Created successfully")
    (shown,) = api.get(f"/Orders/{order.order_id}/Shipments").json()
    assert shown["ShipmentID"] == int(value) > 0
    assert shown["ShipmentCountry"] == "CA"
    assert shown["ShipmentMethodID"] == 3
    assert shown["ShipmentCity"] == "Toronto"
    assert shown["ShipmentEmail"] == order.customer.email  # missing fields: the customer's
    assert shown["ShipmentShippedDate"] == ""
    assert order.order_id in [o["OrderID"] for o in fetch_all(api, lastupdatestart=since)]
    r = api.post(f"/Orders/{order.order_id}/Shipments", json=[{}, {"ShipmentCountry": "Canada"}])
    assert r.status_code == 200
    assert [s for _, _, s in results(r)] == ["201", "400"]
    assert "ShipmentCountry" in r.json()[1]["Message"]
    ids = [int(value), int(r.json()[0]["Value"])]
    assert [s["ShipmentID"] for s in api.get(f"/Orders/{order.order_id}/Shipments").json()] == ids
    assert api.post("/Orders/999999/Shipments", json=body).status_code == 404


def test_order_status_put_still_works_and_ships_pending_ship_tos(
    api: httpx.Client, world: SeedWorld
) -> None:
    order = next(o for o in world.orders if o.status_id == 3 and len(o.shipments) == 2)
    r = api.put("/Orders", json=[{"OrderID": order.order_id, "OrderStatusID": 4}])
    assert results(r) == [("OrderID", str(order.order_id), "200")]
    first, second = api.get(f"/Orders/{order.order_id}/Shipments").json()
    shipped = order.shipments[0].shipped_at
    assert shipped is not None
    assert first["ShipmentShippedDate"] == local(shipped, "%m/%d/%Y")
    assert second["ShipmentShippedDate"] == local(utcnow(), "%m/%d/%Y")
