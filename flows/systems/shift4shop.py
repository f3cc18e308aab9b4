"""Shift4Shop as an order source: the connector plus the codec behind `OrderSource`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from connectors.records import Extracted, Rejected
from connectors.shift4shop import Shift4ShopClient
from connectors.shift4shop.models import Order as RawOrder
from transforms.canonical import Order
from transforms.shift4shop import SYSTEM, decode_order


class Shift4ShopOrders:
    """Reads Shift4Shop orders and decodes them to canonical orders."""

    system = SYSTEM

    def __init__(self, client: Shift4ShopClient | None = None) -> None:
        self.client = client or Shift4ShopClient.from_env()

    def fetch_changed(self, since: dt.datetime, until: dt.datetime) -> Extracted[RawOrder]:
        return self.client.orders_changed(since, until)

    def fetch_by_id(self, ids: Sequence[str]) -> tuple[Extracted[RawOrder], list[str]]:
        numeric = [i for i in ids if str(i).isdigit()]
        extracted, missing = self.client.orders_by_id(int(i) for i in numeric)
        extracted.rejected += [
            Rejected(SYSTEM, "order", str(i), f"{SYSTEM}:order:{i}: not a Shift4Shop OrderID")
            for i in ids
            if not str(i).isdigit()
        ]
        return extracted, [str(m) for m in missing]

    def decode(self, raw: RawOrder) -> Order:
        s = self.client.settings
        return decode_order(raw, timezone=s.store_timezone, currency=s.currency)

    def external_id(self, raw: RawOrder) -> str:
        return str(raw.order_id)

    def close(self) -> None:
        self.client.close()
