"""V3 customers, catalog and inventory of the BigCommerce emulator over HTTPS."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from sandbox.bigcommerce.seeding import product_id
from tests.sandbox.bc_helpers import V3, Running, decimal_json, running_fixture


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    yield from running_fixture(tmp_path_factory)


@pytest.fixture(scope="module")
def api(running: Running) -> Iterator[httpx.Client]:
    with running.client() as client:
        yield client


@pytest.fixture
def restore(running: Running) -> Iterator[None]:
    snapshot = running.emu.dump()
    yield
    running.emu.load(snapshot)


def _new(i: int) -> dict[str, object]:
    return {"email": f"new{i}@example.org", "first_name": "New", "last_name": f"Shopper{i}"}


# --- customers --------------------------------------------------------------------------------
def test_customer_filters_paging_and_addresses(api: httpx.Client, running: Running) -> None:
    c = running.world.customers[4]
    r = api.get(f"{V3}/customers", params={"email:in": c.email.upper(), "include": "addresses"})
    (found,) = r.json()["data"]
    assert found["id"] == c.customer_id
    assert found["addresses"][0]["customer_id"] == c.customer_id
    page = api.get(f"{V3}/customers", params={"limit": 50, "page": 2}).json()
    assert page["meta"]["pagination"]["total"] == 200
    assert page["meta"]["pagination"]["current_page"] == 2
    assert [x["id"] for x in page["data"]] == list(range(51, 101))
    by_ids = api.get(f"{V3}/customers", params={"id:in": "3,7"}).json()["data"]
    assert [x["id"] for x in by_ids] == [3, 7]
    assert api.get(f"{V3}/customers", params={"limit": 251}).status_code == 413
    assert api.get(f"{V3}/customers", params={"date_modified:min": "nope"}).status_code == 400


def test_customer_date_window_filters(api: httpx.Client, running: Running) -> None:
    rows = api.get(f"{V3}/customers", params={"limit": 250}).json()["data"]
    stamps = sorted(r["date_modified"] for r in rows)
    middle = stamps[len(stamps) // 2]
    later = api.get(f"{V3}/customers", params={"limit": 250, "date_modified:min": middle}).json()
    assert 0 < len(later["data"]) < len(rows)
    assert all(r["date_modified"] >= middle for r in later["data"])


def test_customer_batches_limits_and_unique_email(
    api: httpx.Client, running: Running, restore: None
) -> None:
    too_many = api.post(f"{V3}/customers", json=[_new(i) for i in range(11)])
    assert too_many.status_code == 413
    assert too_many.json()["status"] == 413
    created = api.post(f"{V3}/customers", json=[_new(1), _new(2)])
    assert created.status_code == 200
    assert len(created.json()["data"]) == 2
    taken = running.world.customers[0].email
    dup = api.post(f"{V3}/customers", json=[_new(3), {**_new(4), "email": taken.upper()}])
    assert dup.status_code == 422
    assert dup.json()["title"] == "Create customers failed."
    assert "[1].email" in dup.json()["errors"]
    assert taken not in dup.text
    assert api.get(f"{V3}/customers", params={"email:in": "new3@example.org"}).json()["data"] == []
    missing = api.post(f"{V3}/customers", json=[{"email": "x@example.org", "first_name": "X"}])
    assert missing.status_code == 422
    assert "[0].last_name" in missing.json()["errors"]
    cid = created.json()["data"][0]["id"]
    upd = api.put(f"{V3}/customers", json=[{"id": cid, "phone": "555-0000"}])
    assert upd.json()["data"][0]["phone"] == "555-0000"
    clash = api.put(f"{V3}/customers", json=[{"id": cid, "email": taken}])
    assert clash.status_code == 422


def test_customer_addresses_create_and_update(api: httpx.Client, restore: None) -> None:
    body = [
        {
            "customer_id": 2,
            "first_name": "A",
            "last_name": "B",
            "address1": "1 Quay",
            "city": "Leeds",
            "country_code": "GB",
            "postal_code": "LS1",
        }
    ]
    created = api.post(f"{V3}/customers/addresses", json=body).json()["data"][0]
    assert created["customer_id"] == 2
    assert created["country"] == "United Kingdom"
    updated = api.put(f"{V3}/customers/addresses", json=[{"id": created["id"], "city": "York"}])
    assert updated.json()["data"][0]["city"] == "York"
    listed = api.get(f"{V3}/customers/addresses", params={"customer_id:in": "2"}).json()["data"]
    assert created["id"] in {a["id"] for a in listed}
    bad = api.post(f"{V3}/customers/addresses", json=[{**body[0], "city": ""}])
    assert bad.status_code == 422
    assert "[0].city" in bad.json()["errors"]


# --- catalog ----------------------------------------------------------------------------------
def test_products_by_sku_with_variants(api: httpx.Client, running: Running) -> None:
    sized = next(p for p in running.world.products if p.variants)
    simple = next(p for p in running.world.products if not p.variants)
    r = api.get(
        f"{V3}/catalog/products",
        params={"sku:in": f"{sized.variants[1].sku},{simple.sku}", "include": "variants"},
    )
    data = decimal_json(r)["data"]
    assert sorted(p["id"] for p in data) == sorted(
        [product_id(sized.catalog_id), product_id(simple.catalog_id)]
    )
    one = next(p for p in data if p["sku"] == simple.sku)
    assert one["price"] == simple.price
    assert one["base_variant_id"] == one["variants"][0]["id"]
    assert api.get(f"{V3}/catalog/products", params={"limit": 300}).status_code == 413


def test_product_batch_limit_and_updates(api: httpx.Client, restore: None) -> None:
    items = [{"id": product_id(i), "price": 10} for i in range(1, 12)]
    r = api.put(f"{V3}/catalog/products", json=items)
    assert r.status_code == 413
    assert r.json()["title"].endswith("The maximum items allowed in the array is 10.")
    ok = api.put(f"{V3}/catalog/products", json=[{"id": product_id(1), "price": 12.5}])
    assert decimal_json(ok)["data"][0]["price"] == Decimal("12.5")
    unknown = api.put(f"{V3}/catalog/products", json=[{"id": 99999, "price": 1}])
    assert unknown.status_code == 404


def test_variant_batch_limit_and_update(api: httpx.Client, running: Running, restore: None) -> None:
    variants = api.get(f"{V3}/catalog/variants", params={"limit": 60}).json()["data"]
    too_many = api.put(f"{V3}/catalog/variants", json=[{"id": v["id"]} for v in variants[:51]])
    assert too_many.status_code == 413
    assert too_many.json()["title"].endswith("is 50")
    sized = [v for v in variants if v["option_values"]]
    r = api.put(
        f"{V3}/catalog/variants", json=[{"id": sized[0]["id"], "price": 30, "inventory_level": 7}]
    )
    assert decimal_json(r)["data"][0]["price"] == Decimal("30")
    assert r.json()["data"][0]["inventory_level"] == 7


def test_create_product_with_variants_and_options(api: httpx.Client, restore: None) -> None:
    body = {
        "name": "Sandbox Scarf",
        "type": "physical",
        "weight": 0.3,
        "price": 19.99,
        "sku": "SB-SCARF",
        "variants": [
            {
                "sku": "SB-SCARF-RED",
                "option_values": [{"option_display_name": "Colour", "label": "Red"}],
            },
            {
                "sku": "SB-SCARF-BLUE",
                "price": 21,
                "option_values": [{"option_display_name": "Colour", "label": "Blue"}],
            },
        ],
    }
    r = api.post(f"{V3}/catalog/products", json=body)
    assert r.status_code == 200
    product = decimal_json(r)["data"]
    assert product["price"] == Decimal("19.99")
    assert len(product["variants"]) == 2
    assert product["options"][0]["display_name"] == "Colour"
    pid = product["id"]
    assert api.post(f"{V3}/catalog/products", json=body).status_code == 409
    missing = api.post(f"{V3}/catalog/products", json={"name": "X", "type": "physical"})
    assert missing.status_code == 422
    option = api.post(
        f"{V3}/catalog/products/{pid}/options",
        json={"display_name": "Size", "type": "rectangles", "option_values": [{"label": "One"}]},
    )
    assert option.json()["data"]["option_values"][0]["label"] == "One"
    value = option.json()["data"]["option_values"][0]
    v = api.post(
        f"{V3}/catalog/products/{pid}/variants",
        json={
            "sku": "SB-SCARF-ONE",
            "option_values": [{"id": value["id"], "option_id": option.json()["data"]["id"]}],
        },
    )
    assert v.status_code == 200
    assert v.json()["data"]["sku"] == "SB-SCARF-ONE"
    listed = api.get(f"{V3}/catalog/products/{pid}/variants").json()["data"]
    assert {x["sku"] for x in listed} == {"SB-SCARF-RED", "SB-SCARF-BLUE", "SB-SCARF-ONE"}
    assert len(api.get(f"{V3}/catalog/products/{pid}/options").json()["data"]) == 2


# --- inventory --------------------------------------------------------------------------------
def test_inventory_absolute_relative_and_catalog_level(
    api: httpx.Client, running: Running, restore: None
) -> None:
    simple = next(p for p in running.world.products if not p.variants)
    pid = product_id(simple.catalog_id)
    r = api.put(
        f"{V3}/inventory/adjustments/absolute",
        json={
            "reason": "count",
            "items": [
                {"location_id": 1, "product_id": pid, "quantity": 40},
                {"location_id": 2, "sku": simple.sku, "quantity": 5},
            ],
        },
    )
    assert r.status_code == 200
    assert r.json()["transaction_id"]
    rel = api.post(
        f"{V3}/inventory/adjustments/relative",
        json={"reason": "sold", "items": [{"location_id": 1, "product_id": pid, "quantity": -3}]},
    )
    assert rel.status_code == 200
    item = api.get(f"{V3}/inventory/items", params={"sku:in": simple.sku}).json()["data"][0]
    by_loc = {loc["location_id"]: loc["total_inventory_onhand"] for loc in item["locations"]}
    assert by_loc == {1: 37, 2: 5}
    product = api.get(f"{V3}/catalog/products/{pid}").json()["data"]
    assert product["inventory_level"] == 37  # the default location only


def test_inventory_422_rules_and_413(api: httpx.Client, running: Running, restore: None) -> None:
    simple = next(p for p in running.world.products if not p.variants)
    base = api.get(f"{V3}/catalog/products/{product_id(simple.catalog_id)}").json()["data"]
    wrong = api.put(
        f"{V3}/inventory/adjustments/absolute",
        json={
            "reason": "x",
            "items": [{"location_id": 1, "variant_id": base["base_variant_id"], "quantity": 1}],
        },
    )
    assert wrong.status_code == 422
    assert wrong.headers["content-type"].startswith("application/problem+json")
    assert "tracked by product" in wrong.json()["title"]
    created = api.post(
        f"{V3}/catalog/products",
        json={"name": "Fresh", "type": "physical", "weight": 1, "price": 3, "sku": "SB-FRESH"},
    ).json()
    relative = api.post(
        f"{V3}/inventory/adjustments/relative",
        json={
            "reason": "x",
            "items": [{"location_id": 1, "product_id": created["data"]["id"], "quantity": 2}],
        },
    )
    assert relative.status_code == 422
    assert "absolute" in relative.json()["title"]
    big = [{"location_id": 1, "sku": simple.sku, "quantity": 1}] * 2001
    assert (
        api.put(
            f"{V3}/inventory/adjustments/absolute", json={"reason": "x", "items": big}
        ).status_code
        == 413
    )
    locs = api.get(f"{V3}/inventory/items", params={"sku:in": simple.sku, "location_id:in": "2"})
    assert [loc["location_id"] for loc in locs.json()["data"][0]["locations"]] == [2]
