"""The held-out-style check: emulator responses validate against the official OpenAPI files.

A sample of every endpoint the connector uses (and the error bodies it must read) is fetched
over HTTPS and validated with `jsonschema` against the response schema the spec declares for
that path, method and status (`$ref`s resolved inside each file). A second test breaks a field's
type in a renderer and checks the validation then fails, so the check can fail at all.

Translations from OpenAPI 3.0 to JSON Schema (documented, applied to every file alike):
* `nullable: true` (and `x-nullable`) -> the type also admits `null`;
* `oneOf` -> `anyOf`: the files use `oneOf` for alternatives that are not exclusive (a link
  `{url, resource}` has no required keys, so it matches any object and strict `oneOf` would
  reject every embedded consignment or line);
* one known inconsistency: `product_Full.base_variant_id` is typed integer, but its own
  description says it is `null` for products with option variants (what the emulator returns).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml

from sandbox.bigcommerce import render_v2
from sandbox.bigcommerce.seed_orders import order_id
from sandbox.bigcommerce.seeding import product_id
from tests.sandbox.bc_helpers import V2, V3, Running, decimal_json, running_fixture

# The official OpenAPI files, copied into the repository (tests/fixtures/bigcommerce/SOURCE.md).
SPECS = Path(__file__).resolve().parents[1] / "fixtures" / "bigcommerce" / "reference"


def _to_json_schema(node: Any) -> Any:
    if isinstance(node, list):
        return [_to_json_schema(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {
        k: _to_json_schema(v)
        for k, v in node.items()
        if k not in ("example", "examples", "x-examples")
    }
    if "oneOf" in out:
        out["anyOf"] = out.pop("oneOf")
    if out.get("nullable") is True or out.get("x-nullable") is True:
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        elif "$ref" in out or "allOf" in out or "anyOf" in out:
            out = {"anyOf": [{"type": "null"}, {k: v for k, v in out.items() if k != "nullable"}]}
    return out


@functools.cache
def spec(name: str) -> dict[str, Any]:
    doc = _to_json_schema(yaml.safe_load((SPECS / name).read_text()))
    schemas = doc.get("components", {}).get("schemas", {})
    if "product_Full" in schemas:
        for part in schemas["product_Full"]["allOf"]:
            prop = part.get("properties", {}).get("base_variant_id")
            if prop is not None:
                prop["type"] = ["integer", "null"]
    return doc


def _resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part.replace("~1", "/")]
        node = target
    return node


def schema_for(name: str, path: str, method: str, status: int) -> dict[str, Any]:
    """The declared response schema (a `$ref` into the file, kept resolvable)."""
    doc = spec(name)
    response = _resolve(doc, doc["paths"][path][method]["responses"][str(status)])
    content = response["content"]
    media = content.get("application/json") or content.get("application/problem+json")
    assert media is not None, f"no JSON body for {method} {path} {status}"
    assert "schema" in media, f"no JSON schema for {method} {path} {status}"
    return media["schema"]


def check(
    name: str,
    path: str,
    method: str,
    response: httpx.Response,
    schema: dict[str, Any] | None = None,
) -> None:
    """Validate `response` against the spec (its own status, unless `schema` is given)."""
    doc = spec(name)
    wanted = schema or schema_for(name, path, method, response.status_code)
    root = {**copy.copy(wanted), "components": doc.get("components", {})}
    jsonschema.Draft7Validator(root).validate(decimal_json(response))


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    yield from running_fixture(tmp_path_factory)


@pytest.fixture(scope="module")
def api(running: Running) -> Iterator[httpx.Client]:
    with running.client() as client:
        yield client


def _component(name: str, kind: str, key: str) -> dict[str, Any]:
    return {"$ref": f"#/components/{kind}/{key}"}


ORDERS = "orders.v2.oas2.yml"


def test_v2_orders_validate(api: httpx.Client, running: Running) -> None:
    seed = next(o for o in running.world.orders if len(o.shipments) == 2 and o.coupon)
    oid = order_id(seed.order_id)
    check(ORDERS, "/orders", "get", api.get(f"{V2}/orders", params={"limit": 20}))
    check(
        ORDERS,
        "/orders",
        "get",
        api.get(
            f"{V2}/orders",
            params={
                "min_id": oid - 5,
                "max_id": oid + 5,
                "include": "consignments.line_items,fees",
                "consignment_structure": "object",
            },
        ),
    )
    check(
        ORDERS,
        "/orders",
        "get",
        api.get(
            f"{V2}/orders",
            params={"limit": 5, "include": "consignments", "consignment_structure": "object"},
        ),
    )
    check(ORDERS, "/orders/{order_id}", "get", api.get(f"{V2}/orders/{oid}"))
    check(ORDERS, "/orders/count", "get", api.get(f"{V2}/orders/count"))
    for sub in ("products", "shipping_addresses", "coupons", "shipments"):
        r = api.get(f"{V2}/orders/{oid}/{sub}")
        assert r.status_code == 200, sub
        check(ORDERS, f"/orders/{{order_id}}/{sub}", "get", r)
    check(ORDERS, "/order_statuses", "get", api.get(f"{V2}/order_statuses"))
    check(
        ORDERS,
        "/orders/{order_id}/shipments/count",
        "get",
        api.get(f"{V2}/orders/{oid}/shipments/count"),
    )


def test_v2_writes_and_errors_validate(api: httpx.Client, running: Running) -> None:
    snapshot = running.emu.dump()
    try:
        seed = next(o for o in running.world.orders if o.status_id == 2)
        oid = order_id(seed.order_id)
        check(
            ORDERS,
            "/orders/{order_id}",
            "put",
            api.put(f"{V2}/orders/{oid}", json={"status_id": 9}),
        )
        line = api.get(f"{V2}/orders/{oid}/products").json()[0]
        created = api.post(
            f"{V2}/orders/{oid}/shipments",
            json={
                "order_address_id": line["order_address_id"],
                "tracking_number": "1Z1",
                "shipping_provider": "usps",
                "items": [{"order_product_id": line["id"], "quantity": 1}],
            },
        )
        assert created.status_code == 201
        check(ORDERS, "/orders/{order_id}/shipments", "post", created)
        sid = created.json()["id"]
        check(
            ORDERS,
            "/orders/{order_id}/shipments/{shipment_id}",
            "put",
            api.put(f"{V2}/orders/{oid}/shipments/{sid}", json={"comments": "ok"}),
        )
        check(
            ORDERS,
            "/orders/{order_id}/shipments/{shipment_id}",
            "get",
            api.get(f"{V2}/orders/{oid}/shipments/{sid}"),
        )
        missing = api.get(f"{V2}/orders/999999")
        assert missing.status_code == 404
        check(ORDERS, "/orders/{order_id}", "get", missing)
    finally:
        running.emu.load(snapshot)


def test_v3_transactions_customers_validate(api: httpx.Client, running: Running) -> None:
    paid = next(o for o in running.world.orders if len(o.transactions) > 1)
    check(
        "orders.v3.yml",
        "/orders/{order_id}/transactions",
        "get",
        api.get(f"{V3}/orders/{order_id(paid.order_id)}/transactions"),
    )
    cust = "customers.v3.yml"
    check(cust, "/customers", "get", api.get(f"{V3}/customers", params={"include": "addresses"}))
    check(cust, "/customers/addresses", "get", api.get(f"{V3}/customers/addresses"))
    snapshot = running.emu.dump()
    try:
        created = api.post(
            f"{V3}/customers",
            json=[
                {
                    "email": "spec@example.org",
                    "first_name": "S",
                    "last_name": "P",
                    "addresses": [
                        {
                            "first_name": "S",
                            "last_name": "P",
                            "address1": "1 Rd",
                            "city": "X",
                            "country_code": "US",
                            "state_or_province": "TX",
                            "postal_code": "1",
                        }
                    ],
                }
            ],
        )
        check(cust, "/customers", "post", created)
        cid = created.json()["data"][0]["id"]
        check(
            cust, "/customers", "put", api.put(f"{V3}/customers", json=[{"id": cid, "notes": "n"}])
        )
        dup = api.post(
            f"{V3}/customers",
            json=[{"email": "spec@example.org", "first_name": "S", "last_name": "P"}],
        )
        assert dup.status_code == 422
        check(cust, "/customers", "post", dup)
        addr = api.post(
            f"{V3}/customers/addresses",
            json=[
                {
                    "customer_id": cid,
                    "first_name": "S",
                    "last_name": "P",
                    "address1": "2 Rd",
                    "city": "Y",
                    "country_code": "US",
                }
            ],
        )
        check(cust, "/customers/addresses", "post", addr)
        check(
            cust,
            "/customers/addresses",
            "put",
            api.put(
                f"{V3}/customers/addresses",
                json=[{"id": addr.json()["data"][0]["id"], "city": "Z"}],
            ),
        )
    finally:
        running.emu.load(snapshot)


PRODUCTS = "catalog/products_catalog.v3.yml"
VARIANTS = "catalog/product-variants_catalog.v3.yml"


def test_v3_catalog_validates(api: httpx.Client, running: Running) -> None:
    listed = api.get(f"{V3}/catalog/products", params={"include": "variants,options", "limit": 30})
    check(PRODUCTS, "/catalog/products", "get", listed)
    variant_schema = _component(VARIANTS, "schemas", "productVariant_Full")
    option_schema = _component(PRODUCTS, "schemas", "productOption_Base")
    for p in listed.json()["data"]:
        for v in p["variants"]:
            jsonschema.Draft7Validator(
                {**variant_schema, "components": spec(VARIANTS)["components"]}
            ).validate(v)
        for o in p["options"]:
            jsonschema.Draft7Validator(
                {**option_schema, "components": spec(PRODUCTS)["components"]}
            ).validate(o)
    pid = product_id(1)
    check(
        PRODUCTS, "/catalog/products/{product_id}", "get", api.get(f"{V3}/catalog/products/{pid}")
    )
    check(
        VARIANTS,
        "/catalog/variants",
        "get",
        api.get(f"{V3}/catalog/variants", params={"limit": 40}),
    )
    check(
        VARIANTS,
        "/catalog/products/{product_id}/variants",
        "get",
        api.get(f"{V3}/catalog/products/{product_id(5)}/variants"),
    )
    snapshot = running.emu.dump()
    try:
        made = api.post(
            f"{V3}/catalog/products",
            json={
                "name": "Spec Sock",
                "type": "physical",
                "weight": 1,
                "price": 2.5,
                "variants": [
                    {
                        "sku": "SPEC-1",
                        "option_values": [{"option_display_name": "Size", "label": "S"}],
                    }
                ],
            },
        )
        check(PRODUCTS, "/catalog/products", "post", made)
        check(
            PRODUCTS,
            "/catalog/products",
            "put",
            api.put(f"{V3}/catalog/products", json=[{"id": pid, "price": 11}]),
        )
        check(
            PRODUCTS,
            "/catalog/products/{product_id}",
            "get",
            api.put(f"{V3}/catalog/products/{pid}", json={"price": 12}),
            schema=schema_for(PRODUCTS, "/catalog/products/{product_id}", "get", 200),
        )
        too_many = api.put(f"{V3}/catalog/products", json=[{"id": pid}] * 11)
        check(PRODUCTS, "/catalog/products", "put", too_many)
        vid = made.json()["data"]["variants"][0]["id"]
        check(
            VARIANTS,
            "/catalog/variants",
            "put",
            api.put(f"{V3}/catalog/variants", json=[{"id": vid, "price": 3}]),
        )
        check(
            VARIANTS,
            "/catalog/products/{product_id}/variants",
            "post",
            api.post(
                f"{V3}/catalog/products/{made.json()['data']['id']}/variants",
                json={
                    "sku": "SPEC-2",
                    "option_values": [{"option_display_name": "Size", "label": "M"}],
                },
            ),
        )
    finally:
        running.emu.load(snapshot)


def test_v3_inventory_and_hooks_validate(api: httpx.Client, running: Running) -> None:
    check("inventory.v3.yml", "/inventory/items", "get", api.get(f"{V3}/inventory/items"))
    check("locations.v3.yml", "/inventory/locations", "get", api.get(f"{V3}/inventory/locations"))
    snapshot = running.emu.dump()
    try:
        simple = next(p for p in running.world.products if not p.variants)
        body = {"reason": "spec", "items": [{"location_id": 1, "sku": simple.sku, "quantity": 4}]}
        check(
            "inventory.v3.yml",
            "/inventory/adjustments/absolute",
            "put",
            api.put(f"{V3}/inventory/adjustments/absolute", json=body),
        )
        check(
            "inventory.v3.yml",
            "/inventory/adjustments/relative",
            "post",
            api.post(f"{V3}/inventory/adjustments/relative", json=body),
        )
        refused = api.post(
            f"{V3}/inventory/adjustments/relative",
            json={"reason": "x", "items": [{"location_id": 1, "variant_id": 99999, "quantity": 1}]},
        )
        assert refused.status_code == 422
        check("inventory.v3.yml", "/inventory/adjustments/relative", "post", refused)
        hooks = "webhooks.v3.yml"
        made = api.post(
            f"{V3}/hooks", json={"scope": "store/order/*", "destination": "https://127.0.0.1:9/h"}
        )
        check(hooks, "/hooks", "post", made)
        hid = made.json()["data"]["id"]
        check(hooks, "/hooks", "get", api.get(f"{V3}/hooks"))
        check(hooks, "/hooks/{webhook_id}", "get", api.get(f"{V3}/hooks/{hid}"))
        check(
            hooks,
            "/hooks/{webhook_id}",
            "put",
            api.put(f"{V3}/hooks/{hid}", json={"is_active": False}),
        )
        check(hooks, "/hooks", "post", api.post(f"{V3}/hooks", json={"scope": "store/order/*"}))
        check(
            hooks,
            "/hooks",
            "post",
            api.post(f"{V3}/hooks", json={"scope": "nope", "destination": "https://x/"}),
        )
        with running.client(headers={}) as anon:
            check(hooks, "/hooks", "get", anon.get(f"{V3}/hooks"))
        check(hooks, "/hooks/{webhook_id}", "delete", api.delete(f"{V3}/hooks/{hid}"))
    finally:
        running.emu.load(snapshot)


def test_validation_fails_when_a_field_type_breaks(
    api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = api.get(f"{V2}/orders/101")
    check(ORDERS, "/orders/{order_id}", "get", good)
    original = render_v2.render_order

    def broken_id(*args: Any, **kwargs: Any) -> dict[str, Any]:
        body = original(*args, **kwargs)
        return {**body, "id": str(body["id"])}

    monkeypatch.setattr("sandbox.bigcommerce.routes_orders.render_order", broken_id)
    with pytest.raises(jsonschema.ValidationError, match="is not of type 'integer'"):
        check(ORDERS, "/orders/{order_id}", "get", api.get(f"{V2}/orders/101"))
    monkeypatch.setattr("sandbox.bigcommerce.render_v2.money", lambda value: float(value or 0))
    monkeypatch.setattr("sandbox.bigcommerce.routes_orders.render_order", original)
    with pytest.raises(jsonschema.ValidationError, match="is not of type 'string'"):
        check(ORDERS, "/orders/{order_id}", "get", api.get(f"{V2}/orders/101"))
