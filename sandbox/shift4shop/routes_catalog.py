"""Customer and product routes of the Shift4Shop (3dcart) REST API v1 emulator.

Reads: `GET /Customers[/{id}]`, `GET /Products[/{id}]`, `GET /Products/skuinfo`,
`GET /Products/{id}/AdvancedOptions`. Writes: `POST|PUT /Customers`, `PUT /Customers/{id}`,
`POST|PUT /Products`, `PUT|DELETE /Products/{id}`, `PUT /Products/{id}/AdvancedOptions[/{code}]`.

Assumption: `sku` (Products, skuinfo) matches the product's own SKU only, exactly and
case-insensitively — not a variant's `AdvancedOptionSufix` (find variants in
`AdvancedOptionList`). Customer text filters (`email`, `firstname`, `lastname`, `country`,
`state`, `city`, `phone`) are exact, case-insensitive matches on the billing fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Request, Response

from sandbox.shift4shop.catalog import (
    render_advanced_option,
    render_customer,
    render_product,
    render_skuinfo,
)
from sandbox.shift4shop.fields import DELETED, items_of, written
from sandbox.shift4shop.query import ApiError, Page, int_param, lower_params, paginate, window
from sandbox.shift4shop.state import Customer, Product
from sandbox.shift4shop.web import ok, path_id, read_json, read_object, sub_list, write_response

if TYPE_CHECKING:
    from sandbox.shift4shop.emulator import Shift4ShopEmulator

# /Products/skuinfo before /Products/{catalogid}.
CATALOG_ENDPOINTS: tuple[tuple[str, str, str], ...] = (
    ("GET", "/Customers", "list_customers"),
    ("POST", "/Customers", "post_customers"),
    ("PUT", "/Customers", "put_customers"),
    ("GET", "/Customers/{customerid}", "get_customer"),
    ("PUT", "/Customers/{customerid}", "put_customer"),
    ("GET", "/Products", "list_products"),
    ("POST", "/Products", "post_products"),
    ("PUT", "/Products", "put_products"),
    ("GET", "/Products/skuinfo", "list_skuinfo"),
    ("GET", "/Products/{catalogid}", "get_product"),
    ("PUT", "/Products/{catalogid}", "put_product"),
    ("DELETE", "/Products/{catalogid}", "delete_product"),
    ("GET", "/Products/{catalogid}/AdvancedOptions", "get_options"),
    ("PUT", "/Products/{catalogid}/AdvancedOptions", "put_options"),
    ("PUT", "/Products/{catalogid}/AdvancedOptions/{advancedoptioncode}", "put_option"),
)
CUSTOMER_FILTERS = {
    "email": "Email",
    "firstname": "BillingFirstName",
    "lastname": "BillingLastName",
    "country": "BillingCountry",
    "state": "BillingState",
    "city": "BillingCity",
    "phone": "BillingPhoneNumber",
}


class CatalogApi:
    """Customer and product handlers bound to one emulator."""

    def __init__(self, emu: Shift4ShopEmulator) -> None:
        """Bind the handlers to `emu`."""
        self.emu = emu

    # --- customers ---------------------------------------------------------------------------
    async def list_customers(self, request: Request) -> Response:
        """`GET /Customers`: text filters, `lastupdatestart/end` (hidden last update), paged."""
        params = lower_params(request.query_params)
        page = Page.from_params(params, self.emu.max_limit)
        wanted = {
            field: params[name].strip().lower()
            for name, field in CUSTOMER_FILTERS.items()
            if params.get(name, "").strip()
        }
        by_update = window(params, "lastupdate", self.emu.tz)

        def keep(c: Customer) -> bool:
            fields = c.fields
            return by_update(c.last_update) and all(
                str(fields.get(k) or "").lower() == v for k, v in wanted.items()
            )

        with self.emu.lock:
            rows = [c for _, c in sorted(self.emu.state.customers.items()) if keep(c)]
            return ok(paginate(rows, page, render_customer, "customers"))

    async def get_customer(self, customerid: str) -> Response:
        """`GET /Customers/{customerid}`: an array with the one customer."""
        with self.emu.lock:
            customer = self.emu.state.customers.get(path_id(customerid, "CustomerID"))
            if customer is None:
                raise ApiError(404, "No customers found")
            return ok([render_customer(customer)])

    async def post_customers(self, request: Request) -> Response:
        """`POST /Customers`: object or array (Key "CustomerID", Status "201")."""
        items, batch = items_of(await read_json(request), "customer")
        return write_response(self.emu.create_customers(items), batch)

    async def put_customers(self, request: Request) -> Response:
        """`PUT /Customers`: items by CustomerID, failures inside a 200."""
        items, batch = items_of(await read_json(request), "customer")
        return write_response(self.emu.update_customers(items), batch)

    async def put_customer(self, customerid: str, request: Request) -> Response:
        """`PUT /Customers/{customerid}`: one customer."""
        customer_id = path_id(customerid, "CustomerID")
        self.emu.update_customer(customer_id, await read_object(request, "customer"))
        return ok([written("CustomerID", customer_id)])

    # --- products ----------------------------------------------------------------------------
    def _products(self, params: dict[str, str]) -> list[Product]:
        sku = params.get("sku", "").strip().lower()
        catalog_id = int_param(params, "catalogid", 0)
        by_update = window(params, "lastupdate", self.emu.tz)
        return [
            p
            for _, p in sorted(self.emu.state.products.items())
            if (not sku or p.sku.lower() == sku)
            and (not catalog_id or p.catalog_id == catalog_id)
            and by_update(p.last_update)
        ]

    async def list_products(self, request: Request) -> Response:
        """`GET /Products`: `sku`, `lastupdatestart/end`, paged by CatalogID."""
        params = lower_params(request.query_params)
        page = Page.from_params(params, self.emu.max_limit)
        ctx = self.emu.render_context
        with self.emu.lock:
            rows = self._products(params)
            return ok(paginate(rows, page, lambda p: render_product(p, ctx), "products"))

    async def list_skuinfo(self, request: Request) -> Response:
        """`GET /Products/skuinfo`: the lightweight SKUInfo list (`catalogid`, `sku`)."""
        params = lower_params(request.query_params)
        page = Page.from_params(params, self.emu.max_limit)
        with self.emu.lock:
            return ok(paginate(self._products(params), page, render_skuinfo, "products"))

    def _product(self, catalogid: str) -> Product:
        product = self.emu.state.products.get(path_id(catalogid, "CatalogID"))
        if product is None:
            raise ApiError(404, "No products found")
        return product

    async def get_product(self, catalogid: str) -> Response:
        """`GET /Products/{catalogid}`: an array with the one product."""
        with self.emu.lock:
            return ok([render_product(self._product(catalogid), self.emu.render_context)])

    async def post_products(self, request: Request) -> Response:
        """`POST /Products`: object or array (Key "CatalogID", Status "201")."""
        items, batch = items_of(await read_json(request), "product")
        return write_response(self.emu.create_products(items), batch)

    async def put_products(self, request: Request) -> Response:
        """`PUT /Products`: at most 100 items by CatalogID, failures inside a 200."""
        items, batch = items_of(await read_json(request), "product")
        return write_response(self.emu.update_products(items), batch)

    async def put_product(self, catalogid: str, request: Request) -> Response:
        """`PUT /Products/{catalogid}`: one product."""
        catalog_id = path_id(catalogid, "CatalogID")
        self.emu.update_product(catalog_id, await read_object(request, "product"))
        return ok([written("CatalogID", catalog_id)])

    async def delete_product(self, catalogid: str) -> Response:
        """`DELETE /Products/{catalogid}`."""
        catalog_id = path_id(catalogid, "CatalogID")
        self.emu.delete_product(catalog_id)
        return ok([written("CatalogID", catalog_id, 200, DELETED)])

    async def get_options(self, catalogid: str) -> Response:
        """`GET /Products/{catalogid}/AdvancedOptions` (404 when the product has none)."""
        with self.emu.lock:
            variants = self._product(catalogid).variants
            return sub_list([render_advanced_option(v) for v in variants], "advanced options")

    async def put_options(self, catalogid: str, request: Request) -> Response:
        """`PUT /Products/{catalogid}/AdvancedOptions`: items by AdvancedOptionCode."""
        catalog_id = path_id(catalogid, "CatalogID")
        items, batch = items_of(await read_json(request), "advanced option")
        return write_response(self.emu.update_advanced_options(catalog_id, items), batch)

    async def put_option(
        self, catalogid: str, advancedoptioncode: str, request: Request
    ) -> Response:
        """`PUT /Products/{catalogid}/AdvancedOptions/{advancedoptioncode}`: one variant."""
        catalog_id = path_id(catalogid, "CatalogID")
        body = await read_object(request, "advanced option")
        self.emu.update_advanced_option(catalog_id, advancedoptioncode, body)
        return ok([written("AdvancedOptionCode", advancedoptioncode)])
