"""V2 orders: the window read with lines and ship-tos in the list call, and order writes.

`orders_page` asks `GET /v2/orders?include=consignments.line_items&consignment_structure=object`
(orders.v2.oas2.yml `order_includes`): each order arrives with its line items and shipping
consignments (the ship-tos, same ids as `shipping_addresses`), so a page of 250 orders is one
call. Per order, only what the list cannot carry: its coupons when `coupon_discount` > 0
(`GET /v2/orders/{id}/coupons`), its V3 transactions when a payment was taken and
`payments_from` is "transactions", its shipments when asked. A server that ignores the include
(consignments missing or links) costs the two sub-resource reads it would have saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.bigcommerce import models, resources
from connectors.bigcommerce.base import BigCommerceBase, parse, rfc2822, whole_seconds
from connectors.bigcommerce.resources import SYSTEM, V2_EMPTY
from connectors.http import RecordError
from connectors.records import Failure, Page, validate_rows


def _amount(value: Any) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation:
        return Decimal("0")


def _embedded(value: Any) -> bool:
    return isinstance(value, list)


class OrdersMixin(BigCommerceBase):
    """Orders V2 (and their V3 transactions)."""

    def order_params(self) -> dict[str, str]:
        return dict(resources.ORDER_INCLUDES)

    def orders_page(
        self,
        since: dt.datetime,
        until: dt.datetime,
        cursor: Any,
        *,
        include_abandoned: bool = False,
        with_shipments: bool = False,
    ) -> Page[models.Order]:
        """One page of orders whose `date_modified` is within [since, until] (aware, any zone).

        Sorted `date_modified:asc`, `page`/`limit` (<= 250); the cursor is the next page number
        and None after a 204. Incomplete orders (status 0, abandoned checkouts) are left out
        unless asked for. Each order carries its lines, ship-tos, coupons and transactions.
        """
        start, end = whole_seconds(since, until)
        params = {
            **self.order_params(),
            "min_date_modified": rfc2822(start),
            "max_date_modified": rfc2822(end),
            "sort": "date_modified:asc",
        }
        number = int(cursor) if cursor else 1
        rows, nxt = self.v2_page(resources.ORDERS, params, number, self.settings.orders_page_size)
        if not include_abandoned:
            rows = [r for r in rows if r.get("status_id") != resources.ABANDONED_STATUS]
        page = self._complete(rows, with_shipments=with_shipments)
        page.records = [
            o
            for o in page.records
            if o.date_modified is not None and since <= o.date_modified <= until
        ]
        page.next = nxt
        return page

    def orders_by_id(
        self, order_ids: Iterable[int], *, with_shipments: bool = False
    ) -> Page[models.Order]:
        """Orders one by one (`GET /v2/orders/{id}` with the same include); unknown ids are
        `NotFoundError` failures."""
        rows: list[dict[str, Any]] = []
        missing: list[int] = []
        for oid in dict.fromkeys(int(i) for i in order_ids):
            response = self.http.request(
                "GET",
                resources.ORDER.format(order_id=oid),
                params=self.order_params(),
                expect=(404,),
            )
            if response.status_code == 404:
                missing.append(oid)
            else:
                rows.append(parse(response))
        page = self._complete(rows, with_shipments=with_shipments)
        page.failures += [
            Failure(SYSTEM, "order", str(m), "NotFoundError", f"{SYSTEM}:order:{m}: not found")
            for m in missing
        ]
        return page

    def _complete(self, rows: list[dict[str, Any]], *, with_shipments: bool) -> Page[models.Order]:
        """Fetch what the list did not carry, then validate; a failed fetch fails that order."""
        done: list[dict[str, Any]] = []
        failures: list[Failure] = []
        for row in rows:
            try:
                done.append(self._with_parts(row, with_shipments=with_shipments))
            except RecordError as exc:
                oid = row.get("id", "?")
                message = f"{SYSTEM}:order:{oid}: reading its parts: {exc.message}"
                failures.append(Failure(SYSTEM, "order", str(oid), type(exc).__name__, message))
        page = validate_rows(models.Order, done, system=SYSTEM, entity="order", id_key="id")
        page.failures = failures + page.failures
        return page

    def _with_parts(self, row: Mapping[str, Any], *, with_shipments: bool) -> dict[str, Any]:
        out = dict(row)
        oid = int(out["id"])
        consignments = out.get("consignments")
        lines = (
            models.consignment_lines(consignments)
            if isinstance(consignments, dict) and not models.is_link(consignments)
            else None
        )
        if lines is None and not _embedded(out.get("products")):
            out["products"] = self.v2_all(resources.ORDER_PRODUCTS.format(order_id=oid))
            count = out.get("shipping_address_count")
            out["shipping_addresses"] = self.v2_all(
                resources.ORDER_SHIPPING_ADDRESSES.format(order_id=oid),
                expected=int(count) if isinstance(count, int | float) and count > 0 else None,
            )
        if not _embedded(out.get("coupons")):
            has_coupon = _amount(out.get("coupon_discount")) > 0
            out["coupons"] = (
                self.v2_all(resources.ORDER_COUPONS.format(order_id=oid)) if has_coupon else []
            )
        if self.settings.payments_from == "transactions" and not _embedded(out.get("transactions")):
            paid = str(out.get("payment_status") or "") not in resources.NO_TRANSACTIONS
            out["transactions"] = self.order_transactions(oid) if paid else []
        if with_shipments and not _embedded(out.get("shipments")):
            shipped = _amount(out.get("items_shipped")) > 0
            out["shipments"] = self._shipment_rows(oid) if shipped else []
        return out

    def order_transactions(self, order_id: int) -> list[dict[str, Any]]:
        """`GET /v3/orders/{id}/transactions` (204 = none)."""
        return self.v3_all(resources.ORDER_TRANSACTIONS.format(order_id=order_id))

    def _shipment_rows(self, order_id: int) -> list[dict[str, Any]]:
        return self.v2_all(resources.ORDER_SHIPMENTS.format(order_id=order_id))

    # --- shipments and status -------------------------------------------------------------
    def order_shipments(self, order_id: int) -> list[models.Shipment]:
        """An order's shipments (`GET /v2/orders/{id}/shipments`; 204 = none)."""
        return [models.Shipment.model_validate(r) for r in self._shipment_rows(order_id)]

    def add_shipment(self, order_id: int, body: Mapping[str, Any]) -> models.Shipment:
        """`POST /v2/orders/{id}/shipments` (`order_address_id`, `items[{order_product_id,
        quantity}]`, tracking...): the new shipment. Refusals raise `RecordError`."""
        response = self.send("POST", resources.ORDER_SHIPMENTS.format(order_id=order_id), body)
        return models.Shipment.model_validate(parse(response))

    def update_shipment(
        self, order_id: int, shipment_id: int, body: Mapping[str, Any]
    ) -> models.Shipment:
        """`PUT /v2/orders/{id}/shipments/{shipment_id}` with the changed fields."""
        path = resources.ORDER_SHIPMENT.format(order_id=order_id, shipment_id=shipment_id)
        return models.Shipment.model_validate(parse(self.send("PUT", path, body)))

    def set_order_status(self, order_id: int, status_id: int) -> models.Order:
        """`PUT /v2/orders/{id}` `{"status_id": n}`: the order as it is now (its parts are not
        re-read: `products` etc. are None)."""
        response = self.send(
            "PUT", resources.ORDER.format(order_id=order_id), {"status_id": int(status_id)}
        )
        return models.Order.model_validate(parse(response))

    def order_statuses(self) -> list[models.OrderStatus]:
        """`GET /v2/order_statuses`: ids are fixed, labels are the store's."""
        response = self.http.request("GET", resources.ORDER_STATUSES, expect=(V2_EMPTY,))
        return [models.OrderStatus.model_validate(r) for r in parse(response) or []]
