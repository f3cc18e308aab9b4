"""V3 customer and catalog routes of the BigCommerce emulator (`/stores/{store_hash}/v3/...`).

Lists answer the V3 envelope `{"data": [...], "meta": {"pagination": {...}}}` (an empty `data`
when nothing matches), single objects `{"data": {...}, "meta": {}}`; `limit` at most 250 (413
past it). Filters: customers `id:in`, `email:in` (case-insensitive), `date_modified:min|max`,
`date_created:min|max`; products `id`, `id:in`, `sku`, `sku:in` (a variant's SKU finds its
product: assumption), `date_modified:min|max`; variants `id:in`, `sku:in`, `product_id:in`.
Sorts: `sort=field[:asc|desc]` (customers) or `sort=field&direction=asc|desc` (catalog).
Inventory and hooks routes are in `routes_more.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request, Response

from sandbox.bigcommerce.constants import DEFAULT_PAGE, MAX_PAGE
from sandbox.bigcommerce.render_v3 import (
    pagination,
    render_address,
    render_customer,
    render_option,
    render_product,
    render_variant,
)
from sandbox.bigcommerce.routes_more import register_more
from sandbox.bigcommerce.state import Record
from sandbox.bigcommerce.web import (
    ApiError,
    int_list,
    json_response,
    page_params,
    parse_date,
    read_json,
    str_list,
)

if TYPE_CHECKING:
    from sandbox.bigcommerce.emulator import BigCommerceEmulator

V3 = "/stores/{store_hash}/v3"


def envelope(rows: list[Any], params: dict[str, str], render: Callable[[Any], Any]) -> Response:
    """One V3 page of `rows` (`page`/`limit` from `params`), each rendered."""
    page, limit = page_params(params, maximum=MAX_PAGE, default=DEFAULT_PAGE, v3=True)
    chunk = rows[(page - 1) * limit : page * limit]
    data = [render(r) for r in chunk]
    return json_response(
        {"data": data, "meta": {"pagination": pagination(len(rows), len(data), page, limit)}}
    )


def one(data: Any, status: int = 200) -> Response:
    """A single-object V3 answer."""
    return json_response({"data": data, "meta": {}}, status)


def _window(params: dict[str, str], field: str) -> Callable[[Record], bool]:
    low, high = params.get(f"{field}:min"), params.get(f"{field}:max")
    lo = parse_date(low, f"{field}:min") if low is not None else None
    hi = parse_date(high, f"{field}:max") if high is not None else None
    return lambda r: (lo is None or r[field] >= lo) and (hi is None or r[field] <= hi)


def _sorted(rows: Iterable[Record], field: str, reverse: bool) -> list[Record]:
    return sorted(rows, key=lambda r: (r.get(field) or "", r["id"]), reverse=reverse)


def register_v3(app: FastAPI, emu: BigCommerceEmulator) -> None:
    """Add the V3 customer, catalog, inventory and hook routes to `app`."""

    # --- customers ---------------------------------------------------------------------------
    @app.get(f"{V3}/customers")
    async def list_customers(request: Request) -> Response:
        params = dict(request.query_params)
        ids, emails = int_list(params, "id:in"), str_list(params, "email:in")
        lowered = {e.lower() for e in emails} if emails is not None else None
        modified, created = _window(params, "date_modified"), _window(params, "date_created")
        field, _, direction = params.get("sort", "id:asc").partition(":")
        if field not in ("id", "date_created", "date_modified", "last_name", "first_name"):
            raise ApiError(422, "The field 'sort' is invalid.", {"sort": "error.enum"})
        include = set(params.get("include", "").split(","))
        with emu.lock:
            rows = [
                c
                for c in emu.state.customers.values()
                if (ids is None or c["id"] in ids)
                and (lowered is None or c["email"].lower() in lowered)
                and modified(c)
                and created(c)
            ]
            rows = _sorted(rows, field, direction == "desc")
            return envelope(
                rows, params, lambda c: render_customer(c, addresses="addresses" in include)
            )

    @app.post(f"{V3}/customers")
    async def post_customers(request: Request) -> Response:
        created = emu.create_customers(await read_json(request))
        with emu.lock:
            data = [render_customer(c, addresses=True) for c in created]
        return json_response({"data": data, "meta": {}})

    @app.put(f"{V3}/customers")
    async def put_customers(request: Request) -> Response:
        updated = emu.update_customers(await read_json(request))
        with emu.lock:
            data = [render_customer(c, addresses=True) for c in updated]
        return json_response({"data": data, "meta": {}})

    @app.get(f"{V3}/customers/addresses")
    async def list_addresses(request: Request) -> Response:
        params = dict(request.query_params)
        ids, customers = int_list(params, "id:in"), int_list(params, "customer_id:in")
        with emu.lock:
            rows = sorted(
                (
                    a
                    for c in emu.state.customers.values()
                    for a in c["addresses"]
                    if (ids is None or a["id"] in ids)
                    and (customers is None or a["customer_id"] in customers)
                ),
                key=lambda a: a["id"],
            )
            return envelope(rows, params, render_address)

    @app.post(f"{V3}/customers/addresses")
    async def post_addresses(request: Request) -> Response:
        created = emu.create_addresses(await read_json(request))
        with emu.lock:
            return json_response({"data": [render_address(a) for a in created], "meta": {}})

    @app.put(f"{V3}/customers/addresses")
    async def put_addresses(request: Request) -> Response:
        updated = emu.update_addresses(await read_json(request))
        with emu.lock:
            return json_response({"data": [render_address(a) for a in updated], "meta": {}})

    # --- catalog -----------------------------------------------------------------------------
    def product_view(params: dict[str, str]) -> Callable[[Record], Any]:
        include = set(params.get("include", "").split(","))
        return lambda p: render_product(
            emu.state, p, variants="variants" in include, options="options" in include
        )

    @app.get(f"{V3}/catalog/products")
    async def list_products(request: Request) -> Response:
        params = dict(request.query_params)
        ids = int_list(params, "id:in")
        if "id" in params:
            ids = (ids or set()) | (int_list(params, "id") or set())
        skus = str_list(params, "sku:in")
        if "sku" in params:
            skus = (skus or set()) | {params["sku"]}
        modified = _window(params, "date_modified")
        field = params.get("sort", "id")
        if field not in (
            "id",
            "name",
            "sku",
            "price",
            "date_modified",
            "date_last_imported",
            "inventory_level",
            "is_visible",
            "total_sold",
        ):
            raise ApiError(422, "The field 'sort' is invalid.", {"sort": "error.enum"})
        with emu.lock:
            by_sku = emu.state.sku_index()
            sku_products = {by_sku[s]["product_id"] for s in skus or () if s in by_sku}
            rows = [
                p
                for p in emu.state.products.values()
                if (ids is None or p["id"] in ids)
                and (skus is None or p["id"] in sku_products or p["sku"] in skus)
                and modified(p)
            ]
            rows = _sorted(rows, field, params.get("direction") == "desc")
            return envelope(rows, params, product_view(params))

    @app.post(f"{V3}/catalog/products")
    async def post_product(request: Request) -> Response:
        product = emu.create_product(await read_json(request))
        with emu.lock:
            return one(render_product(emu.state, product, variants=True, options=True))

    @app.put(f"{V3}/catalog/products")
    async def put_products(request: Request) -> Response:
        updated = emu.update_products(await read_json(request))
        with emu.lock:
            data = [render_product(emu.state, p) for p in updated]
        return json_response({"data": data, "meta": {}})

    @app.get(f"{V3}/catalog/products/{{product_id}}")
    async def get_product(product_id: int, request: Request) -> Response:
        with emu.lock:
            return one(product_view(dict(request.query_params))(emu.product(product_id)))

    @app.put(f"{V3}/catalog/products/{{product_id}}")
    async def put_product(product_id: int, request: Request) -> Response:
        (product,) = emu.update_products(await read_json(request), single=product_id)
        with emu.lock:
            return one(render_product(emu.state, product, variants=True))

    @app.get(f"{V3}/catalog/products/{{product_id}}/variants")
    async def product_variants(product_id: int, request: Request) -> Response:
        with emu.lock:
            emu.product(product_id)
            rows = emu.state.product_variants(product_id)
            return envelope(
                rows, dict(request.query_params), lambda v: render_variant(emu.state, v)
            )

    @app.post(f"{V3}/catalog/products/{{product_id}}/variants")
    async def post_variant(product_id: int, request: Request) -> Response:
        variant = emu.create_variant(product_id, await read_json(request))
        with emu.lock:
            return one(render_variant(emu.state, variant))

    @app.get(f"{V3}/catalog/products/{{product_id}}/options")
    async def product_options(product_id: int, request: Request) -> Response:
        with emu.lock:
            product = emu.product(product_id)
            return envelope(
                list(product["options"]),
                dict(request.query_params),
                lambda o: render_option(product, o),
            )

    @app.post(f"{V3}/catalog/products/{{product_id}}/options")
    async def post_option(product_id: int, request: Request) -> Response:
        option = emu.create_option(product_id, await read_json(request))
        with emu.lock:
            return one(render_option(emu.product(product_id), option))

    @app.get(f"{V3}/catalog/variants")
    async def list_variants(request: Request) -> Response:
        params = dict(request.query_params)
        ids, products = int_list(params, "id:in"), int_list(params, "product_id:in")
        skus = str_list(params, "sku:in")
        if "sku" in params:
            skus = (skus or set()) | {params["sku"]}
        with emu.lock:
            rows = [
                v
                for _, v in sorted(emu.state.variants.items())
                if (ids is None or v["id"] in ids)
                and (products is None or v["product_id"] in products)
                and (skus is None or v["sku"] in skus)
            ]
            return envelope(rows, params, lambda v: render_variant(emu.state, v))

    @app.put(f"{V3}/catalog/variants")
    async def put_variants(request: Request) -> Response:
        updated = emu.update_variants(await read_json(request))
        with emu.lock:
            data = [render_variant(emu.state, v) for v in updated]
        return json_response({"data": data, "meta": {}})

    register_more(app, emu)
