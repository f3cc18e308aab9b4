"""Shift4Shop (3dcart) REST API v1 client: orders changed in a UTC window, orders by id, status.

The API filters and answers in the store's local time with no offset, pages with a 1-based
`offset`, answers 404 for "no rows", and documents `lastupdate*` filters as date-only. So a UTC
window is converted to store-local days (start day .. end day + 1), counted, paged to exactly that
count, then filtered here to the exact UTC window (reliability bar #8 and #9).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from connectors.http import ConnectorClient, OffsetPaginator, client_from_settings, paginate
from connectors.records import Extracted, validate_rows
from connectors.settings import load_settings
from connectors.shift4shop import models, resources
from connectors.shift4shop.resources import ORDERS
from connectors.shift4shop.settings import Shift4ShopSettings

SYSTEM = "shift4shop"


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
            SYSTEM, settings, headers=headers, transport=transport, **http_options
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

    # --- orders -------------------------------------------------------------------------------
    def orders_changed(
        self, since: dt.datetime, until: dt.datetime, *, include_abandoned: bool = False
    ) -> Extracted[models.Order]:
        """Orders whose LastUpdate is within [since, until] (aware, any zone), paged to the end.

        Abandoned checkouts (status 7 "Not Completed") are left out unless asked for.
        """
        start = self.to_store_time(since).date()
        end = self.to_store_time(until).date() + dt.timedelta(days=1)
        params = {
            "lastupdatestart": start.strftime(resources.FILTER_DATE_FORMAT),
            "lastupdateend": end.strftime(resources.FILTER_DATE_FORMAT),
        }
        extracted = self._orders(params)
        extracted.records = [
            o
            for o in extracted.records
            if o.last_update is not None
            and since <= self.to_utc(o.last_update) <= until
            and (include_abandoned or o.order_status_id != resources.NOT_COMPLETED_STATUS)
        ]
        return extracted

    def orders_by_id(self, order_ids: Iterable[int]) -> tuple[Extracted[models.Order], list[int]]:
        """Fetch orders one by one (`GET /Orders/{id}`); returns them and the ids not found."""
        rows: list[dict[str, Any]] = []
        missing: list[int] = []
        for order_id in dict.fromkeys(order_ids):
            path = resources.ORDER.format(order_id=order_id)
            response = self.http.request("GET", path, expect=(resources.EMPTY_STATUS,))
            if response.status_code == resources.EMPTY_STATUS:
                missing.append(order_id)
            else:
                rows.extend(response.json())
        return validate_rows(
            models.Order, rows, system=SYSTEM, entity="order", id_key="OrderID"
        ), missing

    def set_order_status(self, order_id: int, status_id: int) -> None:
        """Set an order's status (`PUT /Orders/{id}`); raises if the store refuses it."""
        path = resources.ORDER.format(order_id=order_id)
        self.http.request("PUT", path, json={"OrderStatusID": status_id})

    def count(self, path: str, params: dict[str, Any]) -> int:
        """`countonly=1` for `path` with these filters (404 means none)."""
        response = self.http.request(
            "GET", path, params={**params, "countonly": 1}, expect=(resources.EMPTY_STATUS,)
        )
        if response.status_code == resources.EMPTY_STATUS:
            return 0
        return int(response.json()["TotalCount"])

    def _orders(self, params: dict[str, Any]) -> Extracted[models.Order]:
        total = self.count(ORDERS.path, params)
        rows: dict[Any, dict[str, Any]] = {}
        if total:
            paginator = OffsetPaginator(
                page_size=min(self.settings.orders_page_size, ORDERS.max_limit),
                start=ORDERS.offset_start,
                total=total,
                empty_statuses=(resources.EMPTY_STATUS,),
            )
            for page in paginate(self.http, paginator, ORDERS.path, params):
                for row in page:
                    rows[row.get("OrderID", id(row))] = row
        return validate_rows(
            models.Order, rows.values(), system=SYSTEM, entity="order", id_key="OrderID"
        )
