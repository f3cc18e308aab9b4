"""V3 inventory and webhook routes of the BigCommerce emulator.

`GET /inventory/items` filters `sku:in`, `variant_id:in`, `product_id:in`, `location_id:in`
(limit up to 1000); `PUT /inventory/adjustments/absolute` and `POST .../relative` answer
`{"transaction_id": ...}`. `/hooks` lists and reads only the calling client's hooks
(filters `is_active`, `scope`, `destination`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI, Request, Response

from sandbox.bigcommerce.constants import DEFAULT_PAGE, MAX_INVENTORY_PAGE, MAX_PAGE
from sandbox.bigcommerce.render_v3 import (
    pagination,
    render_hook,
    render_inventory_item,
    render_location,
)
from sandbox.bigcommerce.web import int_list, json_response, page_params, read_json, str_list

if TYPE_CHECKING:
    from sandbox.bigcommerce.emulator import BigCommerceEmulator

V3 = "/stores/{store_hash}/v3"


def register_more(app: FastAPI, emu: BigCommerceEmulator) -> None:
    """Add the inventory and hooks routes to `app`."""

    @app.get(f"{V3}/inventory/locations")
    async def locations(request: Request) -> Response:
        params = dict(request.query_params)
        page, limit = page_params(params, maximum=MAX_PAGE, default=DEFAULT_PAGE, v3=True)
        with emu.lock:
            rows = [render_location(loc) for _, loc in sorted(emu.state.locations.items())]
        chunk = rows[(page - 1) * limit : page * limit]
        return json_response(
            {"data": chunk, "meta": {"pagination": pagination(len(rows), len(chunk), page, limit)}}
        )

    @app.get(f"{V3}/inventory/items")
    async def items(request: Request) -> Response:
        params = dict(request.query_params)
        page, limit = page_params(params, maximum=MAX_INVENTORY_PAGE, default=DEFAULT_PAGE, v3=True)
        skus = str_list(params, "sku:in")
        variants, products = int_list(params, "variant_id:in"), int_list(params, "product_id:in")
        locations = int_list(params, "location_id:in")
        with emu.lock:
            rows = [
                v
                for _, v in sorted(emu.state.variants.items())
                if (skus is None or v["sku"] in skus)
                and (variants is None or v["id"] in variants)
                and (products is None or v["product_id"] in products)
            ]
            chunk = [
                render_inventory_item(emu.state, v, locations)
                for v in rows[(page - 1) * limit : page * limit]
            ]
        return json_response(
            {"data": chunk, "meta": {"pagination": pagination(len(rows), len(chunk), page, limit)}}
        )

    @app.put(f"{V3}/inventory/adjustments/absolute")
    async def absolute(request: Request) -> Response:
        txid = emu.adjust_inventory(await read_json(request), relative=False)
        return json_response({"transaction_id": txid})

    @app.post(f"{V3}/inventory/adjustments/relative")
    async def relative(request: Request) -> Response:
        txid = emu.adjust_inventory(await read_json(request), relative=True)
        return json_response({"transaction_id": txid})

    # --- hooks -------------------------------------------------------------------------------
    @app.get(f"{V3}/hooks")
    async def list_hooks(request: Request) -> Response:
        params = dict(request.query_params)
        page, limit = page_params(params, maximum=MAX_PAGE, default=DEFAULT_PAGE, v3=True)
        active = params.get("is_active")
        with emu.lock:
            rows = [
                render_hook(h)
                for h in emu.hooks_of(request.state.client_id)
                if (active is None or str(h["is_active"]).lower() == active.lower())
                and ("scope" not in params or h["scope"] == params["scope"])
                and ("destination" not in params or h["destination"] == params["destination"])
            ]
        chunk = rows[(page - 1) * limit : page * limit]
        return json_response(
            {"data": chunk, "meta": {"pagination": pagination(len(rows), len(chunk), page, limit)}}
        )

    @app.post(f"{V3}/hooks")
    async def post_hook(request: Request) -> Response:
        hook = emu.create_hook(request.state.client_id, await read_json(request))
        with emu.lock:
            return json_response({"data": render_hook(hook), "meta": {}})

    @app.get(f"{V3}/hooks/{{hook_id}}")
    async def get_hook(hook_id: int, request: Request) -> Response:
        with emu.lock:
            return json_response(
                {"data": render_hook(emu.hook(request.state.client_id, hook_id)), "meta": {}}
            )

    @app.put(f"{V3}/hooks/{{hook_id}}")
    async def put_hook(hook_id: int, request: Request) -> Response:
        hook = emu.update_hook(request.state.client_id, hook_id, await read_json(request))
        with emu.lock:
            return json_response({"data": render_hook(hook), "meta": {}})

    @app.delete(f"{V3}/hooks/{{hook_id}}")
    async def delete_hook(hook_id: int, request: Request) -> Response:
        hook = emu.delete_hook(request.state.client_id, hook_id)
        return json_response({"data": render_hook(hook), "meta": {}})
