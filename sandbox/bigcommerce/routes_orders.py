"""V2 order routes of the BigCommerce emulator (`/stores/{store_hash}/v2/...`).

`GET /orders` filters on ids, customer, e-mail, status and the created/modified windows (RFC 2822
or ISO 8601; a malformed date is a 400, never "all orders"), sorts (`id` by default,
`field:asc|desc`), pages with `page`/`limit` (default 50, max 250) and answers **204 with an empty
body** when no row is left. Incomplete orders (status 0) are listed only when asked for with
`status_id=0`, and archived ones never (assumptions: the spec is silent; this is what BigCommerce
documents for its control panel and what clients report). `include=consignments[.line_items]` with
`consignment_structure=object` embeds the ship-tos (with their lines), `include=fees` the fees.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request, Response

from sandbox.bigcommerce.constants import DEFAULT_PAGE, MAX_PAGE
from sandbox.bigcommerce.render_lines import render_line
from sandbox.bigcommerce.render_v2 import (
    render_count,
    render_coupon,
    render_order,
    render_shipment,
    render_shipping_address,
    render_statuses,
)
from sandbox.bigcommerce.render_v3 import pagination, render_transaction
from sandbox.bigcommerce.state import Record
from sandbox.bigcommerce.web import (
    ApiError,
    int_param,
    json_response,
    no_content,
    page_params,
    parse_date,
    read_json,
)

if TYPE_CHECKING:
    from sandbox.bigcommerce.emulator import BigCommerceEmulator

V2 = "/stores/{store_hash}/v2"
V3 = "/stores/{store_hash}/v3"
SORTS = (
    "id",
    "customer_id",
    "date_created",
    "date_modified",
    "status_id",
    "channel_id",
    "external_id",
)


def order_filter(params: dict[str, str], *, incomplete: bool = False) -> Callable[[Record], bool]:
    """The `GET /orders` (and `/orders/count`, `incomplete=True`) filter of `params`.

    Raises:
        ApiError: 400 for a malformed integer or date.
    """
    min_id, max_id = int_param(params, "min_id"), int_param(params, "max_id")
    customer = int_param(params, "customer_id")
    status = int_param(params, "status_id")
    email = params.get("email", "").strip().lower()
    windows = []
    for field in ("date_created", "date_modified"):
        low = params.get(f"min_{field}")
        high = params.get(f"max_{field}")
        windows.append(
            (
                field,
                parse_date(low, f"min_{field}") if low is not None else None,
                parse_date(high, f"max_{field}") if high is not None else None,
            )
        )

    def keep(o: Record) -> bool:
        if o["is_deleted"]:
            return False
        if status is None and o["status_id"] == 0 and not incomplete:
            return False
        if status is not None and o["status_id"] != status:
            return False
        if (min_id is not None and o["id"] < min_id) or (max_id is not None and o["id"] > max_id):
            return False
        if customer is not None and o["customer_id"] != customer:
            return False
        if email and o["billing"]["email"].lower() != email:
            return False
        for field, low, high in windows:
            if (low is not None and o[field] < low) or (high is not None and o[field] > high):
                return False
        return True

    return keep


def sort_key(params: dict[str, str]) -> tuple[Callable[[Record], Any], bool]:
    """The sort of `sort=field[:asc|desc]` (ties by id).

    Raises:
        ApiError: 400 for an unknown field or direction.
    """
    field, _, direction = params.get("sort", "id").partition(":")
    if field not in SORTS or direction not in ("", "asc", "desc"):
        raise ApiError(400, "The field 'sort' is invalid.")
    if field in ("channel_id", "external_id"):
        field = "id"  # one channel, no external ids in the sandbox
    return (lambda o: (o[field], o["id"])), direction == "desc"


def order_includes(params: dict[str, str]) -> tuple[str, bool]:
    """What `include` (with `consignment_structure=object`) embeds: the consignments (with or
    without their line items, "" for neither) and whether the fees are (orders.v2 spec,
    `order_includes`: on `GET /orders` and `GET /orders/{id}` alike)."""
    includes = {x.strip() for x in params.get("include", "").split(",") if x.strip()}
    structure = params.get("consignment_structure") == "object"
    consignments = ""
    if structure and "consignments.line_items" in includes:
        consignments = "consignments.line_items"
    elif structure and "consignments" in includes:
        consignments = "consignments"
    return consignments, "fees" in includes


def register_orders(app: FastAPI, emu: BigCommerceEmulator) -> None:
    """Add the V2 order routes and V3 transactions to `app`."""

    def root() -> str:
        return f"{emu.base_url}/stores/{emu.store_hash}/v2"

    @app.get(f"{V2}/orders")
    async def list_orders(request: Request) -> Response:
        params = dict(request.query_params)
        keep = order_filter(params)
        key, reverse = sort_key(params)
        page, limit = page_params(params, maximum=MAX_PAGE, default=DEFAULT_PAGE, v3=False)
        consignments, fees = order_includes(params)
        with emu.lock:
            rows = sorted(
                (o for o in emu.state.orders.values() if keep(o)), key=key, reverse=reverse
            )
            chunk = rows[(page - 1) * limit : page * limit]
            body = [render_order(o, root(), consignments=consignments, fees=fees) for o in chunk]
        return json_response(body) if body else no_content()

    @app.get(f"{V2}/orders/count")
    async def count_orders(request: Request) -> Response:
        # The count covers incomplete orders too (the sample counts 15 "Incomplete").
        keep = order_filter(dict(request.query_params), incomplete=True)
        with emu.lock:
            rows = [o for o in emu.state.orders.values() if keep(o)]
            return json_response(render_count(rows))

    @app.get(f"{V2}/orders/{{order_id}}")
    async def get_order(order_id: int, request: Request) -> Response:
        consignments, fees = order_includes(dict(request.query_params))
        with emu.lock:
            order = emu.order(order_id)
            return json_response(render_order(order, root(), consignments=consignments, fees=fees))

    @app.put(f"{V2}/orders/{{order_id}}")
    async def put_order(order_id: int, request: Request) -> Response:
        body = await read_json(request)
        if not isinstance(body, dict):
            raise ApiError(400, f"The body of the update of order {order_id} must be an object.")
        order = emu.update_order(order_id, body)
        with emu.lock:
            return json_response(render_order(order, root()))

    @app.delete(f"{V2}/orders/{{order_id}}")
    async def delete_order(order_id: int) -> Response:
        emu.archive_order(order_id)
        return no_content()

    def _sub(order_id: int, request: Request, rows: Callable[[Record], list[Any]]) -> Response:
        params = dict(request.query_params)
        page, limit = page_params(params, maximum=MAX_PAGE, default=DEFAULT_PAGE, v3=False)
        with emu.lock:
            order = emu.order(order_id)
            body = rows(order)[(page - 1) * limit : page * limit]
        return json_response(body) if body else no_content()

    @app.get(f"{V2}/orders/{{order_id}}/products")
    async def order_products(order_id: int, request: Request) -> Response:
        return _sub(order_id, request, lambda o: [render_line(o, ln) for ln in o["lines"]])

    @app.get(f"{V2}/orders/{{order_id}}/shipping_addresses")
    async def order_addresses(order_id: int, request: Request) -> Response:
        return _sub(
            order_id,
            request,
            lambda o: [render_shipping_address(o, a, root()) for a in o["addresses"]],
        )

    @app.get(f"{V2}/orders/{{order_id}}/coupons")
    async def order_coupons(order_id: int, request: Request) -> Response:
        return _sub(order_id, request, lambda o: [render_coupon(o, c) for c in o["coupons"]])

    @app.get(f"{V2}/orders/{{order_id}}/shipments")
    async def order_shipments(order_id: int, request: Request) -> Response:
        return _sub(order_id, request, lambda o: [render_shipment(o, s) for s in o["shipments"]])

    @app.get(f"{V2}/orders/{{order_id}}/shipments/count")
    async def count_shipments(order_id: int) -> Response:
        with emu.lock:
            return json_response({"count": len(emu.order(order_id)["shipments"])})

    @app.get(f"{V2}/orders/{{order_id}}/shipments/{{shipment_id}}")
    async def get_shipment(order_id: int, shipment_id: int) -> Response:
        with emu.lock:
            order = emu.order(order_id)
            shipment = next((s for s in order["shipments"] if s["id"] == shipment_id), None)
            if shipment is None:
                raise ApiError(404, "The requested resource was not found.")
            return json_response(render_shipment(order, shipment))

    @app.post(f"{V2}/orders/{{order_id}}/shipments")
    async def post_shipment(order_id: int, request: Request) -> Response:
        body = await read_json(request)
        if not isinstance(body, dict):
            raise ApiError(400, f"The body of the shipment of order {order_id} must be an object.")
        order, shipment = emu.add_shipment(order_id, body)
        with emu.lock:
            return json_response(render_shipment(order, shipment), 201)

    @app.put(f"{V2}/orders/{{order_id}}/shipments/{{shipment_id}}")
    async def put_shipment(order_id: int, shipment_id: int, request: Request) -> Response:
        body = await read_json(request)
        if not isinstance(body, dict):
            raise ApiError(400, f"The body of shipment {shipment_id} must be an object.")
        shipment = emu.update_shipment(order_id, shipment_id, body)
        with emu.lock:
            return json_response(render_shipment(emu.order(order_id), shipment))

    @app.get(f"{V2}/order_statuses")
    async def order_statuses() -> Response:
        return json_response(render_statuses())

    @app.get(f"{V3}/orders/{{order_id}}/transactions")
    async def transactions(order_id: int, request: Request) -> Response:
        with emu.lock:
            order = emu.order(order_id)
            rows = [render_transaction(order, t) for t in order["transactions"]]
        if not rows:
            return no_content()  # the spec's 204 (its body schema cannot be sent with a 204)
        return json_response(
            {
                "data": rows,
                "meta": {"pagination": pagination(len(rows), len(rows), 1, max(len(rows), 1))},
            }
        )
