"""HTTP routes of the Shift4Shop (3dcart) REST API v1 emulator, under `/3dCartWebAPI/v1`.

The endpoint table `ENDPOINTS` is data; handlers are methods of `Shift4ShopApi`. Every route needs
the three auth headers. Errors (ours, unknown paths, wrong methods) answer the documented error
array; admin routes keep FastAPI's defaults.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sandbox.shift4shop.catalog import (
    ORDER_STATUSES,
    render_customer,
    render_product,
    render_skuinfo,
    render_status,
)
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
    render_shipment,
    render_transactions,
)
from sandbox.shift4shop.state import Customer, Order, Product

if TYPE_CHECKING:
    from sandbox.shift4shop.emulator import Shift4ShopEmulator

# (method, path under the base path, handler name); /Products/skuinfo before /Products/{id}.
ENDPOINTS: tuple[tuple[str, str, str], ...] = (
    ("GET", "/Orders", "list_orders"),
    ("PUT", "/Orders", "put_orders"),
    ("GET", "/Orders/{orderid}", "get_order"),
    ("PUT", "/Orders/{orderid}", "put_order"),
    ("GET", "/Orders/{orderid}/Items", "get_items"),
    ("GET", "/Orders/{orderid}/Shipments", "get_shipments"),
    ("GET", "/Orders/{orderid}/Transactions", "get_transactions"),
    ("GET", "/OrderStatus", "list_statuses"),
    ("GET", "/Customers", "list_customers"),
    ("GET", "/Customers/{customerid}", "get_customer"),
    ("GET", "/Products", "list_products"),
    ("GET", "/Products/skuinfo", "list_skuinfo"),
    ("GET", "/Products/{catalogid}", "get_product"),
)
UPDATED = "updated successfully"


def _id(raw: str, what: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, f"Invalid {what}: {raw!r}") from None


def _ok(body: Any) -> JSONResponse:
    return JSONResponse(body)


def _written(order_id: Any, status: int = 200, message: str = UPDATED) -> dict[str, str]:
    """One Key/Value/Status/Message element (Status is a string, as captured)."""
    return {"Key": "OrderID", "Value": str(order_id), "Status": str(status), "Message": message}


class Shift4ShopApi:
    """Handlers bound to one emulator (its state, lock, store zone and limits)."""

    def __init__(self, emu: Shift4ShopEmulator) -> None:
        """Bind the handlers to `emu`."""
        self.emu = emu

    # --- orders ------------------------------------------------------------------------------
    def _order_filter(self, params: dict[str, str]) -> Callable[[Order], bool]:
        status = int_param(params, "orderstatus", 0)  # 0 = all statuses, 7 included
        invoice = int_param(params, "invoicenumber", 0)
        invoice_from = int_param(params, "invoicenumberstart", 0)
        invoice_to = int_param(params, "invoicenumberend", 0)
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
            return _ok(paginate(rows, page, lambda o: render_order(o, ctx), "orders"))

    def _order(self, orderid: str) -> Order:
        order = self.emu.state.orders.get(_id(orderid, "OrderID"))
        if order is None:
            raise ApiError(404, "No orders found")
        return order

    async def get_order(self, orderid: str) -> Response:
        """`GET /Orders/{orderid}`: an array with the one order."""
        with self.emu.lock:
            return _ok([render_order(self._order(orderid), self.emu.render_context)])

    async def get_items(self, orderid: str) -> Response:
        """`GET /Orders/{orderid}/Items`: the order's `OrderItemList`."""
        ctx = self.emu.render_context
        with self.emu.lock:
            order = self._order(orderid)
            return self._sub_list([render_item(order, ln, ctx) for ln in order.lines], "items")

    async def get_shipments(self, orderid: str) -> Response:
        """`GET /Orders/{orderid}/Shipments`: the order's `ShipmentList`."""
        with self.emu.lock:
            order = self._order(orderid)
            return self._sub_list([render_shipment(order, self.emu.render_context)], "shipments")

    async def get_transactions(self, orderid: str) -> Response:
        """`GET /Orders/{orderid}/Transactions`: the order's `TransactionList` (404 if unpaid)."""
        with self.emu.lock:
            order = self._order(orderid)
            rows = render_transactions(order, self.emu.render_context)
            return self._sub_list(rows, "transactions")

    @staticmethod
    def _sub_list(rows: list[dict[str, Any]], noun: str) -> Response:
        if not rows:
            raise ApiError(404, f"No {noun} found")
        return _ok(rows)

    async def put_order(self, orderid: str, request: Request) -> Response:
        """`PUT /Orders/{orderid}`: an object (or one-element array) of changes."""
        order_id = _id(orderid, "OrderID")
        body = await _json(request)
        if isinstance(body, list) and len(body) == 1:
            body = body[0]
        if not isinstance(body, dict):
            raise ApiError(400, "Request body must be an order object")
        self.emu.update_order(order_id, body)
        return _ok([_written(order_id)])

    async def put_orders(self, request: Request) -> Response:
        """`PUT /Orders`: batch; one result element per item, failures inside a 200."""
        body = await _json(request)
        items = [body] if isinstance(body, dict) else body
        if not isinstance(items, list) or not items:
            raise ApiError(400, "Request body must be an array of order objects")
        results = []
        for item in items:
            order_id = item.get("OrderID") if isinstance(item, dict) else None
            if isinstance(order_id, str) and order_id.isdigit():
                order_id = int(order_id)
            if type(order_id) is not int:
                results.append(_written(order_id or "", 400, "OrderID is required"))
                continue
            try:
                self.emu.update_order(order_id, item)
            except ApiError as exc:
                results.append(_written(order_id, exc.status, exc.message))
            else:
                results.append(_written(order_id))
        return _ok(results)

    async def list_statuses(self) -> Response:
        """`GET /OrderStatus`: the default status table."""
        return _ok([render_status(i) for i in ORDER_STATUSES])

    # --- customers and products --------------------------------------------------------------
    async def list_customers(self, request: Request) -> Response:
        """`GET /Customers`: `email` (exact, case-insensitive) and `lastupdatestart/end`."""
        params = lower_params(request.query_params)
        page = Page.from_params(params, self.emu.max_limit)
        email = params.get("email", "").strip().lower()
        by_update = window(params, "lastupdate", self.emu.tz)

        def keep(c: Customer) -> bool:
            return (not email or c.customer.email.lower() == email) and by_update(c.last_update)

        with self.emu.lock:
            rows = [c for _, c in sorted(self.emu.state.customers.items()) if keep(c)]
            return _ok(paginate(rows, page, render_customer, "customers"))

    async def get_customer(self, customerid: str) -> Response:
        """`GET /Customers/{customerid}`: an array with the one customer."""
        with self.emu.lock:
            customer = self.emu.state.customers.get(_id(customerid, "CustomerID"))
            if customer is None:
                raise ApiError(404, "No customers found")
            return _ok([render_customer(customer)])

    def _products(self, params: dict[str, str]) -> list[Product]:
        # Assumption: `sku` is an exact match, case-insensitive (the docs do not say).
        sku = params.get("sku", "").strip().lower()
        catalog_id = int_param(params, "catalogid", 0)
        by_update = window(params, "lastupdate", self.emu.tz)
        return [
            p
            for _, p in sorted(self.emu.state.products.items())
            if (not sku or p.product.sku.lower() == sku)
            and (not catalog_id or p.product.catalog_id == catalog_id)
            and by_update(p.last_update)
        ]

    async def list_products(self, request: Request) -> Response:
        """`GET /Products`: `sku`, `lastupdatestart/end`, paged by CatalogID."""
        params = lower_params(request.query_params)
        page = Page.from_params(params, self.emu.max_limit)
        ctx = self.emu.render_context
        with self.emu.lock:
            rows = self._products(params)
            return _ok(paginate(rows, page, lambda p: render_product(p, ctx), "products"))

    async def list_skuinfo(self, request: Request) -> Response:
        """`GET /Products/skuinfo`: the lightweight SKUInfo list (`catalogid`, `sku`)."""
        params = lower_params(request.query_params)
        page = Page.from_params(params, self.emu.max_limit)
        with self.emu.lock:
            return _ok(paginate(self._products(params), page, render_skuinfo, "products"))

    async def get_product(self, catalogid: str) -> Response:
        """`GET /Products/{catalogid}`: an array with the one product."""
        with self.emu.lock:
            product = self.emu.state.products.get(_id(catalogid, "CatalogID"))
            if product is None:
                raise ApiError(404, "No products found")
            return _ok([render_product(product, self.emu.render_context)])


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError:
        raise ApiError(400, "Request body is not valid JSON") from None


def register(app: FastAPI, emu: Shift4ShopEmulator) -> None:
    """Add the API routes (behind header auth) and the error handlers to `app`.

    Args:
        app: the emulator's app (admin routes already registered).
        emu: the emulator whose state the handlers serve.
    """
    api = Shift4ShopApi(emu)
    router = APIRouter(prefix=emu.base_path, dependencies=[Depends(emu.authenticate)])
    for method, path, handler in ENDPOINTS:
        router.add_api_route(path, getattr(api, handler), methods=[method])
    app.include_router(router)

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
