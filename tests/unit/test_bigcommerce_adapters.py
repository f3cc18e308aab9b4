"""The BigCommerce adapters' own rules, over a fake client (no HTTP): what each target writes,
what it does not write again, and what it does when an answer was lost.

The end-to-end runs against the emulator are `tests/flows/test_bigcommerce_pair.py`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import pytest

from connectors.bigcommerce import models
from connectors.bigcommerce.writes import WriteResult
from connectors.http.errors import RecordError, TransientError
from connectors.records import Page
from connectors.state import Binding
from flows.ports import Item, Status
from flows.systems.bigcommerce.catalog import ProductTarget, differs
from flows.systems.bigcommerce.customers import CustomerHasher, CustomerTarget
from flows.systems.bigcommerce.fulfilment import FulfillmentHasher, FulfilmentTarget, ship_items
from flows.systems.bigcommerce.inventory import StockTarget, allocation, store_quantities
from flows.systems.bigcommerce.orders import split_ids
from transforms.canonical import (
    Customer,
    Fulfillment,
    OrderStatus,
    Product,
    Shipment,
    StockPosition,
)
from transforms.mapping import load_mapping, load_table

NOW = dt.datetime(2026, 11, 23, 1, tzinfo=dt.UTC)
SF = "salesforce"


def ref(entity: str, rid: str, system: str = SF) -> dict[str, str]:
    return {"system": system, "entity": entity, "id": rid}


def item(record: Any, target_id: str | None = None, payload_hash: str = "h") -> Item[Any]:
    """An `Item` as the engine hands it over: bound to `target_id`, or never written."""
    binding = (
        Binding(
            SF,
            record.ref.entity.value,
            record.ref.id,
            "bigcommerce",
            "x",
            target_id,
            "old",
            NOW,
            NOW,
        )
        if target_id is not None
        else None
    )
    return Item(record, payload_hash, binding)


class FakeStore:
    """The client methods the adapters call, over records in memory; every call is recorded.

    Writes change the records as BigCommerce would (a shipment ships its units and moves the
    status; `lose` makes the next create apply and then fail like a lost answer)."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.orders: dict[int, dict[str, Any]] = {}
        self.customers: dict[int, dict[str, Any]] = {}
        self.products: dict[int, dict[str, Any]] = {}
        self.stock: dict[str, dict[str, Any]] = {}
        self.refuse_skus: set[str] = set()
        self.lose = False
        self.next_id = 900

    def _new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    # --- orders ---------------------------------------------------------------------------
    def orders_by_id(self, ids: Iterable[int], *, with_shipments: bool = False) -> Page[Any]:
        self.calls.append("GET orders")
        return Page([models.Order.model_validate(self.orders[i]) for i in ids if i in self.orders])

    def order_shipments(self, order_id: int) -> list[models.Shipment]:
        self.calls.append("GET shipments")
        return [models.Shipment.model_validate(s) for s in self.orders[order_id]["shipments"]]

    def add_shipment(self, order_id: int, body: Mapping[str, Any]) -> models.Shipment:
        self.calls.append("POST shipment")
        order = self.orders[order_id]
        shipment = {"id": self._new_id(), "order_id": order_id, **body}
        order["shipments"].append(shipment)
        for line in body["items"]:
            product = next(p for p in order["products"] if p["id"] == line["order_product_id"])
            product["quantity_shipped"] += line["quantity"]
        left = any(p["quantity_shipped"] < p["quantity"] for p in order["products"])
        order["status_id"] = 3 if left else 2
        return models.Shipment.model_validate(shipment)

    def update_shipment(self, order_id: int, shipment_id: int, body: Mapping[str, Any]) -> None:
        self.calls.append("PUT shipment")
        found = next(s for s in self.orders[order_id]["shipments"] if s["id"] == shipment_id)
        found.update(body)

    def set_order_status(self, order_id: int, status_id: int) -> None:
        self.calls.append("PUT order")
        self.orders[order_id]["status_id"] = status_id

    # --- customers ------------------------------------------------------------------------
    def customers_by_email(self, emails: Iterable[str]) -> list[models.Customer]:
        self.calls.append("GET customers")
        wanted = set(emails)
        return [
            models.Customer.model_validate(c)
            for c in self.customers.values()
            if c["email"] in wanted
        ]

    def create_customers(self, items: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        self.calls.append("POST customers")
        out = []
        for n, body in enumerate(items):
            cid = self._new_id()
            self.customers[cid] = {"id": cid, **body}
            out.append(WriteResult(f"#{n}", 200, cid))
        if self.lose:
            self.lose = False
            raise TransientError("connection reset after the write")
        return out

    def update_customers(self, items: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        self.calls.append("PUT customers")
        for body in items:
            self.customers[body["id"]].update(body)
        return [WriteResult(f"c{b['id']}", 200, b["id"]) for b in items]

    # --- catalog --------------------------------------------------------------------------
    def products_by_sku(self, skus: Iterable[str]) -> list[models.Product]:
        self.calls.append("GET products")
        wanted = {s.lower() for s in skus}
        return [
            models.Product.model_validate(p)
            for p in self.products.values()
            if p["sku"].lower() in wanted
        ]

    def create_product(self, body: Mapping[str, Any]) -> models.Product:
        self.calls.append("POST product")
        if body["sku"] in self.refuse_skus:
            raise RecordError("422: price must be a number", status=422)
        pid = self._new_id()
        variants = [
            {"id": self._new_id(), "product_id": pid, **v} for v in body.get("variants", [])
        ]
        self.products[pid] = {**body, "id": pid, "variants": variants}
        if self.lose:
            self.lose = False
            raise RecordError("409: a product with this SKU exists", status=409)
        return models.Product.model_validate(self.products[pid])

    def update_products(self, items: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        self.calls.append("PUT products")
        for body in items:
            self.products[body["id"]].update(body)
        return [WriteResult(f"p{b['id']}", 200, b["id"]) for b in items]

    def update_variants(self, items: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        self.calls.append("PUT variants")
        return [WriteResult(f"v{b['id']}", 200, b["id"]) for b in items]

    def create_variant(self, product_id: int, body: Mapping[str, Any]) -> models.Variant:
        self.calls.append("POST variant")
        if any("id" not in ov for ov in body["option_values"]):  # a store that adds no values
            raise RecordError("422: option_values: Option value not found", status=422)
        variant = {"id": self._new_id(), **body}
        self.products[product_id]["variants"].append(variant)
        return models.Variant.model_validate(variant)

    def create_option(self, product_id: int, body: Mapping[str, Any]) -> models.CatalogOption:
        self.calls.append("POST option")
        values = [{"id": self._new_id(), **v} for v in body["option_values"]]
        return models.CatalogOption.model_validate(
            {"id": self._new_id(), **body, "option_values": values}
        )

    # --- inventory ------------------------------------------------------------------------
    def locations(self) -> list[models.Location]:
        self.calls.append("GET locations")
        return [models.Location(id=1, code="MAIN"), models.Location(id=2, code="EAST")]

    def inventory_items(self, skus: Iterable[str]) -> list[models.InventoryItem]:
        self.calls.append("GET items")
        return [models.InventoryItem.model_validate(self.stock[s]) for s in skus if s in self.stock]

    def adjust_absolute(self, items: Sequence[Mapping[str, Any]], reason: str) -> str:
        self.calls.append(f"PUT absolute x{len(items)}")
        if any(i.get("variant_id") == 666 for i in items):
            raise RecordError("422: Item with variant_id 666 is tracked by product", status=422)
        self.adjusted = list(items)
        return "tx-1"

    def close(self) -> None:
        pass


# --- value tables ---------------------------------------------------------------------------
def test_every_bigcommerce_status_id_has_a_canonical_status() -> None:
    table = load_table("bigcommerce/order_status")
    assert sorted(int(k) for k in table) == list(range(15))  # GET /v2/order_statuses: 0..14
    assert {OrderStatus(v["status"]) for v in table.values()} <= set(OrderStatus)
    assert table["0"]["status"] == "abandoned"  # Incomplete: never imported


def test_every_canonical_status_but_abandoned_maps_back_to_a_status_id() -> None:
    back = load_mapping("bigcommerce/fulfillment").tables["status"]
    assert set(back) == {s.value for s in OrderStatus} - {"abandoned"}
    forward = load_table("bigcommerce/order_status")
    for status, status_id in back.items():  # the way back lands on an id of that status
        assert forward[str(status_id)]["status"] == status


def test_ids_that_are_no_bigcommerce_id_fail_by_name() -> None:
    numeric, bad, nxt = split_ids(["101", "x1", "²", "0", "102"], None, "order")
    assert numeric == [101, 102]
    assert [f.external_id for f in bad] == ["x1", "²", "0"]
    assert "bigcommerce:order:x1" in bad[0].message
    assert nxt is None


# --- fulfilment -----------------------------------------------------------------------------
def store_order(status: int = 11) -> dict[str, Any]:
    line = {"quantity_shipped": 0, "base_price": "10.0000"}
    return {
        "id": 101,
        "customer_id": 7,
        "date_created": "Mon, 02 Nov 2026 10:00:00 +0000",
        "status_id": status,
        "total_inc_tax": "30.0000",
        "products": [
            {**line, "id": 10001, "sku": "SB-TEE-001-M", "quantity": 1, "order_address_id": 501},
            {**line, "id": 10002, "sku": "SB-MUG-002", "quantity": 2, "order_address_id": 502},
        ],
        "shipping_addresses": [{"id": 501}, {"id": 502}],
        "shipments": [],
    }


def fulfilment(
    status: str | None = "shipped", tracking: str | None = "1ZSB1", lines: Sequence[Any] = ()
) -> Fulfillment:
    shipment = Shipment(
        ref=ref("shipment", "801A-1"), carrier="UPS", tracking_number=tracking, lines=lines
    )
    return Fulfillment(
        ref=ref("fulfillment", "801A"),
        order=ref("order", "101", "bigcommerce"),
        status=status,
        shipments=[shipment] if tracking or lines else [],
    )


def fulfil_target(status: int = 11) -> tuple[FulfilmentTarget, FakeStore]:
    store = FakeStore()
    store.orders[101] = store_order(status)
    return FulfilmentTarget(client=store), store  # type: ignore[arg-type]


def test_a_shipment_without_lines_ships_what_is_left_once_per_ship_to() -> None:
    target, store = fulfil_target()
    result = target.load([item(fulfilment(), "101")])
    assert [o.status for o in result.outcomes] == [Status.UPDATED]
    posted = store.orders[101]["shipments"]
    assert sorted((s["order_address_id"], s["items"][0]["quantity"]) for s in posted) == [
        (501, 1),
        (502, 2),
    ]
    assert posted[0]["tracking_number"] == "1ZSB1"
    assert posted[0]["shipping_provider"] == "ups"
    # the shipments made it Shipped, which is what the back office says: no status call
    assert store.calls == ["GET orders", "POST shipment", "POST shipment"]
    assert store.orders[101]["status_id"] == 2


def test_the_same_load_again_adds_nothing() -> None:
    target, store = fulfil_target()
    target.load([item(fulfilment(), "101")])
    store.calls.clear()
    again = target.load([item(fulfilment(), "101")])  # a task retried after an applied write
    assert [o.status for o in again.outcomes] == [Status.UPDATED]
    assert store.calls == ["GET orders"]
    assert len(store.orders[101]["shipments"]) == 2


def test_shipped_lines_are_matched_by_line_reference_and_leave_it_partial() -> None:
    target, store = fulfil_target()
    line = {
        "sku": "sb-mug-002",
        "quantity": "2",
        "line": ref("order_line", "101-10002", "bigcommerce"),
    }
    target.load([item(fulfilment("partially_shipped", lines=[line]), "101")])
    (shipment,) = store.orders[101]["shipments"]
    assert shipment["items"] == [{"order_product_id": 10002, "quantity": 2}]
    assert shipment["order_address_id"] == 502
    assert store.orders[101]["status_id"] == 3
    assert "PUT order" not in store.calls


def test_a_line_the_order_does_not_have_fails_the_record_naming_the_sku() -> None:
    target, store = fulfil_target()
    line = {"sku": "SB-NOPE-9", "quantity": "1"}
    (outcome,) = target.load([item(fulfilment(lines=[line]), "101")]).outcomes
    assert outcome.status is Status.FAILED
    assert outcome.failure is not None
    assert "SB-NOPE-9" in outcome.failure.message
    assert "POST shipment" not in store.calls


def test_the_status_is_written_only_when_the_store_order_differs() -> None:
    target, store = fulfil_target(status=11)
    target.load([item(fulfilment("processing", tracking=None), "101")])
    assert store.calls == ["GET orders"]  # processing is Awaiting Fulfillment (11) already
    target.load([item(fulfilment("cancelled", tracking=None), "101")])
    assert store.calls[-1] == "PUT order"
    assert store.orders[101]["status_id"] == 5


def test_ship_items_never_ships_more_than_is_left() -> None:
    products = [
        models.OrderProduct(id=1, sku="A", quantity=Decimal(3), quantity_shipped=Decimal(2))
    ]
    shipment = Shipment(ref=ref("shipment", "s"), lines=[{"sku": "A", "quantity": "3"}])
    assert ship_items(shipment, products, {1: 1}) == ({1: 1}, None)
    assert ship_items(shipment, products, {1: 0}) == ({}, None)


def test_the_fulfilment_hash_moves_with_tracking_and_status() -> None:
    h = FulfillmentHasher()
    base = h.payload_hash(fulfilment())
    assert base == FulfillmentHasher().payload_hash(fulfilment())
    assert h.payload_hash(fulfilment(tracking="1ZSB2")) != base
    assert h.payload_hash(fulfilment("completed")) != base


# --- customers ------------------------------------------------------------------------------
def contact(
    cid: str = "003A", email: str = "ann@example.com", phone: str | None = "+1 555 0100"
) -> Customer:
    return Customer(
        ref=ref("customer", cid), email=email, first_name="Ann", last_name="Lee", phone=phone
    )


def customer_target(create_missing: bool = False) -> tuple[CustomerTarget, FakeStore]:
    store = FakeStore()
    store.customers[7] = {
        "id": 7,
        "email": "ann@example.com",
        "first_name": "Ann",
        "last_name": "Lee",
    }
    target = CustomerTarget(client=store, create_missing=create_missing)  # type: ignore[arg-type]
    return target, store


def test_a_linked_customer_gets_the_phone_and_unlinked_ones_cost_nothing() -> None:
    target, store = customer_target()
    result = target.load([item(contact(), "7"), item(contact("003B", "bob@example.com"))])
    by_id = {o.ref.id: o for o in result.outcomes}
    linked, unlinked = by_id["003A"], by_id["003B"]
    assert (linked.status, linked.target_id) == (Status.UPDATED, "7")
    assert linked.echo == contact()  # what the other direction reads back: not an edit
    assert unlinked.status is Status.SKIPPED
    assert store.calls == ["PUT customers"]
    assert store.customers[7]["phone"] == "+1 555 0100"
    assert len(store.customers) == 1  # no store account is made from a CRM contact


def test_a_contact_without_a_phone_is_bound_without_a_call() -> None:
    target, store = customer_target()
    (outcome,) = target.load([item(contact(phone=None), "7", payload_hash="hp")]).outcomes
    assert outcome.status is Status.UNCHANGED
    assert [b.payload_hash for b in outcome.binds] == ["hp"]
    assert store.calls == []


def test_create_missing_links_by_email_and_creates_the_rest_once() -> None:
    target, store = customer_target(create_missing=True)
    result = target.load([item(contact()), item(contact("003B", "bob@example.com"))])
    by_id = {o.ref.id: o for o in result.outcomes}
    ann, bob = by_id["003A"], by_id["003B"]
    assert (ann.status, ann.target_id) == (Status.CREATED, "7")  # found by e-mail, not created
    assert bob.status is Status.CREATED
    assert bob.target_id not in (None, "7")
    assert store.calls == ["GET customers", "POST customers", "PUT customers"]
    assert sorted(c["email"] for c in store.customers.values()) == [
        "ann@example.com",
        "bob@example.com",
    ]
    assert result.counters["store_customers_created"] == 1


def test_a_create_whose_answer_was_lost_is_found_on_the_retry() -> None:
    target, store = customer_target(create_missing=True)
    store.lose = True
    with pytest.raises(TransientError):
        target.load([item(contact("003B", "bob@example.com"))])
    (outcome,) = target.load([item(contact("003B", "bob@example.com"))]).outcomes
    assert outcome.ok
    assert sum(c["email"] == "bob@example.com" for c in store.customers.values()) == 1


def test_the_customer_hash_is_what_this_direction_owns() -> None:
    h = CustomerHasher()
    assert h.payload(contact()) == {"phone": "+1 555 0100"}
    moved = contact().model_copy(update={"first_name": "Anna"})  # the store owns the name
    assert h.payload_hash(moved) == h.payload_hash(contact())
    assert h.payload_hash(contact(phone="+1 555 0199")) != h.payload_hash(contact())


# --- catalog --------------------------------------------------------------------------------
def product(price: str = "25.00", variants: Sequence[dict[str, Any]] = ()) -> Product:
    return Product(
        ref=ref("product", "01tA"),
        sku="SB-TEE-001",
        name="Tee",
        price={"amount": Decimal(price), "currency": "USD"},
        variants=[{"ref": ref("variant", f"01tV{n}"), **v} for n, v in enumerate(variants)],
    )


SIZES = [
    {"sku": "SB-TEE-001-S", "options": [{"name": "Size", "value": "S"}]},
    {"sku": "SB-TEE-001-M", "options": [{"name": "Size", "value": "M"}]},
]


def store_product(store: FakeStore, variants: Sequence[dict[str, Any]] = ()) -> int:
    store.products[120] = {
        "id": 120,
        "sku": "SB-TEE-001",
        "name": "Tee",
        "price": Decimal("25"),
        "is_visible": True,
        "variants": [{"product_id": 120, **v} for v in variants],
    }
    return 120


def test_a_new_product_is_created_with_its_variants_by_option_name() -> None:
    store = FakeStore()
    target = ProductTarget(client=store)  # type: ignore[arg-type]
    result = target.load([item(product(variants=SIZES))])
    assert [o.status for o in result.outcomes] == [Status.CREATED]
    (created,) = store.products.values()
    assert created["inventory_tracking"] == "variant"
    assert created["weight"] == 0
    assert [v["option_values"] for v in created["variants"]] == [
        [{"option_display_name": "Size", "label": "S"}],
        [{"option_display_name": "Size", "label": "M"}],
    ]
    assert store.calls == ["GET products", "POST product"]


def test_a_product_the_store_holds_as_it_is_costs_no_write() -> None:
    store = FakeStore()
    store_product(store)
    (outcome,) = ProductTarget(client=store).load([item(product(), payload_hash="hp")]).outcomes  # type: ignore[arg-type]
    assert (outcome.status, outcome.target_id) == (Status.UNCHANGED, "120")
    assert [b.payload_hash for b in outcome.binds] == ["hp"]
    assert store.calls == ["GET products"]


def test_only_what_differs_is_sent() -> None:
    store = FakeStore()
    store_product(store)
    target = ProductTarget(client=store)  # type: ignore[arg-type]
    (outcome,) = target.load([item(product("27.50"), "120")]).outcomes
    assert outcome.status is Status.UPDATED
    assert store.calls == ["PUT products"]  # bound, no variants: no read
    assert store.products[120]["price"] == Decimal("27.50")
    assert (
        differs(
            {"price": Decimal("27.50"), "name": "Tee"},
            models.Product(id=1, name="Tee", price=Decimal("27.5")),
        )
        == {}
    )


def test_a_create_whose_answer_was_lost_updates_instead_of_creating_twice() -> None:
    store = FakeStore()
    store.lose = True
    result = ProductTarget(client=store).load([item(product())])  # type: ignore[arg-type]
    assert [o.ok for o in result.outcomes] == [True]
    assert len(store.products) == 1


def test_a_refused_product_is_a_record_failure() -> None:
    store = FakeStore()
    store.refuse_skus.add("SB-TEE-001")
    (outcome,) = ProductTarget(client=store).load([item(product())]).outcomes  # type: ignore[arg-type]
    assert outcome.status is Status.FAILED
    assert outcome.failure is not None
    assert "price" in outcome.failure.message


def test_a_new_size_of_an_existing_option_is_reported_naming_the_value() -> None:
    store = FakeStore()
    small = {
        "id": 301,
        "sku": "SB-TEE-001-S",
        "option_values": [{"id": 41, "option_id": 4, "label": "S", "option_display_name": "Size"}],
    }
    store_product(store, [small])
    (outcome,) = ProductTarget(client=store).load([item(product(variants=SIZES), "120")]).outcomes  # type: ignore[arg-type]
    assert outcome.status is Status.FAILED
    assert outcome.failure is not None
    assert "SB-TEE-001-M" in outcome.failure.message
    assert "'M'" in outcome.failure.message
    assert "Option value not found" in outcome.failure.message


def test_variants_new_to_a_product_without_options_get_the_option_first() -> None:
    store = FakeStore()
    store_product(store)
    (outcome,) = ProductTarget(client=store).load([item(product(variants=SIZES), "120")]).outcomes  # type: ignore[arg-type]
    assert outcome.status is Status.UPDATED
    assert store.calls.count("POST option") == 1
    assert store.calls.count("POST variant") == 2
    assert {v["sku"] for v in store.products[120]["variants"]} == {"SB-TEE-001-S", "SB-TEE-001-M"}


# --- inventory ------------------------------------------------------------------------------
def position(sku: str, levels: Mapping[str, int], safety: int = 0) -> StockPosition:
    return StockPosition(
        ref=ref("inventory", f"01t-{sku}"),
        sku=sku,
        levels=[{"sku": sku, "location": loc, "on_hand": Decimal(n)} for loc, n in levels.items()],
        safety_stock=Decimal(safety),
    )


def test_allocation_sums_to_what_the_store_may_sell() -> None:
    assert allocation(position("A", {"MAIN": 10, "EAST": 5}, safety=3)) == {"MAIN": 7, "EAST": 5}
    assert allocation(position("A", {"MAIN": 10, "EAST": -3})) == {"MAIN": 7, "EAST": 0}
    assert allocation(position("A", {})) == {"": 0}
    odd = position("A", {"MAIN": 4, "EAST": 4}, safety=9)
    assert sum(allocation(odd).values()) == odd.sellable == 0


def test_store_quantities_cover_every_location() -> None:
    locations = [models.Location(id=1, code="MAIN"), models.Location(id=2, code="EAST")]
    cfg = {"default_location": 1, "locations": {"WH": "east"}}
    assert store_quantities({"main": 7, "WEST": 2}, locations, cfg) == {1: 9, 2: 0}
    assert store_quantities({"WH": 4}, locations, cfg) == {1: 0, 2: 4}


def stock_item(
    sku: str, product_id: int, variant_id: int, sku_id: int | None, main: int
) -> dict[str, Any]:
    return {
        "identity": {
            "sku": sku,
            "product_id": product_id,
            "variant_id": variant_id,
            "sku_id": sku_id,
        },
        "locations": [{"location_id": 1, "total_inventory_onhand": main}],
    }


def test_stock_goes_by_product_or_variant_id_and_unknown_skus_are_skipped() -> None:
    store = FakeStore()
    store.stock["MUG"] = stock_item("MUG", 130, 310, None, 1)
    store.stock["TEE-S"] = stock_item("TEE-S", 120, 301, 1001, 4)
    store.stock["CAP"] = stock_item("CAP", 140, 320, None, 6)
    target = StockTarget(client=store)  # type: ignore[arg-type]
    records = [
        position("MUG", {"MAIN": 5}),
        position("TEE-S", {"MAIN": 2}),
        position("CAP", {"MAIN": 6}),
        position("GONE", {"MAIN": 1}),
    ]
    result = target.load([item(r) for r in records])
    statuses = {o.ref.id: (o.status, o.target_id) for o in result.outcomes}
    assert statuses == {
        "01t-MUG": (Status.CREATED, "product:130"),
        "01t-TEE-S": (Status.CREATED, "variant:301"),
        "01t-CAP": (Status.UNCHANGED, "product:140"),  # the store has 6 at MAIN, 0 at EAST
        "01t-GONE": (Status.SKIPPED, None),
    }
    assert sorted(map(str, store.adjusted)) == sorted(
        map(
            str,
            [
                {"location_id": 1, "product_id": 130, "quantity": 5},
                {"location_id": 2, "product_id": 130, "quantity": 0},
                {"location_id": 1, "variant_id": 301, "quantity": 2},
                {"location_id": 2, "variant_id": 301, "quantity": 0},
            ],
        )
    )


def test_a_refused_stock_item_fails_alone() -> None:
    store = FakeStore()
    target = StockTarget(client=store)  # type: ignore[arg-type]
    items = [
        item(position("A", {"MAIN": 1}), "variant:666"),
        item(position("B", {"MAIN": 2}), "variant:7"),
    ]
    bad, good = target.load(items).outcomes
    assert bad.status is Status.FAILED
    assert bad.failure is not None
    assert "tracked by product" in bad.failure.message
    assert good.status is Status.UPDATED
    assert store.adjusted == [
        {"location_id": 1, "variant_id": 7, "quantity": 2},
        {"location_id": 2, "variant_id": 7, "quantity": 0},
    ]
