"""Shift4Shop (3dcart) REST API v1 client: orders, customers, products, shipments, stock.

The API filters and answers in the store's local time with no offset, pages with a 1-based
`offset`, answers 404 for "no rows", and documents the orders' `lastupdate*` filters as
date-only. So a UTC window becomes store-local days (start day .. end day + 1), is counted, paged
to exactly that count one page at a time (`cursor`), then filtered here to the exact UTC window
(reliability bar #8 and #9). Writes answer `[{"Key","Value","Status","Message"}]`, one element
per item, failures inside a 200 for batches: `WriteResult`s tell each item's outcome.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from connectors.http import (
    ConnectorClient,
    OffsetPaginator,
    PageRequest,
    client_from_settings,
    jsonx,
)
from connectors.records import Failure, Page, validate_rows
from connectors.settings import load_settings
from connectors.shift4shop import models, resources
from connectors.shift4shop.resources import CUSTOMERS, EMPTY_STATUS, ORDERS, SKUINFO, Resource
from connectors.shift4shop.settings import Shift4ShopSettings

SYSTEM = "shift4shop"
REFUSALS = (400, 404, 409, 422)  # a write refused for its record (not an auth or server error)


@dataclass(frozen=True)
class WriteResult:
    """One element of a write answer: which record, its HTTP-like status, the message."""

    key: str
    value: str
    status: int
    message: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def write_results(body: Any) -> list[WriteResult]:
    """The elements of a write answer (Status is a string in the API)."""
    items = body if isinstance(body, list) else [body]
    out = []
    for item in items:
        if not isinstance(item, dict):
            continue
        status = str(item.get("Status") or "500")
        out.append(
            WriteResult(
                str(item.get("Key", "")),
                str(item.get("Value", "")),
                int(status) if status.isdigit() else 500,
                str(item.get("Message", "")),
            )
        )
    return out


class Shift4ShopClient(ConnectorClient):
    """One store's API. Thread-safe; close it (or use `with`) to release connections."""

    def __init__(
        self,
        settings: Shift4ShopSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        **http_options: Any,
    ) -> None:
        """Args:
        settings: the store connection.
        transport: an httpx transport (tests).
        **http_options: passed to `ResilientClient` (e.g. `sleep`, `clock` in tests).
        """
        self.settings = settings
        self.zone = ZoneInfo(settings.store_timezone)
        headers = {
            "SecureURL": settings.secure_url,
            "PrivateKey": settings.private_key.get_secret_value(),
            "Token": settings.token.get_secret_value(),
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        self.http = client_from_settings(
            SYSTEM,
            settings,
            headers=headers,
            transport=transport,
            error_table=_error_table(),
            **http_options,
        )

    @classmethod
    def from_env(cls, **overrides: Any) -> Shift4ShopClient:
        """Build from `STOREBRIDGE_SHIFT4SHOP_*` (a `ConfigError` names what is missing)."""
        return cls(load_settings(Shift4ShopSettings, **overrides))

    # --- time ---------------------------------------------------------------------------------
    def to_store_time(self, moment: dt.datetime) -> dt.datetime:
        """An aware datetime as the store's naive local time."""
        if moment.tzinfo is None:
            raise ValueError("need an aware datetime (UTC), got a naive one")
        return moment.astimezone(self.zone).replace(tzinfo=None)

    def to_utc(self, local: dt.datetime) -> dt.datetime:
        """A naive store-local time (as the API sends it) in UTC."""
        return local.replace(tzinfo=self.zone).astimezone(dt.UTC)

    # --- paged reads --------------------------------------------------------------------------
    def count(self, path: str, params: dict[str, Any]) -> int:
        """`countonly=1` for `path` with these filters (404 means none)."""
        response = self.http.request(
            "GET", path, params={**params, "countonly": 1}, expect=(EMPTY_STATUS,)
        )
        if response.status_code == EMPTY_STATUS:
            return 0
        return int(response.json()["TotalCount"])

    def page(
        self, resource: Resource, params: dict[str, Any], cursor: Any, page_size: int
    ) -> tuple[list[dict[str, Any]], Any, int]:
        """One page of a counted listing: rows, the next cursor (None at the end), the total.

        The first call (`cursor` None) counts; later ones continue from the cursor. Paging
        stops exactly at the count and raises on a short read.
        """
        if cursor is None:
            total, offset, read = self.count(resource.path, params), resource.offset_start, 0
        else:
            total, offset, read = cursor["total"], cursor["offset"], cursor["read"]
        if not total:
            return [], None, 0
        paginator = OffsetPaginator(
            page_size=min(page_size, resource.max_limit),
            start=resource.offset_start,
            total=total,
            empty_statuses=(EMPTY_STATUS,),
        )
        paginator._read = read  # resume where the previous page left it
        request = PageRequest(
            resource.path, {**params, "offset": offset, "limit": paginator.page_size}
        )
        response = self.http.request(
            "GET", request.url, params=request.params, expect=(EMPTY_STATUS,)
        )
        rows = [] if response.status_code == EMPTY_STATUS else list(response.json())
        nxt = paginator.next(request, response, rows)
        cursor_out = (
            None
            if nxt is None
            else {"total": total, "offset": nxt.params["offset"], "read": read + len(rows)}
        )
        return rows, cursor_out, total

    def _window(self, since: dt.datetime, until: dt.datetime, *, with_time: bool) -> dict[str, str]:
        if with_time:
            fmt = resources.FILTER_DATETIME_FORMAT
            return {
                "lastupdatestart": self.to_store_time(since).strftime(fmt),
                "lastupdateend": self.to_store_time(until).strftime(fmt),
            }
        start = self.to_store_time(since).date()
        end = self.to_store_time(until).date() + dt.timedelta(days=1)
        return {
            "lastupdatestart": start.strftime(resources.FILTER_DATE_FORMAT),
            "lastupdateend": end.strftime(resources.FILTER_DATE_FORMAT),
        }

    # --- orders -------------------------------------------------------------------------------
    def orders_page(
        self,
        since: dt.datetime,
        until: dt.datetime,
        cursor: Any,
        *,
        include_abandoned: bool = False,
    ) -> Page[models.Order]:
        """One page of orders whose LastUpdate is within [since, until] (aware, any zone).

        Abandoned checkouts (status 7 "Not Completed") are left out unless asked for.
        """
        rows, nxt, total = self.page(
            ORDERS,
            self._window(since, until, with_time=False),
            cursor,
            self.settings.orders_page_size,
        )
        page = validate_rows(models.Order, rows, system=SYSTEM, entity="order", id_key="OrderID")
        page.records = [
            o
            for o in page.records
            if o.last_update is not None
            and since <= self.to_utc(o.last_update) <= until
            and (include_abandoned or o.order_status_id != resources.NOT_COMPLETED_STATUS)
        ]
        page.next, page.total = nxt, total
        return page

    def _by_id(
        self, path: str, ids: Iterable[int], model: type[Any], entity: str, id_key: str
    ) -> Page[Any]:
        rows: list[dict[str, Any]] = []
        missing: list[int] = []
        for rid in dict.fromkeys(ids):
            response = self.http.request(
                "GET", path.format(order_id=rid, customer_id=rid), expect=(EMPTY_STATUS,)
            )
            if response.status_code == EMPTY_STATUS:
                missing.append(rid)
            else:
                rows.extend(response.json())
        page = validate_rows(model, rows, system=SYSTEM, entity=entity, id_key=id_key)
        page.failures += [
            Failure(SYSTEM, entity, str(m), "NotFoundError", f"{SYSTEM}:{entity}:{m}: not found")
            for m in missing
        ]
        return page

    def orders_by_id(self, order_ids: Iterable[int]) -> Page[models.Order]:
        """Orders one by one (`GET /Orders/{id}`); unknown ids are `NotFoundError` failures."""
        return self._by_id(resources.ORDER, order_ids, models.Order, "order", "OrderID")

    def set_order_statuses(self, changes: Sequence[tuple[int, int]]) -> list[WriteResult]:
        """Set order statuses in batches (`PUT /Orders` with `[{OrderID, OrderStatusID}]`)."""
        out: list[WriteResult] = []
        for start in range(0, len(changes), resources.ORDERS_BATCH):
            chunk = changes[start : start + resources.ORDERS_BATCH]
            body = [{"OrderID": oid, "OrderStatusID": status} for oid, status in chunk]
            out += self._write("PUT", ORDERS.path, body)
        return out

    def set_order_status(self, order_id: int, status_id: int) -> None:
        """Set one order's status (`PUT /Orders/{id}`); raises if the store refuses it."""
        self.http.request(
            "PUT", resources.ORDER.format(order_id=order_id), json={"OrderStatusID": status_id}
        )

    def shipments(self, order_id: int) -> list[dict[str, Any]]:
        """An order's ShipmentList (`GET /Orders/{id}/Shipments`; 404 = none)."""
        response = self.http.request(
            "GET", resources.SHIPMENTS.format(order_id=order_id), expect=(EMPTY_STATUS,)
        )
        return [] if response.status_code == EMPTY_STATUS else list(response.json())

    def update_shipment(
        self, order_id: int, shipment_id: int, fields: dict[str, Any]
    ) -> list[WriteResult]:
        """`PUT /Orders/{id}/Shipments/{shipmentid}` with the changed fields."""
        path = resources.SHIPMENT.format(order_id=order_id, shipment_id=shipment_id)
        return self._write("PUT", path, fields)

    def add_shipment(self, order_id: int, fields: dict[str, Any]) -> list[WriteResult]:
        """`POST /Orders/{id}/Shipments`: a new ship-to (Key "ShipmentID" gives its id)."""
        return self._write("POST", resources.SHIPMENTS.format(order_id=order_id), fields)

    # --- customers ----------------------------------------------------------------------------
    def customers_page(
        self, since: dt.datetime, until: dt.datetime, cursor: Any
    ) -> Page[models.Customer]:
        """One page of registered customers changed in [since, until] (store-local seconds)."""
        rows, nxt, total = self.page(
            CUSTOMERS, self._window(since, until, with_time=True), cursor, CUSTOMERS.max_limit
        )
        page = validate_rows(
            models.Customer, rows, system=SYSTEM, entity="customer", id_key="CustomerID"
        )
        page.next, page.total = nxt, total
        return page

    def customers_by_id(self, ids: Iterable[int]) -> Page[models.Customer]:
        return self._by_id(resources.CUSTOMER, ids, models.Customer, "customer", "CustomerID")

    def customers_by_email(self, email: str) -> list[models.Customer]:
        """Registered customers with this e-mail (exact, case-insensitive)."""
        rows, _, _ = self.page(CUSTOMERS, {"email": email}, None, CUSTOMERS.max_limit)
        return validate_rows(
            models.Customer, rows, system=SYSTEM, entity="customer", id_key="CustomerID"
        ).records

    def update_customers(self, bodies: Sequence[dict[str, Any]]) -> list[WriteResult]:
        """`PUT /Customers` in batches; each body carries its CustomerID."""
        return self._batched("PUT", CUSTOMERS.path, bodies, resources.CUSTOMERS_BATCH)

    def create_customers(self, bodies: Sequence[dict[str, Any]]) -> list[WriteResult]:
        """`POST /Customers` in batches (Key "CustomerID" gives each new id)."""
        return self._batched("POST", CUSTOMERS.path, bodies, resources.CUSTOMERS_BATCH)

    # --- products and stock -------------------------------------------------------------------
    def skus(self, sku: str | None = None) -> list[dict[str, Any]]:
        """`GET /Products/skuinfo` (all pages, or one SKU): CatalogID, SKU, Name, Price, Stock."""
        params = {"sku": sku} if sku else {}
        rows: list[dict[str, Any]] = []
        cursor: Any = None
        while True:
            page, cursor, _ = self.page(SKUINFO, params, cursor, SKUINFO.max_limit)
            rows += page
            if cursor is None:
                return rows

    def product(self, catalog_id: int) -> dict[str, Any] | None:
        response = self.http.request(
            "GET", resources.PRODUCT.format(catalog_id=catalog_id), expect=(EMPTY_STATUS,)
        )
        if response.status_code == EMPTY_STATUS:
            return None
        rows = response.json()
        return rows[0] if rows else None

    def update_products(self, bodies: Sequence[dict[str, Any]]) -> list[WriteResult]:
        """`PUT /Products` in batches of 100 (`{"SKUInfo": {"CatalogID": ..., ...}}` each)."""
        return self._batched("PUT", resources.PRODUCTS, bodies, resources.PRODUCTS_BATCH)

    def create_products(self, bodies: Sequence[dict[str, Any]]) -> list[WriteResult]:
        """`POST /Products` in batches (Key "CatalogID" gives each new id)."""
        return self._batched("POST", resources.PRODUCTS, bodies, resources.PRODUCTS_BATCH)

    def advanced_options(self, catalog_id: int) -> list[dict[str, Any]]:
        """A product's variants (`GET /Products/{id}/AdvancedOptions`; 404 = none)."""
        response = self.http.request(
            "GET", resources.ADVANCED_OPTIONS.format(catalog_id=catalog_id), expect=(EMPTY_STATUS,)
        )
        return [] if response.status_code == EMPTY_STATUS else list(response.json())

    def update_advanced_options(
        self, catalog_id: int, bodies: Sequence[dict[str, Any]]
    ) -> list[WriteResult]:
        """`PUT /Products/{id}/AdvancedOptions` (each body by AdvancedOptionCode)."""
        return self._write(
            "PUT", resources.ADVANCED_OPTIONS.format(catalog_id=catalog_id), list(bodies)
        )

    # --- writes -------------------------------------------------------------------------------
    def _batched(
        self, method: str, path: str, bodies: Sequence[dict[str, Any]], size: int
    ) -> list[WriteResult]:
        out: list[WriteResult] = []
        for start in range(0, len(bodies), size):
            out += self._write(method, path, list(bodies[start : start + size]))
        return out

    def _write(self, method: str, path: str, body: Any) -> list[WriteResult]:
        """Send a write; a refusal of a single-object write comes back as a failed result
        (status and message), like a batch item's, instead of an exception."""
        response = self.http.request(
            method,
            path,
            content=jsonx.dumps(body),
            headers={"Content-Type": "application/json"},
            idempotent=method != "POST",
            expect=REFUSALS,
        )
        parsed = response.json() if response.content else []
        if response.status_code in REFUSALS:
            message = (
                "; ".join(str(e.get("Message", "")) for e in parsed if isinstance(e, dict))
                if isinstance(parsed, list)
                else str(parsed)
            )
            return [WriteResult("Error", "", response.status_code, message or response.text)]
        return write_results(parsed)


def _error_table() -> Any:
    from connectors.http import DEFAULT_ERROR_TABLE

    return (*resources.ERROR_ROWS, *DEFAULT_ERROR_TABLE)
