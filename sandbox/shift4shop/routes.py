"""HTTP routes of the Shift4Shop (3dcart) REST API v1 emulator, under `/3dCartWebAPI/v1`.

The endpoint tables (`ENDPOINTS` here and in `routes_catalog.py` / `routes_webhooks.py`) are data;
handlers are methods of the `*Api` classes. Every route needs the three auth headers. Errors
(ours, unknown paths, wrong methods) answer the documented error array; admin routes
(`admin.py`) keep FastAPI's defaults.

Sub-resource lists (`/Orders/{id}/Items|Shipments|Transactions`) are not paged. Assumption: the
spec lists `limit`/`offset` for them, but an order never holds more than a handful.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sandbox.shift4shop.admin import register_admin
from sandbox.shift4shop.catalog import ORDER_STATUSES, render_status
from sandbox.shift4shop.fields import CREATED, items_of, written
from sandbox.shift4shop.query import (
    ApiError,
    Page,
    error_body,
    int_param,
    lower_params,
    paginate,
    window,
)
from sandbox.shift4shop.render import (
    render_item,
    render_order,
    render_shipments,
    render_transactions,
)
from sandbox.shift4shop.routes_catalog import CATALOG_ENDPOINTS, CatalogApi
from sandbox.shift4shop.routes_webhooks import WEBHOOK_ENDPOINTS, WebhooksApi
from sandbox.shift4shop.state import Order
from sandbox.shift4shop.web import ok, path_id, read_json, read_object, sub_list, write_response

if TYPE_CHECKING:
    from sandbox.shift4shop.emulator import Shift4ShopEmulator

# (method, path under the base path, handler name)
ENDPOINTS: tuple[tuple[str, str, str], ...] = (
    ("GET", "/Orders", "list_orders"),
    ("PUT", "/Orders", "put_orders"),
    ("GET", "/Orders/{orderid}", "get_order"),
    ("PUT", "/Orders/{orderid}", "put_order"),
    ("GET", "/Orders/{orderid}/Items", "get_items"),
    ("GET", "/Orders/{orderid}/Shipments", "get_shipments"),
    ("PUT", "/Orders/{orderid}/Shipments", "put_shipments"),
    ("POST", "/Orders/{orderid}/Shipments", "post_shipments"),
    ("PUT", "/Orders/{orderid}/Shipments/{shipmentid}", "put_shipment"),
    ("GET", "/Orders/{orderid}/Transactions", "get_transactions"),
    ("GET", "/OrderStatus", "list_statuses"),
)


class OrdersApi:
    """Order handlers bound to one emulator (its state, lock, store zone and limits)."""

    def __init__(self, emu: Shift4ShopEmulator) -> None:
        """Bind the handlers to `emu`."""
        self.emu = emu

    def _order_filter(self, params: dict[str, str]) -> Callable[[Order], bool]:
        status = int_param(params, "orderstatus", 0)  # 0 = all statuses, 7 included
        invoice = int_param(params, "invoicenumber", 0)
        invoice_from = int_param(params, "invoicenumberstart", 0)
        invoice_to = int_param(params, "invoicenumberend", 0)
        prefix = params.get("invoiceprefix")
        # Assumption: billingemail is an exact match, case-insensitive.
        email = params.get("billingemail", "").strip().lower()
        by_date = window(params, "date", self.emu.tz)
        by_update = window(params, "lastupdate", self.emu.tz)

        def keep(o: Order) -> bool:
            return (
                (not status or o.status_id == status)
                and (not invoice or o.invoice_number == invoice)
                and (not invoice_from or o.invoice_number >= invoice_from)
                and (not invoice_to or o.invoice_number <= invoice_to)
                and (prefix is None or o.invoice_prefix == prefix)
                and (not email or o.customer.email.lower() == email)
                and by_date(o.order_date)
                and by_update(o.last_update)
            )

        return keep

    async def list_orders(self, request: Request) -> Response:
        """`GET /Orders`: filtered, sorted by OrderID, paged."""
        params = lower_params(request.query_params)
        page = Page.from_params(params, self.emu.max_limit)
        keep = self._order_filter(params)
        ctx = self.emu.render_context
        with self.emu.lock:
            rows = [o for _, o in sorted(self.emu.state.orders.items()) if keep(o)]
            return ok(paginate(rows, page, lambda o: render_order(o, ctx), "orders"))

    def _order(self, orderid: str) -> Order:
        order = self.emu.state.orders.get(path_id(orderid, "OrderID"))
        if order is None:
            raise ApiError(404, "No orders found")
        return order

    async def get_order(self, orderid: str) -> Response:
        """`GET /Orders/{orderid}`: an array with the one order."""
        with self.emu.lock:
            return ok([render_order(self._order(orderid), self.emu.render_context)])

    async def get_items(self, orderid: str) -> Response:
        """`GET /Orders/{orderid}/Items`: the order's `OrderItemList`."""
        ctx = self.emu.render_context
        with self.emu.lock:
            order = self._order(orderid)
            return sub_list([render_item(order, ln, ctx) for ln in order.lines], "items")

    async def get_shipments(self, orderid: str) -> Response:
        """`GET /Orders/{orderid}/Shipments`: the order's `ShipmentList` (404 when empty)."""
        with self.emu.lock:
            order = self._order(orderid)
            return sub_list(render_shipments(order, self.emu.render_context), "shipments")

    async def get_transactions(self, orderid: str) -> Response:
        """`GET /Orders/{orderid}/Transactions`: the order's `TransactionList` (404 if none)."""
        with self.emu.lock:
            order = self._order(orderid)
            rows = render_transactions(order, self.emu.render_context)
            return sub_list(rows, "transactions")

    async def put_order(self, orderid: str, request: Request) -> Response:
        """`PUT /Orders/{orderid}`: an object (or one-element array) of changes."""
        order_id = path_id(orderid, "OrderID")
        self.emu.update_order(order_id, await read_object(request, "order"))
        return ok([written("OrderID", order_id)])

    async def put_orders(self, request: Request) -> Response:
        """`PUT /Orders`: batch; one result element per item, failures inside a 200."""
        items, _ = items_of(await read_json(request), "order")
        return ok(self.emu.update_orders(items))

    async def put_shipment(self, orderid: str, shipmentid: str, request: Request) -> Response:
        """`PUT /Orders/{orderid}/Shipments/{shipmentid}`: one ship-to."""
        order_id, shipment_id = path_id(orderid, "OrderID"), path_id(shipmentid, "ShipmentID")
        body = await read_object(request, "shipment")
        self.emu.update_shipment(order_id, shipment_id, body)
        return ok([written("ShipmentID", shipment_id)])

    async def put_shipments(self, orderid: str, request: Request) -> Response:
        """`PUT /Orders/{orderid}/Shipments`: items by ShipmentID, failures inside a 200."""
        order_id = path_id(orderid, "OrderID")
        items, batch = items_of(await read_json(request), "shipment")
        return write_response(self.emu.update_shipments(order_id, items), batch)

    async def post_shipments(self, orderid: str, request: Request) -> Response:
        """`POST /Orders/{orderid}/Shipments`: new ship-tos (Key "ShipmentID", Status "201")."""
        order_id = path_id(orderid, "OrderID")
        items, batch = items_of(await read_json(request), "shipment")
        if batch:
            return ok(self.emu.add_shipments(order_id, items))
        shipment_id = self.emu.add_shipment(order_id, items[0])
        return ok([written("ShipmentID", shipment_id, 201, CREATED)], 201)

    async def list_statuses(self) -> Response:
        """`GET /OrderStatus`: the default status table."""
        return ok([render_status(i) for i in ORDER_STATUSES])


def register(app: FastAPI, emu: Shift4ShopEmulator) -> None:
    """Add the API routes (behind header auth), admin routes and error handlers to `app`.

    Args:
        app: the emulator's app (the base admin routes already registered).
        emu: the emulator whose state the handlers serve.
    """
    router = APIRouter(prefix=emu.base_path, dependencies=[Depends(emu.authenticate)])
    tables = (
        (OrdersApi(emu), ENDPOINTS),
        (CatalogApi(emu), CATALOG_ENDPOINTS),
        (WebhooksApi(emu), WEBHOOK_ENDPOINTS),
    )
    for api, endpoints in tables:
        for method, path, handler in endpoints:
            router.add_api_route(path, getattr(api, handler), methods=[method])
    app.include_router(router)
    register_admin(app, emu)

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return JSONResponse(error_body(exc.message), status_code=exc.status)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if not request.url.path.startswith(emu.base_path):
            return await http_exception_handler(request, exc)
        return JSONResponse(error_body(str(exc.detail)), status_code=exc.status_code)

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
